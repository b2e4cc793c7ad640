"""`drp diary`: what is due today on an officer's cases."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, day
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.domain.diary import DiaryEntry


def diary(
    officer: Annotated[
        str | None,
        typer.Option(help="Whose diary (default: yours; another officer's: supervisors)."),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="The day (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Callbacks due, promises due and broken, arrangements broken, instalments missed,
    vulnerability reviews, Breathing Space ending and disputes awaiting an answer, in the
    order to work them. Open a case from the workstation's diary (d) to call it."""
    from drp_tui.services.diary import diary as read_diary
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, command="drp diary")
    when = day(on, "--on", acting.today())
    who = officer or acting.officer_id
    entries = read_diary(store, policy_for(settings), acting.officer_id, who, when)

    def row(e: DiaryEntry) -> dict[str, object]:
        return {
            "kind": e.kind,
            "label": e.label,
            "reference": e.reference,
            "name": e.name,
            "due": e.due.isoformat(),
            "at": None if e.at is None else f"{e.at:%H:%M}",
            "overdue": e.overdue(when),
            "detail": e.detail,
        }

    if as_json:
        output.print_json(
            {"officer": who, "on": when.isoformat(), "entries": [row(e) for e in entries]}
        )
        return
    table = Table(
        title=f"Diary for {who}, {when:%a %d %b %Y}: {len(entries)} due", title_justify="left"
    )
    table.add_column("when", no_wrap=True)
    table.add_column("what", no_wrap=True)  # the officer reads down this column
    table.add_column("case", no_wrap=True)
    table.add_column("name", ratio=1)
    table.add_column("detail", ratio=2)
    for e in entries:
        style = "red" if e.overdue(when) else ""
        table.add_row(
            Text(e.when(when), style=style), e.label, e.reference, Text(e.name), Text(e.detail)
        )
    output.console().print(table if entries else f"Nothing due for {who} on {when:%a %d %b %Y}.")
