"""A complaint recorded (c), an appointment booked (b) and a broken arrangement reinstated on
the diary's follow-up (R) from the debtor screen, driven through the real app on a real store:
each goes through its service, and the service is asked before the form opens, so an officer
is never led into a form the rules then refuse."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col
from textual.widgets import Button, Input, Select, Static

from drp_tui.app import DrpApp
from drp_tui.services.appointments import Booking, book, booking_form
from drp_tui.services.casework import Actor
from drp_tui.services.complaints import recording_refusal
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Appointment, Arrangement, Complaint, Event
from screens.bookings import AppointmentModal, ComplaintModal, ReinstateModal
from screens.debtor import DebtorScreen
from screens.diary import DiaryModal
from tests.test_diary import NOW, diary_store
from tests.test_reinstate import broken_store
from tests.tui import app_for, look_at, pass_idv, settle

LONDON_0930 = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # Tuesday, London is on GMT


def heard(app: DrpApp) -> list[str]:
    """What the app tells the officer, kept as it is said."""
    said: list[str] = []
    notify = app.notify

    def keep(message: str, **kwargs: Any) -> None:
        said.append(message)
        notify(message, **kwargs)

    app.notify = keep  # type: ignore[method-assign]
    return said


def on_top(app: DrpApp) -> object:
    """The screen on top now (not as a check before narrowed it)."""
    return app.screen


def complaints(store: Store) -> list[Complaint]:
    with store.read() as session:
        return list(session.execute(select(Complaint)).scalars())


def appointments(store: Store) -> list[Appointment]:
    with store.read() as session:
        return list(session.execute(select(Appointment)).scalars())


def test_a_complaint_is_recorded_from_a_call(tmp_path: Path) -> None:
    store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c1")
            await pilot.press("c")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ComplaintModal)
            assert modal.query_one("#received", Input).value == "2026-11-24"
            modal.query_one("#received", Input).value = "2026-11-30"
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is modal  # a date to come, and nothing said: not recorded
            modal.query_one("#received", Input).value = "2026-11-23"
            modal.query_one("#stage", Select).value = "stage_1"
            modal.query_one("#summary", Input).value = "Bailiff letter sent after I paid"
            await pilot.pause()
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert on_top(app) is screen
        [complaint] = complaints(store)
        assert complaint.case_id == "c1"
        assert complaint.channel == "phone"
        assert complaint.received_on == date(2026, 11, 23)
        assert complaint.summary == "Bailiff letter sent after I paid"
        assert complaint.recorded_by == "asmith"
        assert any(s.startswith("Complaint recorded: reply due by") for s in said), said

    asyncio.run(run())


def test_an_appointment_is_booked_in_a_free_slot_from_a_call(tmp_path: Path) -> None:
    store = diary_store(tmp_path)
    actor = Actor("asmith", clock=lambda: NOW)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c1")
            await pilot.press("b")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, AppointmentModal)
            # 09:00 is now and 09:30 is taken: the first free slot offered is 10:00.
            assert modal.form.slots[0] == datetime.fromisoformat("2026-11-24T10:00:00+00:00")
            assert LONDON_0930 not in modal.form.slots
            modal.query_one("#kind", Select).value = "face_to_face"
            modal.query_one("#reason", Input).value = "Talk through the arrears"
            await pilot.pause()
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is modal  # face to face needs its place and why
            modal.query_one("#place", Select).value = "Town Hall customer service centre"
            modal.query_one("#why", Input).value = "Deaf, asked to meet in person"
            await pilot.pause()
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert on_top(app) is screen
        booked = [a for a in appointments(store) if a.case_id == "c1"]
        assert [(a.kind, a.place, a.officer_id) for a in booked] == [
            ("face_to_face", "Town Hall customer service centre", "asmith")
        ]
        assert booked[0].starts_at == datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
        assert any(s.startswith("Booked: face to face appointment Tue 24 Nov 10:00") for s in said)

    book(
        store,
        _policy(),
        actor,
        Booking("C2", "telephone", LONDON_0930, "Income and expenditure"),
    )
    asyncio.run(run())


def test_no_form_opens_where_the_service_would_refuse(tmp_path: Path) -> None:
    """C8 is bmorgan's: asmith may not book into it, and is told so before any form."""
    store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c8")
            await pilot.press("b")
            await settle(pilot)
            assert app.screen is screen
        assert any("No appointment can be booked: C8 is not your case" in s for s in said), said
        assert appointments(store) == []

    asyncio.run(run())


def test_the_services_say_before_the_form_why_not(tmp_path: Path, policy: PolicyBook) -> None:
    store = diary_store(tmp_path)
    today = NOW.date()
    assert recording_refusal(store, policy, Actor("asmith", clock=lambda: NOW), today) is None
    nobody = Actor("zz", clock=lambda: NOW)
    assert recording_refusal(store, policy, nobody, today) == "'zz' is not an officer in this store"
    # A Saturday evening: the first free slot is Monday morning's.
    saturday = Actor("asmith", clock=lambda: datetime(2026, 11, 28, 18, 0, tzinfo=UTC))
    form = booking_form(store, policy, saturday, "c1")
    assert not isinstance(form, str)
    assert form.slots[0] == datetime.fromisoformat("2026-11-30T09:00:00+00:00")
    assert all(s.weekday() < 5 for s in form.slots)
    assert booking_form(store, policy, Actor("asmith", clock=lambda: NOW), "c8") == (
        "C8 is not your case: its officer or a supervisor books"
    )


def _policy() -> PolicyBook:
    from drp_tui.services.policy import data_dir, load_policy

    return load_policy(data_dir() / "policy")


def test_a_broken_arrangement_is_reinstated_from_the_diarys_follow_up(tmp_path: Path) -> None:
    store = broken_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("d")
            await settle(pilot)
            diary = app.screen
            assert isinstance(diary, DiaryModal)
            rows = [e.reference for e in diary.entries]
            await pilot.press(*["down"] * rows.index("C4"), "enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DebtorScreen)
            script = str(screen.query_one("#script", Static).render())
            assert "Their arrangement was cancelled" in script
            assert "reinstate the arrangement (R) where policy allows" in script
            await pilot.press("R")
            await settle(pilot)
            assert on_top(app) is screen  # not before ID&V: it makes an arrangement
            await pass_idv(pilot)
            await pilot.press("R")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ReinstateModal)
            shown = str(modal.query_one("#reinstate-schedule", Static).render())
            assert "£60.00" in shown  # caught up today, first
            modal.query_one("#way", Select).value = "spread"
            await pilot.pause()
            shown = str(modal.query_one("#reinstate-schedule", Static).render())
            assert "£130.00" in shown
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert on_top(app) is screen
            # Once is the policy: asked again, the service says why before any form.
            await pilot.press("R")
            await settle(pilot)
            assert on_top(app) is screen
        assert "Arrangement reinstated: £260.00 to pay." in said
        assert any("C4 has no broken arrangement" in s for s in said), said
        with store.read() as session:
            live = (
                session.execute(
                    select(Arrangement).where(
                        col(Arrangement.case_id) == "c4", col(Arrangement.status) == "live"
                    )
                )
                .scalars()
                .all()
            )
            assert [a.total for a in live] == [Decimal("260")]
            [event] = (
                session.execute(select(Event).where(col(Event.kind) == "arrangement.reinstated"))
                .scalars()
                .all()
            )
            assert event.payload["call"] is not None

    asyncio.run(run())
