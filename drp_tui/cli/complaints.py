"""`drp complaint`: record complaints about recovery, move them on a stage, close them."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, day
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.casework import Actor
    from drp_tui.services.complaints import ComplaintRow
    from drp_tui.services.policy import PolicyBook
    from drp_tui.store.engine import Store
    from drp_tui.store.models import Complaint

app = typer.Typer(
    help="Complaints about recovery: recorded by whoever takes them; reply due by policy.",
    no_args_is_help=True,
)


def _context(hub: str | None = None) -> tuple[Store, PolicyBook, Actor]:
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, command="drp complaint")
    return store, policy_for(settings), acting.actor()


def _as_json(c: Complaint, reference: str) -> dict[str, object]:
    return {
        "id": c.id,
        "case": reference,
        "received_on": c.received_on.isoformat(),
        "channel": c.channel,
        "stage": c.stage,
        "stage_started_on": c.stage_started_on.isoformat(),
        "summary": c.summary,
        "pauses_recovery": c.pauses_recovery,
        "reply_due": c.reply_due.isoformat(),
        "status": c.status,
        "outcome": c.outcome,
        "remedy": c.remedy,
        "closed_on": None if c.closed_on is None else c.closed_on.isoformat(),
    }


@app.command("add")
def add(
    case: Annotated[str, typer.Option("--case", help="The case reference, e.g. C0001234.")],
    summary: Annotated[str, typer.Option(help="What the complaint is about.")],
    channel: Annotated[
        str, typer.Option(help="phone, letter, email, online or in_person.")
    ] = "phone",
    received: Annotated[
        str | None, typer.Option(help="The day it was received (default today).")
    ] = None,
    stage: Annotated[str, typer.Option(help="stage_1, stage_2 or ombudsman.")] = "stage_1",
    debt: Annotated[
        list[str] | None,
        typer.Option(help="Repeatable: a debt's host reference it concerns (default: all)."),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a complaint on a case: its reply is due by the stage's policy (working days,
    bank holidays skipped) and recovery pauses while it is open where the policy says so."""
    from drp_tui.services.complaints import NewComplaint, add_complaint

    store, policy, actor = _context()
    on = day(received, "--received", actor.now().date())
    new = NewComplaint(
        case, on, channel.strip().lower(), summary, stage.strip().lower(), tuple(debt or ())
    )
    complaint = add_complaint(store, policy, actor, new)
    _print(complaint, case.strip().upper(), "recorded", as_json)


@app.command("update")
def update(
    complaint_id: Annotated[
        str, typer.Argument(metavar="ID", help="As 'drp complaint list' shows it.")
    ],
    stage: Annotated[
        str | None, typer.Option(help="Move it on to this stage (stage_2, ombudsman).")
    ] = None,
    outcome: Annotated[
        str | None,
        typer.Option(help="Close it: upheld, partly_upheld, not_upheld or withdrawn."),
    ] = None,
    remedy: Annotated[str, typer.Option(help="What the council will do to put it right.")] = "",
    on: Annotated[str | None, typer.Option("--on", help="When (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Move a complaint on a stage (a new reply due) or close it with its outcome (recovery
    resumes if it paused). For the case's officer or a supervisor."""
    from drp_tui.domain.errors import InputError
    from drp_tui.services.complaints import close, escalate, find_complaint, list_complaints

    if (stage is None) == (outcome is None):
        raise InputError("--stage", "give --stage to move it on, or --outcome to close it")
    store, policy, actor = _context()
    when = day(on, "--on", actor.now().date())
    found = find_complaint(store, complaint_id)
    if stage is not None:
        complaint = escalate(store, policy, actor, found, stage.strip().lower(), when)
    else:
        assert outcome is not None
        complaint = close(store, actor, found, outcome.strip().lower(), remedy, when)
    reference = next(r.reference for r in list_complaints(store) if r.complaint.id == found)
    _print(complaint, reference, "updated", as_json)


@app.command("list")
def list_(
    open_only: Annotated[bool, typer.Option("--open", help="Only those still open.")] = False,
    officer: Annotated[
        str | None,
        typer.Option(help="Only on this officer's cases (another's: supervisors)."),
    ] = None,
    hub: Annotated[
        str | None,
        typer.Option(
            "--hub",
            help="The team's, on the team hub (a postgresql:// URL or a SQLite file).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Complaints, the reply due soonest first; overdue ones marked."""
    from drp_tui.services.complaints import complaints_read_by

    store, _, actor = _context(hub)
    rows = complaints_read_by(store, actor, officer_id=officer, open_only=open_only)
    today = actor.now().date()
    if as_json:
        output.print_json(
            {
                "on": today.isoformat(),
                "complaints": [
                    {**_as_json(r.complaint, r.reference), "overdue": r.overdue(today)}
                    for r in rows
                ],
            }
        )
        return
    _table(rows, today)


def _table(rows: list[ComplaintRow], today: date) -> None:
    table = Table(title=f"Complaints: {len(rows)}", title_justify="left")
    for column in ("id", "case", "stage", "received", "reply due", "status", "summary"):
        table.add_column(
            column, no_wrap=column != "summary", ratio=1 if column == "summary" else None
        )
    for r in rows:
        c = r.complaint
        due = Text(f"{c.reply_due:%d %b %Y}", style="bold red" if r.overdue(today) else "")
        status = c.status if c.outcome is None else f"{c.status}: {c.outcome}"
        table.add_row(
            c.id[:8],
            r.reference,
            c.stage,
            f"{c.received_on:%d %b %Y}",
            due,
            status,
            Text(c.summary),
        )
    output.console().print(table)


def _print(complaint: Complaint, reference: str, what: str, as_json: bool) -> None:
    if as_json:
        output.print_json(_as_json(complaint, reference))
        return
    paused = (
        "; recovery paused while it is open"
        if complaint.pauses_recovery and complaint.status == "open"
        else ""
    )
    output.console().print(
        Text(
            f"{what} complaint {complaint.id[:8]} on {reference} at {complaint.stage}: "
            + (
                f"reply due {complaint.reply_due:%a %d %b %Y}{paused}"
                if complaint.status == "open"
                else f"closed, {complaint.outcome}"
            )
        )
    )
