"""Appointments with debtors (`drp appointment`, the diary): booked in office hours without
overlapping the officer's others; face to face only with the reason it is right (a
vulnerability, or the debtor asked); rescheduled, cancelled, or recorded kept or missed. Each
step is an event on the case. Booking and changing are for the case's officer or a supervisor;
the officer who holds the appointment is the case's officer unless a supervisor names another,
and stays so when the case moves on: they may still cancel it or record its outcome.

Each officer's appointments export as an iCalendar file for Outlook, carrying the case
reference, kind, place and time, and nothing about the debtor's circumstances: calendars are
shared and synced to phones."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar
from icalendar import Event as CalendarEvent
from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.appointments import KINDS, OfficeHours, Slot, slot_refusal
from drp_tui.domain.controls import plain
from drp_tui.domain.errors import InputError, NoFigureError, NotPermitted
from drp_tui.domain.policy import in_force
from drp_tui.services.caseaccess import (
    acting_officer,
    case_by_reference,
    require_own_case,
    require_reader_of,
    supervises,
)
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.shortids import full_id
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Appointment, Case, Event, Officer
from drp_tui.store.rawsql import chunks

MAX_TEXT = 500
BOOKS = "its officer or a supervisor books"


@dataclass(frozen=True)
class Booking:
    case_reference: str
    kind: str
    starts: datetime  # local time with its zone
    reason: str
    place: str = ""
    why_face_to_face: str = ""
    minutes: int | None = None  # default: the policy's slot
    officer_id: str | None = None  # default: the case's officer


def book(store: Store, policy: PolicyBook, actor: Actor, booking: Booking) -> Appointment:
    if booking.kind not in KINDS:
        raise InputError("--kind", f"{booking.kind!r} is not one of {', '.join(KINDS)}")
    hours = in_force(policy.office_hours, booking.starts.date())
    reason = _text(booking.reason, "--reason", "say what the appointment is for")
    why = plain(booking.why_face_to_face, "--why")
    place = " ".join(booking.place.split())
    if booking.kind == "face_to_face":
        if len(why.split()) < 3:
            raise InputError(
                "--why",
                "say why face to face is right (the vulnerability, or that the debtor asked)",
            )
        if place not in hours.places:
            raise InputError("--place", f"choose one of: {'; '.join(hours.places)}")
    elif not place:
        place = "telephone"
    minutes = booking.minutes or hours.slot_minutes
    if not 5 <= minutes <= 240:
        raise InputError("--minutes", "must be from 5 to 240")
    _in_reach(booking.starts, actor)
    with store.write() as session:
        case = case_by_reference(session, booking.case_reference)
        booker = require_own_case(session, actor, case, BOOKS)
        holder = booking.officer_id or case.officer_id or actor.officer_id
        if holder not in (case.officer_id, actor.officer_id) and not supervises(booker):
            raise NotPermitted(f"an appointment in {holder}'s calendar is for a supervisor to book")
        if session.get(Officer, holder) is None:
            raise InputError("--officer", f"{holder!r} is not an officer in this store")
        slot = Slot(booking.starts, minutes)
        _check_slot(session, hours, slot, holder, except_id=None)
        appointment = Appointment(
            id=actor.ids(),
            case_id=case.id,
            officer_id=holder,
            kind=booking.kind,
            place=place,
            starts_at=booking.starts,
            minutes=minutes,
            reason=reason,
            why_face_to_face=why,
            booked_by=actor.officer_id,
            booked_at=actor.now(),
        )
        session.add(appointment)
        _event(session, actor, appointment, "appointment.booked")
    return appointment


@dataclass(frozen=True)
class BookingForm:
    """What the workstation's booking form offers: the free slots of the officer who would
    hold the appointment, in the days ahead, and the places face to face is held."""

    officer_id: str
    slots: tuple[datetime, ...]  # local starts, each free and inside office hours
    minutes: int
    places: tuple[str, ...]


FORM_DAYS = 14  # how far ahead the form offers slots


def booking_form(store: Store, policy: PolicyBook, actor: Actor, case_id: str) -> BookingForm | str:
    """The form to book an appointment on this case, or why none can be booked (not the
    actor's case, no office hours in force, no free slot in the next FORM_DAYS days): asked
    before the form opens, so an officer is not led into a refusal."""
    now = actor.now()
    try:
        hours = in_force(policy.office_hours, now.date())
    except NoFigureError as exc:
        return str(exc)
    zone = ZoneInfo(hours.timezone)
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            return f"no case {case_id}"
        try:
            require_own_case(session, actor, case, BOOKS)
        except (NotPermitted, InputError) as exc:
            return str(exc) if isinstance(exc, NotPermitted) else exc.message
        holder = case.officer_id or actor.officer_id
        until = now + timedelta(days=FORM_DAYS)
        taken = [
            Slot(a.starts_at, a.minutes)
            for a in session.execute(
                select(Appointment).where(
                    col(Appointment.officer_id) == holder,
                    col(Appointment.status) == "booked",
                    col(Appointment.starts_at) >= now - timedelta(hours=12),
                    col(Appointment.starts_at) < until,
                )
            ).scalars()
        ]
    free: list[datetime] = []
    local_now = now.astimezone(zone)
    for offset in range(FORM_DAYS + 1):
        day = local_now.date() + timedelta(days=offset)
        window = hours.windows.get(day.weekday())
        if window is None:
            continue
        start = datetime.combine(day, window[0], zone)
        while start.time() < window[1] and start.date() == day:
            slot = Slot(start, hours.slot_minutes)
            if start > now and slot_refusal(hours, slot, taken) is None:
                free.append(start)
            start += timedelta(minutes=hours.slot_minutes)
    if not free:
        return f"no free slot in office hours in the next {FORM_DAYS} days"
    return BookingForm(holder, tuple(free), hours.slot_minutes, hours.places)


def reschedule(
    store: Store, policy: PolicyBook, actor: Actor, appointment_id: str, starts: datetime
) -> Appointment:
    _in_reach(starts, actor)
    hours = in_force(policy.office_hours, starts.date())
    with store.write() as session:
        appointment = _booked(session, actor, appointment_id)
        _check_slot(
            session, hours, Slot(starts, appointment.minutes), appointment.officer_id,
            except_id=appointment.id,
        )  # fmt: skip
        appointment.starts_at = starts
        _event(session, actor, appointment, "appointment.rescheduled")
    return appointment


def settle(store: Store, actor: Actor, appointment_id: str, status: str, note: str) -> Appointment:
    """Cancelled (with why), or kept or missed once its time has come. Besides the case's
    officer and a supervisor, the officer the appointment is with settles it: it stays in
    their calendar when its case moves on, and they met the debtor or did not (review 21d)."""
    if status not in ("cancelled", "kept", "missed"):
        raise InputError("--status", "must be cancelled, kept or missed")
    with store.write() as session:
        appointment = _booked(session, actor, appointment_id, holder_may=True)
        if status != "cancelled" and appointment.starts_at > actor.now():
            raise InputError("--status", f"it is not until {appointment.starts_at:%d %b %H:%M}")
        if status == "cancelled":
            note = _text(note, "--note", "say why it is cancelled")
        appointment.status, appointment.note = status, plain(note, "--note")
        _event(session, actor, appointment, f"appointment.{status}")
    return appointment


def appointments(
    store: Store, officer_id: str, first: date, last: date, zone: ZoneInfo
) -> list[tuple[Appointment, str]]:
    """The officer's appointments from `first` to `last` (local days), with case references."""
    start = datetime.combine(first, time.min, zone)
    end = datetime.combine(last + timedelta(days=1), time.min, zone)
    with store.read() as session:
        rows = session.execute(
            select(Appointment, col(Case.reference))
            .join(Case, col(Case.id) == col(Appointment.case_id))
            .where(
                col(Appointment.officer_id) == officer_id,
                col(Appointment.starts_at) >= start,
                col(Appointment.starts_at) < end,
            )
            .order_by(col(Appointment.starts_at))
        ).all()
        for appointment, _ in rows:
            session.expunge(appointment)
    return [(a, reference) for a, reference in rows]


# The steps that change what a calendar shows (its start or status, RFC 5545 3.8.7.4): each
# raises the event's SEQUENCE, so Outlook takes a file's copy over one imported before.
REVISING = ("appointment.rescheduled", "appointment.cancelled")


def revisions(store: Store, rows: list[tuple[Appointment, str]]) -> dict[str, tuple[int, datetime]]:
    """Each of `rows`' appointments' revision (its reschedules and cancellation) and the time
    of its last step, from its events on the case, by id."""
    wanted = {a.id for a, _ in rows}
    found: dict[str, tuple[int, datetime]] = {}
    with store.read() as session:
        for chunk in chunks(sorted({a.case_id for a, _ in rows})):
            for kind, at, payload in session.execute(
                select(col(Event.kind), col(Event.at), col(Event.payload)).where(
                    col(Event.case_id).in_(chunk), col(Event.kind).startswith("appointment.")
                )
            ):
                named = payload.get("appointment") if isinstance(payload, dict) else None
                if named not in wanted:
                    continue
                sequence, last = found.get(named, (0, at))
                found[named] = (sequence + (kind in REVISING), max(last, at))
    return found


def calendar_file(
    rows: list[tuple[Appointment, str]],
    officer_id: str,
    zone: ZoneInfo,
    revised: Mapping[str, tuple[int, datetime]] | None = None,
) -> bytes:
    """An iCalendar of the booked and kept appointments (cancelled ones as cancelled), each
    with its SEQUENCE and the time of its last change (`revisions`) as its DTSTAMP, so a
    calendar that imported an earlier file moves or cancels the meeting. A file, not an iTIP
    message: no METHOD (a CANCEL would be a message to attendees about those meetings alone)."""
    calendar = Calendar()
    calendar.add("prodid", "-//drp//appointments//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"drp appointments: {officer_id}")
    for appointment, reference in rows:
        sequence, last = (revised or {}).get(appointment.id, (0, appointment.booked_at))
        event = CalendarEvent()
        event.add("uid", f"{appointment.id}@drp")
        event.add("dtstamp", max(last, appointment.booked_at).astimezone(UTC))
        event.add("sequence", sequence)
        event.add("dtstart", appointment.starts_at.astimezone(zone))
        event.add(
            "dtend", appointment.starts_at.astimezone(zone) + timedelta(minutes=appointment.minutes)
        )
        event.add("summary", f"{reference}: {appointment.kind.replace('_', ' ')} appointment")
        event.add("location", appointment.place)
        # Not the reason: it may tell a debtor's circumstances (health, say), and a calendar
        # is copied to phones and shared diaries. drp shows it.
        event.add("description", f"Open {reference} in drp for what it is about.")
        event.add("status", "CANCELLED" if appointment.status == "cancelled" else "CONFIRMED")
        calendar.add_component(event)
    calendar.add_missing_timezones()  # a VTIMEZONE for each TZID used (RFC 5545 3.2.19)
    return bytes(calendar.to_ical())


def reference_of(store: Store, appointment: Appointment) -> str:
    """The reference of the case an appointment is with."""
    with store.read() as session:
        return session.get_one(Case, appointment.case_id).reference


def may_read(store: Store, actor: Actor, officer_id: str) -> None:
    """An officer reads their own appointments; another's, supervisors."""
    require_reader_of(store, actor.officer_id, officer_id, "appointments")


def find_appointment(store: Store, prefix: str) -> str:
    return full_id(store, col(Appointment.id), prefix, "an appointment", "drp appointment list")


BOOKING_HORIZON = timedelta(days=366)  # further ahead is a mistyped year


def _in_reach(starts: datetime, actor: Actor) -> None:
    if starts <= actor.now():
        raise InputError("--at", "must be later than now")
    if starts > actor.now() + BOOKING_HORIZON:
        raise InputError("--at", "is more than a year ahead: check the year")


def _text(value: str, option: str, missing: str) -> str:
    cleaned = plain(value, option)  # as a complaint's summary: no terminal escapes kept
    if not cleaned:
        raise InputError(option, missing)
    if len(cleaned) > MAX_TEXT:
        raise InputError(option, f"keep it under {MAX_TEXT} characters")
    return cleaned


def _booked(
    session: Session, actor: Actor, appointment_id: str, holder_may: bool = False
) -> Appointment:
    """The appointment, booked, for its case's officer or a supervisor to change (or, with
    `holder_may`, the officer it is with)."""
    appointment = session.get(Appointment, appointment_id)
    if appointment is None:
        raise InputError("ID", f"no appointment {appointment_id}")
    holds_it = holder_may and appointment.officer_id == acting_officer(session, actor).id
    if not holds_it:
        require_own_case(
            session,
            actor,
            session.get_one(Case, appointment.case_id),
            "its officer or a supervisor books",
        )
    if appointment.status != "booked":
        raise InputError("ID", f"the appointment is {appointment.status} already")
    return appointment


def _check_slot(
    session: Session, hours: OfficeHours, slot: Slot, officer_id: str, except_id: str | None
) -> None:
    day_start = slot.start - timedelta(hours=12)
    taken = [
        Slot(a.starts_at, a.minutes)
        for a in session.execute(
            select(Appointment).where(
                col(Appointment.officer_id) == officer_id,
                col(Appointment.status) == "booked",
                col(Appointment.starts_at) >= day_start,
                col(Appointment.starts_at) < slot.end,
            )
        ).scalars()
        if a.id != except_id
    ]
    why = slot_refusal(hours, slot, taken)
    if why:
        raise InputError("--at", why)


def _event(session: Session, actor: Actor, appointment: Appointment, kind: str) -> None:
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=kind,
        at=actor.now(),
        case_id=appointment.case_id,
        event_id=actor.ids(),
        payload={
            "appointment": appointment.id,
            "officer": appointment.officer_id,
            "kind": appointment.kind,
            "place": appointment.place,
            "starts_at": appointment.starts_at.isoformat(),
            "minutes": appointment.minutes,
            "reason": appointment.reason,
            "why_face_to_face": appointment.why_face_to_face,
            "status": appointment.status,
            "note": appointment.note,
        },
    )
