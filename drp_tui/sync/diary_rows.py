"""Complaints, appointments and phones' consent to texts a desk sends (issue 21): each judged by
rules.py and diary_rules.py before the push writes it, as a PostgreSQL hub's database judges
them for a desk's own login (h017, h019); and an appointment booked (review 21d) or
rescheduled (review 21e) on two of an officer's desks into one slot, the first to reach the
hub standing."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from drp_tui.store.rawsql import chunks
from drp_tui.sync.diary_rules import EXPLAINED_BY, change_refusal, instant
from drp_tui.sync.moved import case_officers
from drp_tui.sync.rules import Sender, appointment_refusal, complaint_refusal, payload_of
from drp_tui.sync.schema import hub_event
from drp_tui.sync.tables import TABLES

JUDGED = ("complaint", "appointment", "phone")


def _explaining(
    hub: Connection, sender: Sender, table: str, rows: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    """The sender's events on each of `rows` (`EXPLAINED_BY`), by row: each its payload with
    the event's `at`. A phone's are found by the phone (its person may have several cases)."""
    kind, field = EXPLAINED_BY[table]
    query = select(hub_event.c.payload, hub_event.c.at).where(
        hub_event.c.officer_id == sender.officer_id
    )
    if table == "phone":
        batches = [query.where(hub_event.c.kind == kind)]
    else:
        cases = sorted({str(r["case_id"]) for r in rows})
        query = query.where(hub_event.c.kind.startswith(kind, autoescape=True))
        batches = [query.where(hub_event.c.case_id.in_(chunk)) for chunk in chunks(cases)]
    wanted = {str(r["id"]) for r in rows}
    found: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for batch in batches:
        for payload, at in hub.execute(batch):
            stated = payload_of({"payload": payload})
            named = stated.get(field)
            if isinstance(named, str) and named in wanted:
                found[named].append({**stated, "at": at})
    return found


def diary_row_refusals(
    hub: Connection,
    sender: Sender,
    table: str,
    rows: dict[str, dict[str, Any]],
    accepted: list[str],
    on_hub: dict[str, dict[str, Any]],
    received: datetime,
) -> dict[str, str]:
    """Why each of the `accepted` rows of `table` (complaint, appointment or phone) is refused,
    by key: a new row by rules.py, a change by diary_rules.py (`received` the hub's clock). A
    settled row (tables.py) is not judged: the hub's copy stands and goes back to the desk."""
    spec = next(t for t in TABLES if t.name == table)
    refused: dict[str, str] = {}
    if table == "complaint":
        for k in accepted:
            why = complaint_refusal(rows[k], on_hub.get(k), sender)
            if why is not None:
                refused[k] = why
    elif table == "appointment":
        officers = case_officers(hub, {rows[k]["case_id"] for k in accepted})
        for k in accepted:
            row = rows[k]
            why = appointment_refusal(row, on_hub.get(k), sender, officers.get(row["case_id"]))
            if why is not None:
                refused[k] = why
    changed = {
        k: {**on_hub[k], **{c: rows[k][c] for c in spec.pushed}}
        for k in accepted
        if k in on_hub
        and k not in refused
        and not (spec.settled is not None and spec.settled(on_hub[k]))
    }
    if changed:
        events = _explaining(hub, sender, table, list(changed.values()))
        for k, sent in changed.items():
            stating = events.get(str(sent["id"]), [])
            why = change_refusal(table, sent, on_hub[k], stating, received)
            if why is not None:
                refused[k] = why
    return refused


@dataclass(frozen=True)
class Booking:
    """An appointment booked or moved into a slot the officer already had booked on the hub."""

    officer_id: str
    stands: str  # the appointment booked on the hub
    clashed: str  # the one that arrived later: cancelled if new, kept at its time if moved
    case_id: str | None


def settle_bookings(
    hub: Connection,
    appointment: Table,
    new: list[dict[str, Any]],
    changed: list[dict[str, Any]],
    on_hub: dict[str, dict[str, Any]],
) -> list[Booking]:
    """Settle, in place and before they are written, `new` rows and `changed` ones (`on_hub`
    their hub copies, by id) booked in a slot their officer already has booked on the hub (or
    earlier among them): one officer's two desks each checked the slot only against their own
    calendar, and the first to reach the hub stands. A new one is cancelled; one rescheduled
    into the slot keeps the time the hub has (review 21e). The clashes, in order."""
    moved = {
        str(r["id"]): on_hub[str(r["id"])]
        for r in changed
        if r["status"] == "booked"
        and instant(r["starts_at"]) != instant(on_hub[str(r["id"])]["starts_at"])
    }
    booking = [r for r in changed if str(r["id"]) in moved]
    booking += [r for r in new if r["status"] == "booked"]
    times = sorted(t for r in booking if (t := instant(r["starts_at"])) is not None)
    if not times:
        return []
    day = timedelta(days=1)
    first, last = times[0], times[-1]
    changing = {str(r["id"]) for r in changed}  # as they are sent: cancelled frees a slot
    taken: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chunk in chunks(sorted({str(r["officer_id"]) for r in booking})):
        for found in hub.execute(
            select(
                appointment.c.id,
                appointment.c.officer_id,
                appointment.c.starts_at,
                appointment.c.minutes,
            ).where(
                appointment.c.officer_id.in_(chunk),
                appointment.c.status == "booked",
                appointment.c.starts_at >= (first - day).isoformat(timespec="microseconds"),
                appointment.c.starts_at <= (last + day).isoformat(timespec="microseconds"),
            )
        ):
            if str(found.id) not in changing:
                taken[str(found.officer_id)].append(dict(found._mapping))
    for row in changed:
        if row["status"] == "booked" and str(row["id"]) not in moved:
            taken[str(row["officer_id"])].append(row)
    clashes: list[Booking] = []
    for row in booking:
        mine = taken[str(row["officer_id"])]
        stands = next((t["id"] for t in mine if t["id"] != row["id"] and _overlap(t, row)), None)
        if stands is not None:
            was = moved.get(str(row["id"]))
            if was is None:
                row["status"] = "cancelled"
                row["note"] = (
                    f"booked in the same slot as {stands} on another desk; the first stands"
                )
            else:
                row["starts_at"] = was["starts_at"]
                row["note"] = (
                    f"moved into the slot of {stands} booked on another desk; the first "
                    "stands, so this keeps its time"
                )
            clashes.append(Booking(str(row["officer_id"]), stands, str(row["id"]), row["case_id"]))
        if row["status"] == "booked":
            mine.append(row)
    return clashes


def _overlap(one: dict[str, Any], other: dict[str, Any]) -> bool:
    start, begins = instant(one["starts_at"]), instant(other["starts_at"])
    if start is None or begins is None:
        return False
    return start < begins + timedelta(minutes=int(other["minutes"])) and begins < start + timedelta(
        minutes=int(one["minutes"])
    )
