"""Appointments (issue 21): booked in office hours from policy (never a bank holiday, never
overlapping), face to face only with the reason it is right, rescheduled, cancelled, kept or
missed, in the diary, and each officer's as an iCalendar file parsed back."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from icalendar import Calendar
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.diary import diary
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Event, Officer
from tests.test_diary import NOW, TODAY, diary_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return diary_store(tmp_path)


def drp(
    store: Store, monkeypatch: pytest.MonkeyPatch, *args: str, officer: str = "asmith",
    now: datetime = NOW,
) -> tuple[int, str]:  # fmt: skip
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", officer)
    monkeypatch.setenv("DRP_NOW", now.isoformat())
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def book(
    store: Store, monkeypatch: pytest.MonkeyPatch, at: str, *extra: str, case: str = "C1"
) -> tuple[int, str]:
    return drp(
        store, monkeypatch, "appointment", "book", "--case", case, "--at", at,
        "--reason", "agree a payment plan", "--json", *extra,
    )  # fmt: skip


FACE_TO_FACE = (
    "--kind", "face_to_face", "--place", "Town Hall customer service centre",
    "--why", "hearing loss: cannot manage phone calls",
)  # fmt: skip


def test_an_appointment_is_booked_in_office_hours_and_shows_in_the_diary(
    store: Store, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = book(store, monkeypatch, "2026-11-24 14:00", *FACE_TO_FACE)
    assert code == 0, out
    doc = json.loads(out)
    assert doc["kind"] == "face_to_face"
    assert doc["starts_at"] == "2026-11-24T14:00:00+00:00"
    assert doc["minutes"] == 30
    assert doc["officer"] == "asmith"
    entries = [
        e for e in diary(store, policy, "asmith", "asmith", TODAY) if e.kind == "appointment"
    ]
    assert [(e.reference, f"{e.at:%H:%M}", e.detail) for e in entries] == [
        ("C1", "14:00", "face to face: Town Hall customer service centre")
    ]
    with store.read() as session:
        kinds = session.execute(select(col(Event.kind)).where(col(Event.case_id) == "c1")).all()
    assert ("appointment.booked",) in kinds


@pytest.mark.parametrize(
    ("at", "extra", "says"),
    [
        ("2026-11-24 17:00", (), "outside office hours"),  # would end 17:30
        ("2026-11-28 10:00", (), "closed on Saturdays"),
        ("2026-12-25 10:00", (), "bank holiday (Christmas Day)"),
        ("2026-11-24 08:00", (), "must be later than now"),
        ("2026-11-31 10:00", (), "--at"),
        ("2026-11-25 10:00", FACE_TO_FACE[:4], "why face to face"),
        ("2026-11-25 10:00", (*FACE_TO_FACE[:2], "--place", "Pub", *FACE_TO_FACE[4:]), "one of"),
    ],
)  # fmt: skip
def test_a_slot_that_cannot_be_booked_is_refused_with_the_reason(
    store: Store, monkeypatch: pytest.MonkeyPatch, at: str, extra: tuple[str, ...], says: str
) -> None:
    code, out = book(store, monkeypatch, at, *extra)
    assert code == 2, out
    assert says in out
    assert "Traceback" not in out


def test_no_two_appointments_overlap_and_reschedule_cancel_and_outcome(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = book(store, monkeypatch, "2026-11-25 10:00")
    first = json.loads(out)["id"][:8]
    code, out = book(store, monkeypatch, "2026-11-25 10:15", case="C2")
    assert code == 2
    assert "another appointment at 10:00" in out
    code, out = drp(
        store, monkeypatch, "appointment", "reschedule", first, "--at", "2026-11-26 11:00"
    )
    assert code == 0, out
    code, out = book(store, monkeypatch, "2026-11-25 10:15", case="C2")
    assert code == 0, out
    second = json.loads(out)["id"][:8]
    # Another officer may not change asmith's appointment.
    code, out = drp(
        store, monkeypatch, "appointment", "cancel", first, "--note", "x", officer="bmorgan"
    )
    assert code == 1
    assert "not your case" in out
    code, out = drp(
        store, monkeypatch, "appointment", "cancel", second, "--note", "debtor paid in full"
    )
    assert code == 0, out
    # Kept or missed only once its time has come.
    code, out = drp(store, monkeypatch, "appointment", "outcome", first, "--kept")
    assert code == 2
    assert "it is not until" in out
    later = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
    code, out = drp(
        store, monkeypatch, "appointment", "outcome", first, "--missed", "--note", "did not come",
        now=later,
    )  # fmt: skip
    assert code == 0, out
    ics = tmp_path / "asmith.ics"
    code, out = drp(
        store, monkeypatch, "appointment", "list", "--from", "2026-11-24", "--ics", str(ics)
    )
    assert code == 0, out
    calendar = Calendar.from_ical(ics.read_bytes())
    events = sorted(calendar.walk("VEVENT"), key=lambda e: e.decoded("dtstart"))
    assert [str(e["summary"]) for e in events] == [
        "C2: telephone appointment",
        "C1: telephone appointment",
    ]
    assert str(events[0]["status"]) == "CANCELLED"
    start = events[1].decoded("dtstart")
    assert start == datetime(2026, 11, 26, 11, 0, tzinfo=start.tzinfo)
    assert events[1].decoded("dtend") - start == timedelta(minutes=30)
    assert "hearing" not in ics.read_text()  # nothing of the debtor's circumstances
    code, out = drp(
        store, monkeypatch, "appointment", "list", "--officer", "asmith", officer="bmorgan"
    )
    assert code == 1
    assert "for supervisors" in out


def test_appointments_kept_and_missed_are_in_the_daily_figures(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.write() as session:
        session.get_one(Officer, "asmith").role = "officer"
    ids = []
    for at, case in (("2026-11-24 10:00", "C1"), ("2026-11-24 11:00", "C2")):
        code, out = book(store, monkeypatch, at, case=case)
        ids.append(json.loads(out)["id"][:8])
    evening = datetime(2026, 11, 24, 17, 0, tzinfo=UTC)
    drp(store, monkeypatch, "appointment", "outcome", ids[0], "--kept", now=evening)
    drp(store, monkeypatch, "appointment", "outcome", ids[1], "--missed", now=evening)
    code, out = drp(
        store, monkeypatch, "report", "daily", "--format", "json", officer="psharma", now=evening
    )
    assert code == 0, out
    [row] = [r for r in json.loads(out)["rows"] if r["officer"] == "asmith"]
    assert (row["appointments_kept"], row["appointments_missed"]) == (1, 1)


def test_a_cancel_note_or_face_to_face_reason_with_a_terminal_escape_is_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a complaint's summary (review 21e): refused with one line, never kept raw."""
    hostile = "hearing loss \x1b[2J cannot phone"
    code, out = book(
        store, monkeypatch, "2026-11-25 10:00", "--kind", "face_to_face", "--place",
        "Town Hall customer service centre", "--why", hostile,
    )  # fmt: skip
    assert code == 2, out
    assert "--why" in out
    assert "control character" in out
    code, out = book(store, monkeypatch, "2026-11-25 10:00")
    assert code == 0, out
    first = json.loads(out)["id"][:8]
    code, out = drp(store, monkeypatch, "appointment", "cancel", first, "--note", hostile)
    assert code == 2, out
    assert "control character" in out
    with store.read() as session:
        kept = session.execute(select(Event).where(col(Event.kind).like("appointment.%")))
        assert all("\x1b" not in str(e.payload) for e in kept.scalars())
