"""The officer's diary for a day (`drp diary` and the workstation's diary): callbacks due,
promises due and broken, arrangements broken and instalments missed, reviews due, Breathing
Space ending, disputes awaiting an answer and complaints due a reply, on the officer's open
cases.

Only the officer themself, or a supervisor or above, may read an officer's diary."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlmodel import Session, col

from drp_tui.domain.controls import escaped
from drp_tui.domain.diary import (
    LOOK_AHEAD_DAYS,
    LOOK_BACK_DAYS,
    DiaryEntry,
    in_order,
    local_clock,
)
from drp_tui.domain.holds import Hold, active_holds
from drp_tui.domain.policy import in_force
from drp_tui.services.caseaccess import require_reader_of
from drp_tui.services.holds import holds_by_case
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import (
    Appointment,
    Arrangement,
    Call,
    Case,
    Complaint,
    Instalment,
    Officer,
    Person,
    Promise,
    Vulnerability,
)

_Case = tuple[str, str, str]  # id, reference, name
BREATHING_SPACES = ("breathing_space", "mental_health_crisis")


def may_read_diary(store: Store, reader_id: str, officer_id: str) -> Officer:
    """The officer whose diary is read: the reader's own, or any for a supervisor."""
    return require_reader_of(store, reader_id, officer_id, "diary")


def diary(
    store: Store, policy: PolicyBook, reader_id: str, officer_id: str, on: date
) -> list[DiaryEntry]:
    """What is due on `on` for `officer_id`, in the order to work it (domain/diary.py)."""
    may_read_diary(store, reader_id, officer_id)
    zone = ZoneInfo(in_force(policy.contact.hours, on).timezone)
    with store.read() as session:
        cases = _open_cases(session, officer_id)
        last_call = _last_calls(session, officer_id, zone)
        entries = [
            *_callbacks(session, officer_id, on, zone),
            *_promises(session, officer_id, on, last_call),
            *_arrangements(session, officer_id, on, zone, last_call),
            *_vulnerability_reviews(session, officer_id, on),
            *_disputes(session, officer_id, on),
            *_complaints(session, officer_id, on),
            *_appointments(session, officer_id, on, zone),
        ]
        elsewhere = {e.case_id for e in entries if e.kind == "appointment"} - set(cases)
        cases |= _open_cases(session, None, sorted(elsewhere)) if elsewhere else {}
        holds = holds_by_case(session, list(cases)) if cases else {}
    entries += _breathing_space_ending(policy, holds, on)
    return in_order(
        DiaryEntry(e.kind, e.case_id, *cases[e.case_id][1:], e.due, e.at, e.detail)
        for e in entries
        if e.case_id in cases
    )


def _open_cases(
    session: Session, officer_id: str | None, case_ids: list[str] | None = None
) -> dict[str, _Case]:
    """The officer's open cases (or the cases `case_ids`), by id."""
    mine = col(Case.officer_id) == officer_id if case_ids is None else col(Case.id).in_(case_ids)
    rows = session.execute(
        select(
            col(Case.id),
            col(Case.reference),
            col(Person.title),
            col(Person.forename),
            col(Person.surname),
        )
        .join(Person, col(Person.id) == col(Case.person_id))
        .where(mine, col(Case.status) == "open")
    ).all()
    return {
        case_id: (case_id, reference, escaped(" ".join(p for p in (title, fore, sur) if p)))
        for case_id, reference, title, fore, sur in rows
    }


def _last_calls(session: Session, officer_id: str, zone: ZoneInfo) -> dict[str, date]:
    """The day each of the officer's cases was last opened on a call (any officer's)."""
    rows = session.execute(
        select(col(Call.case_id), func.max(Call.opened_at))
        .join(Case, col(Case.id) == col(Call.case_id))
        .where(col(Case.officer_id) == officer_id)
        .group_by(col(Call.case_id))
    ).all()
    return {case_id: _instant(at).astimezone(zone).date() for case_id, at in rows if at}


def _instant(value: datetime | str) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _entry(kind: str, case_id: str, due: date, detail: str, at: time | None = None) -> DiaryEntry:
    """An entry before its case's reference and name are filled in."""
    return DiaryEntry(kind, case_id, "", "", due, at, detail)


def _callbacks(session: Session, officer_id: str, on: date, zone: ZoneInfo) -> list[DiaryEntry]:
    end_of_day = datetime.combine(on + timedelta(days=1), datetime.min.time(), zone)
    entries = []
    for case_id, due in session.execute(
        select(col(Case.id), col(Case.next_action_due)).where(
            col(Case.officer_id) == officer_id,
            col(Case.status) == "open",
            col(Case.next_action_due) < end_of_day,
        )
    ).all():
        day, minute = local_clock(_instant(due).astimezone(zone))
        detail = f"overdue since {day:%a %d %b}" if day < on else ""
        entries.append(_entry("callback", case_id, day, detail, minute))
    return entries


def _promises(
    session: Session, officer_id: str, on: date, last_call: dict[str, date]
) -> list[DiaryEntry]:
    entries = []
    since = on - timedelta(days=LOOK_BACK_DAYS)
    query = (
        select(col(Promise.case_id), col(Promise.amount), col(Promise.due_on), col(Promise.status))
        .join(Case, col(Case.id) == col(Promise.case_id))
        .where(
            col(Case.officer_id) == officer_id,
            col(Case.status) == "open",
            col(Promise.due_on) >= since,
            col(Promise.due_on) <= on,
        )
    )
    for case_id, amount, due_on, status in session.execute(query).all():
        if due_on == on and status == "open":
            entries.append(_entry("promise_due", case_id, on, f"£{amount:,.2f}"))
        elif status == "broken" and last_call.get(case_id, date.min) <= due_on:
            entries.append(
                _entry("promise_broken", case_id, due_on, f"£{amount:,.2f} due {due_on:%d %b}")
            )
    return entries


def _arrangements(
    session: Session, officer_id: str, on: date, zone: ZoneInfo, last_call: dict[str, date]
) -> list[DiaryEntry]:
    entries = []
    since = on - timedelta(days=LOOK_BACK_DAYS)
    for case_id, changed_at, reason in session.execute(
        select(
            col(Arrangement.case_id),
            col(Arrangement.status_changed_at),
            col(Arrangement.status_reason),
        )
        .join(Case, col(Case.id) == col(Arrangement.case_id))
        .where(
            col(Case.officer_id) == officer_id,
            col(Case.status) == "open",
            col(Arrangement.status) == "breached",
        )
    ).all():
        broken_on = _instant(changed_at).astimezone(zone).date() if changed_at else since
        if since <= broken_on <= on and last_call.get(case_id, date.min) <= broken_on:
            entries.append(_entry("arrangement_broken", case_id, broken_on, reason))
    missed: dict[str, list[tuple[date, Decimal]]] = defaultdict(list)
    for case_id, due_on, amount, paid in session.execute(
        select(
            col(Arrangement.case_id),
            col(Instalment.due_on),
            col(Instalment.amount),
            col(Instalment.paid),
        )
        .join(Arrangement, col(Arrangement.id) == col(Instalment.arrangement_id))
        .join(Case, col(Case.id) == col(Arrangement.case_id))
        .where(
            col(Case.officer_id) == officer_id,
            col(Case.status) == "open",
            col(Arrangement.status) == "live",
            col(Instalment.due_on) >= since,
            col(Instalment.due_on) < on,
            col(Instalment.paid) < col(Instalment.amount),
        )
    ).all():
        if last_call.get(case_id, date.min) <= due_on:
            missed[case_id].append((due_on, amount - paid))
    for case_id, dues in missed.items():
        first = min(d for d, _ in dues)
        detail = "; ".join(f"£{short:,.2f} short, due {d:%d %b}" for d, short in sorted(dues))
        entries.append(_entry("instalment_missed", case_id, first, detail))
    return entries


def _vulnerability_reviews(session: Session, officer_id: str, on: date) -> list[DiaryEntry]:
    return [
        _entry("vulnerability_review", case_id, review_on, f"{category.replace('_', ' ')}")
        for case_id, review_on, category in session.execute(
            select(col(Case.id), col(Vulnerability.review_on), col(Vulnerability.category))
            .join(Vulnerability, col(Vulnerability.person_id) == col(Case.person_id))
            .where(
                col(Case.officer_id) == officer_id,
                col(Case.status) == "open",
                col(Vulnerability.review_on) <= on,
            )
        ).all()
    ]


def _disputes(session: Session, officer_id: str, on: date) -> list[DiaryEntry]:
    """Disputes still open: the case's hold, with what the debtor disputes."""
    return [
        _entry("dispute", case_id, on, reason or "no reason recorded")
        for case_id, reason, until in session.execute(
            select(col(Case.id), col(Case.hold_reason), col(Case.hold_until)).where(
                col(Case.officer_id) == officer_id,
                col(Case.status) == "open",
                col(Case.hold_kind) == "dispute",
            )
        ).all()
        if until is None or until >= on
    ]


def _appointments(session: Session, officer_id: str, on: date, zone: ZoneInfo) -> list[DiaryEntry]:
    """The officer's appointments booked for the day (with anyone's case: a supervisor may
    give an officer an appointment on a colleague's case)."""
    start = datetime.combine(on, time.min, zone)
    entries = []
    for case_id, starts_at, kind, place in session.execute(
        select(
            col(Appointment.case_id),
            col(Appointment.starts_at),
            col(Appointment.kind),
            col(Appointment.place),
        ).where(
            col(Appointment.officer_id) == officer_id,
            col(Appointment.status) == "booked",
            col(Appointment.starts_at) >= start,
            col(Appointment.starts_at) < start + timedelta(days=1),
        )
    ).all():
        day, minute = local_clock(_instant(starts_at).astimezone(zone))
        entries.append(
            _entry("appointment", case_id, day, f"{kind.replace('_', ' ')}: {place}", minute)
        )
    return entries


def _complaints(session: Session, officer_id: str, on: date) -> list[DiaryEntry]:
    """Open complaints whose reply is due within the look-ahead, or overdue."""
    horizon = on + timedelta(days=LOOK_AHEAD_DAYS)
    return [
        _entry("complaint_reply", case_id, due, f"{stage.replace('_', ' ')}: {summary}")
        for case_id, due, stage, summary in session.execute(
            select(
                col(Complaint.case_id),
                col(Complaint.reply_due),
                col(Complaint.stage),
                col(Complaint.summary),
            )
            .join(Case, col(Case.id) == col(Complaint.case_id))
            .where(
                col(Case.officer_id) == officer_id,
                col(Complaint.status) == "open",
                col(Complaint.reply_due) <= horizon,
            )
        ).all()
    ]


def _breathing_space_ending(
    policy: PolicyBook, holds: dict[str, list[Hold]], on: date
) -> list[DiaryEntry]:
    entries = []
    horizon = on + timedelta(days=LOOK_AHEAD_DAYS)
    for case_id, recorded in holds.items():
        for hold in active_holds(policy.holds, recorded, on):
            ending = hold.last_day is not None and hold.last_day <= horizon
            if hold.kind in BREATHING_SPACES and ending and hold.last_day is not None:
                kind = "" if hold.kind == "breathing_space" else " (mental health crisis)"
                detail = f"last day {hold.last_day:%a %d %b}{kind}"
                entries.append(_entry("breathing_space_ending", case_id, hold.last_day, detail))
    return entries
