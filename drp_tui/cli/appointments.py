"""`drp appointment`: book, reschedule, cancel and record appointments; list them (--ics)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from zoneinfo import ZoneInfo

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, day
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.casework import Actor
    from drp_tui.services.policy import PolicyBook
    from drp_tui.store.engine import Store
    from drp_tui.store.models import Appointment

app = typer.Typer(
    help="Appointments with debtors: face to face or by telephone, in office hours.",
    no_args_is_help=True,
)
At = Annotated[str, typer.Option("--at", help="Local date and time, e.g. '2026-12-03 10:30'.")]
Id = Annotated[str, typer.Argument(metavar="ID", help="As 'drp appointment list' shows it.")]


def _context(hub: str | None = None) -> tuple[Store, PolicyBook, Actor, ZoneInfo]:
    from drp_tui.domain.policy import in_force
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, command="drp appointment")
    policy = policy_for(settings)
    zone = ZoneInfo(in_force(policy.office_hours, acting.today()).timezone)
    return store, policy, acting.actor(), zone


def _json(a: Appointment, reference: str, zone: ZoneInfo) -> dict[str, object]:
    return {
        "id": a.id,
        "case": reference,
        "officer": a.officer_id,
        "kind": a.kind,
        "place": a.place,
        "starts_at": a.starts_at.astimezone(zone).isoformat(),
        "minutes": a.minutes,
        "reason": a.reason,
        "status": a.status,
        "note": a.note,
    }


def _done(store: Store, a: Appointment, what: str, zone: ZoneInfo, as_json: bool) -> None:
    from drp_tui.services.appointments import reference_of

    reference = reference_of(store, a)
    if as_json:
        output.print_json(_json(a, reference, zone))
        return
    when = a.starts_at.astimezone(zone)
    output.console().print(
        Text(f"{what} {a.id[:8]}: {reference} {a.kind.replace('_', ' ')}, {when:%a %d %b %H:%M}")
    )


@app.command("book")
def book(
    case: Annotated[str, typer.Option("--case", help="The case reference.")],
    at: At,
    reason: Annotated[str, typer.Option(help="What it is for.")],
    kind: Annotated[str, typer.Option(help="face_to_face or telephone.")] = "telephone",
    place: Annotated[str, typer.Option(help="Face to face: one of the policy's places.")] = "",
    why: Annotated[
        str, typer.Option(help="Face to face: why it is right (the vulnerability, or asked).")
    ] = "",
    minutes: Annotated[
        int | None, typer.Option(help="How long (default the policy's slot).")
    ] = None,
    officer: Annotated[
        str | None, typer.Option(help="Who holds it (default the case's officer; supervisors).")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Book an appointment in office hours, not overlapping the officer's others."""
    from drp_tui.domain.dates import parse_moment
    from drp_tui.services.appointments import Booking
    from drp_tui.services.appointments import book as book_appointment

    store, policy, actor, zone = _context()
    starts = parse_moment(at, str(zone), "--at")
    booking = Booking(case, kind.strip().lower(), starts, reason, place, why, minutes, officer)
    _done(store, book_appointment(store, policy, actor, booking), "booked", zone, as_json)


@app.command("reschedule")
def reschedule(appointment: Id, at: At, as_json: JsonFlag = False) -> None:
    """Move an appointment to another time."""
    from drp_tui.domain.dates import parse_moment
    from drp_tui.services.appointments import find_appointment
    from drp_tui.services.appointments import reschedule as move

    store, policy, actor, zone = _context()
    found = find_appointment(store, appointment)
    moved = move(store, policy, actor, found, parse_moment(at, str(zone), "--at"))
    _done(store, moved, "moved", zone, as_json)


@app.command("cancel")
def cancel(
    appointment: Id,
    note: Annotated[str, typer.Option(help="Why it is cancelled.")],
    as_json: JsonFlag = False,
) -> None:
    """Cancel an appointment, saying why."""
    from drp_tui.services.appointments import find_appointment, settle

    store, _, actor, zone = _context()
    done = settle(store, actor, find_appointment(store, appointment), "cancelled", note)
    _done(store, done, "cancelled", zone, as_json)


@app.command("outcome")
def outcome(
    appointment: Id,
    kept: Annotated[
        bool, typer.Option("--kept/--missed", help="Whether the debtor came (or answered).")
    ],
    note: Annotated[str, typer.Option(help="What happened.")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Record an appointment kept or missed, once its time has come. What was agreed at it
    is recorded on the case as on a call (open the case from the diary)."""
    from drp_tui.services.appointments import find_appointment, settle

    store, _, actor, zone = _context()
    status = "kept" if kept else "missed"
    done = settle(store, actor, find_appointment(store, appointment), status, note)
    _done(store, done, status, zone, as_json)


@app.command("list")
def list_(
    officer: Annotated[str | None, typer.Option(help="Whose (default yours).")] = None,
    start: Annotated[str | None, typer.Option("--from", help="First day (default today).")] = None,
    end: Annotated[str | None, typer.Option("--to", help="Last day (default 4 weeks on).")] = None,
    ics: Annotated[
        Path | None, typer.Option("--ics", help="Write them as an iCalendar file for Outlook.")
    ] = None,
    hub: Annotated[
        str | None,
        typer.Option(
            "--hub",
            help="As on the team hub (a postgresql:// URL or a SQLite file).",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """An officer's appointments over some days, or as an iCalendar file (--ics)."""
    from datetime import timedelta

    from drp_tui.services.appointments import appointments, calendar_file, may_read, revisions
    from drp_tui.services.outfile import kept_files, write_bytes

    store, _, actor, zone = _context(hub)
    today = actor.now().astimezone(zone).date()
    first = day(start, "--from", today)
    last = day(end, "--to", first + timedelta(days=27))
    who = officer or actor.officer_id
    may_read(store, actor, who)
    rows = appointments(store, who, first, last, zone)
    if ics is not None:
        calendar = calendar_file(rows, who, zone, revisions(store, rows))
        write_bytes(ics, calendar, option="--ics", kept=kept_files(store.path))
        output.console().print(Text(f"wrote {len(rows)} appointments to {ics}"))
        return
    if as_json:
        output.print_json({"officer": who, "appointments": [_json(a, r, zone) for a, r in rows]})
        return
    table = Table("id", "when", "case", "kind", "place", "status", title=f"Appointments: {who}")
    for a, reference in rows:
        when = a.starts_at.astimezone(zone)
        table.add_row(
            a.id[:8], f"{when:%a %d %b %H:%M}", reference, a.kind.replace("_", " "),
            Text(a.place), a.status,
        )  # fmt: skip
    output.console().print(table)
