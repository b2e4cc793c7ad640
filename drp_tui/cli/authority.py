"""`drp authority`: third parties a debtor has authorised to speak for them, and what they
may do on a call ("discuss": hear the account detail; "arrange": agree payment)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.authority import Authority

app = typer.Typer(
    help="Third parties with recorded authority to speak for a debtor.", no_args_is_help=True
)

CaseRef = Annotated[str, typer.Argument(help="The case reference, e.g. C0001234.")]


def _json(reference: str, found: Authority, on_day: Any = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": found.id,
        "case": reference,
        "name": found.name,
        "relationship": found.relationship,
        "may": list(found.scope),
        "until": None if found.until is None else found.until.isoformat(),
        "recorded_by": found.recorded_by,
        "recorded_at": found.recorded_at.isoformat(),
    }
    if on_day is not None:
        shown["in_force"] = found.in_force(on_day)
    return shown


@app.command("add")
def add(
    case: CaseRef,
    name: Annotated[str, typer.Option(help="Who the third party is.")],
    relationship: Annotated[str, typer.Option(help="How they are related, e.g. partner.")],
    may: Annotated[
        str,
        typer.Option(
            help="What they may do: discuss (hear the account detail), arrange (agree payment "
            "on the debtor's behalf), or both: discuss,arrange."
        ),
    ],
    until: Annotated[
        str | None, typer.Option(help="The last day it covers (default: no end date).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that the case's debtor has authorised someone to speak for them."""
    from drp_tui.domain.dates import parse_date
    from drp_tui.domain.errors import InputError
    from drp_tui.services.authority import case_id_for, record_authority
    from drp_tui.services.casework import Actor
    from drp_tui.services.store import store_for

    settings = load_settings()
    if not settings.officer:
        raise InputError("DRP_OFFICER", "set DRP_OFFICER to the officer recording the authority")
    store = store_for(settings)
    reference = case.strip().upper()
    case_id = case_id_for(store, reference)
    last_day = None if until is None else parse_date(until, "--until")
    try:
        found = record_authority(
            store,
            Actor(settings.officer, clock=settings.current_time),
            case_id=case_id,
            name=name,
            relationship=relationship,
            scope=may.split(","),
            until=last_day,
        )
    except InputError as error:
        raise InputError(f"--{error.field}", error.message) from error
    if as_json:
        output.print_json(_json(reference, found))
        return
    print(f"recorded on {reference}: {found.describe()}")


@app.command("list")
def list_authorities(case: CaseRef, as_json: JsonFlag = False) -> None:
    """The third parties the case's debtor has authorised, and whether each is in force today."""
    from drp_tui.services.authority import case_id_for, for_case
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    reference = case.strip().upper()
    found = for_case(store, case_id_for(store, reference))
    today = settings.current_date()
    if as_json:
        output.print_json(
            {"case": reference, "authorities": [_json(reference, a, today) for a in found]}
        )
        return
    table = Table(title=f"Third parties with authority on {reference}", title_justify="left")
    for column in ("Name", "Relationship", "May", "Until", "In force"):
        table.add_column(column)
    for a in found:
        table.add_row(
            Text(a.name),
            Text(a.relationship),
            Text(a.may),
            Text("no end date" if a.until is None else a.until.isoformat()),
            "yes" if a.in_force(today) else "no",
        )
    output.console().print(table if found else Text(f"no third party has authority on {reference}"))
