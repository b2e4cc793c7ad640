"""Hostile review of issue 21 after hub h019 (review 21e): the print run, the calendar file,
templates and the hub's judging of diary rows. Each test is a finding, a strict xfail that
fails today for the reason it gives; when it is fixed, its mark comes off and it is a normal
test."""

from __future__ import annotations

import asyncio
import random
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import jinja2.utils
import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select, text
from sqlmodel import col

import tests.test_sync_diary_rows as diary_rows
from drp_tui.services.appointments import Booking, book, reschedule, settle
from drp_tui.services.letters import templates_dir
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Address, Appointment, Arrangement
from drp_tui.sync.hub import Hub
from tests.hubteam import NOW as HUB_NOW
from tests.hubteam import allocate, desk, reference, run_sync, team_hub
from tests.test_letters import drp, events, letter_store
from tests.test_sync_diary_rows import TOMORROW_2PM, actor, appoint, appointments_on

# Each hub kind: SQLite, PostgreSQL as its owner, Alex's own PostgreSQL login (a fixture).
hub_and_alex = diary_rows.sending


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return letter_store(tmp_path)


def _queue(store: Store, monkeypatch: pytest.MonkeyPatch, case: str, template: str) -> None:
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", case, "--template", template,
        "--channel", "letter",
    )  # fmt: skip
    assert code == 0, out


def _batch(store: Store, monkeypatch: pytest.MonkeyPatch, folder: Path) -> tuple[int, str]:
    return drp(
        store, monkeypatch, "letters", "batch", "--out", str(folder), "--json", officer="psharma"
    )


# --- the print run ----------------------------------------------------------------------------


def test_a_letter_queued_before_the_debtor_moved_is_not_posted_to_the_old_address(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _queue(store, monkeypatch, "C1", "arrangement_confirmation")
    with store.write() as session:  # the import's change of address (import_load.py)
        for old in session.execute(select(Address).where(col(Address.person_id) == "p1")).scalars():
            old.current = False
        session.add(
            Address(person_id="p1", line1="9 New Road", town="Otherton", postcode="OT1 1AA")
        )
    folder = tmp_path / "print"
    code, out = _batch(store, monkeypatch, folder)
    assert code in (0, 1), out
    for pdf in folder.glob("*.pdf"):
        page = PdfReader(pdf).pages[0].extract_text()
        assert "1 Mill Lane" not in page, "posted to the address the debtor left"
    # Held back, named, to be queued again (rendered afresh to the new address): the text kept
    # for the letter stays the text the officer queued (services/letters.py still_allowed).
    assert "address changed since it was queued" in out


def test_a_letter_whose_template_was_withdrawn_does_not_stop_the_print_run(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _queue(store, monkeypatch, "C1", "arrangement_confirmation")
    _queue(store, monkeypatch, "C2", "promise_confirmation")
    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(None), folder)
    page = folder / "arrangement_confirmation.toml"
    page.write_text(  # the council withdraws the wording (after a legal review)
        page.read_text(encoding="utf-8").replace(
            "effective_from = ", "effective_to = 2026-11-22\neffective_from = ", 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    out_folder = tmp_path / "print"
    code, out = _batch(store, monkeypatch, out_folder)
    assert code in (0, 1), out
    assert any(p.name.startswith("C2-") for p in out_folder.glob("*.pdf")), out
    assert len(events(store, "letter.printed")) == 1
    assert "its template arrangement_confirmation is no longer in force" in out
    assert len(events(store, "letter.withheld")) == 1


# --- templates --------------------------------------------------------------------------------


class _Hung(Exception):
    """Raised by the test once a template's rendering has drawn far more words than any
    letter holds: today nothing in drp would have stopped it."""


def test_a_template_calling_lipsum_cannot_hang_the_desk(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(None), folder)
    page = folder / "pay_online.toml"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            'body = """', 'body = """\n{{ lipsum(n=1000000, min=100, max=101) }}', 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    real = random.randrange  # lipsum draws through jinja2.utils' own import of it
    drawn = [0]

    def counted(*args: Any, **kwargs: Any) -> int:
        drawn[0] += 1
        if drawn[0] > 20_000:  # 200 paragraphs of lorem ipsum: more than ten pages
            raise _Hung
        return int(real(*args, **kwargs))

    monkeypatch.setattr(jinja2.utils, "randrange", counted)
    try:
        code, out = drp(
            store, monkeypatch, "letter", "render", "--case", "C1", "--template", "pay_online"
        )
    except _Hung:
        code, out = -1, "still rendering after 20,000 paragraphs' words"
    assert code == 2, out
    assert "pay_online" in out


# --- the calendar file ------------------------------------------------------------------------


def _event(ics: Path) -> Any:
    [found] = Calendar.from_ical(ics.read_bytes()).walk("VEVENT")
    return found


def test_the_calendar_file_says_an_appointment_moved_or_was_cancelled(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = drp(
        store, monkeypatch, "appointment", "book", "--case", "C1", "--at", "2026-11-25 10:00",
        "--reason", "agree a plan", "--json",
    )  # fmt: skip
    assert code == 0, out
    with store.read() as session:
        booked = session.execute(select(Appointment)).scalars().one().id
    window = ("--from", "2026-11-24", "--to", "2026-11-30")
    files = [tmp_path / "booked.ics", tmp_path / "moved.ics", tmp_path / "cancelled.ics"]
    steps: list[tuple[str, ...]] = [
        (),
        ("appointment", "reschedule", booked, "--at", "2026-11-25 11:00"),
        ("appointment", "cancel", booked, "--note", "debtor paid in full"),
    ]
    for step, ics in zip(steps, files, strict=True):
        if step:
            code, out = drp(store, monkeypatch, *step)
            assert code == 0, out
        code, out = drp(store, monkeypatch, "appointment", "list", *window, "--ics", str(ics))
        assert code == 0, out
    booked_, moved, cancelled = (_event(f) for f in files)
    assert moved["dtstart"].dt.hour == 11
    assert str(cancelled["status"]) == "CANCELLED"
    sequences = [int(e.get("sequence", 0)) for e in (booked_, moved, cancelled)]
    assert sequences[0] < sequences[1] < sequences[2], sequences


# --- the hub's judging of diary rows (h019) ---------------------------------------------------


def test_the_hub_does_not_take_an_appointment_kept_before_its_time(
    hub_and_alex: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    """On a SQLite hub, a PostgreSQL hub as its owner, and Alex's own PostgreSQL login (where
    h019's drp_diary_change_rule judges it)."""
    hub, as_alex = hub_and_alex
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    booked = appoint(alex, policy, "asmith", 1)  # 14:00 tomorrow
    run_sync(alex, as_alex, "asmith")
    with pytest.raises(Exception, match="not until"):  # the desk's own rule holds
        settle(alex, actor("asmith", 10), booked.id, "kept", "agreed a plan")
    with alex.write() as session:  # the desk's file edited: the row and an event stating it
        row = session.get_one(Appointment, booked.id)
        row.status = "kept"
        append_event(
            session,
            officer_id="asmith",
            kind="appointment.kept",
            at=HUB_NOW,
            case_id=row.case_id,
            payload={
                "appointment": row.id, "officer": row.officer_id, "kind": row.kind,
                "place": row.place, "starts_at": row.starts_at.isoformat(),
                "minutes": row.minutes, "reason": row.reason, "why_face_to_face": "",
                "status": "kept", "note": "agreed a plan",
            },
        )  # fmt: skip
    run_sync(alex, as_alex, "asmith")
    with hub.read() as connection:
        status = connection.execute(
            text("SELECT status FROM appointment WHERE id = :id"), {"id": booked.id}
        ).scalar_one()
    assert status == "booked", "the hub took a meeting 28 hours away as kept"
    assert appointments_on(hub.as_store(), "asmith") == {booked.id: "booked"}
    for login in {id(h): h for h in (hub, as_alex)}.values():
        login.engine.dispose()


def test_a_reschedule_on_one_desk_into_a_slot_booked_on_the_other_is_flagged(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")
    first = appoint(laptop, policy, "asmith", 1)  # 14:00 tomorrow
    run_sync(laptop, hub, "asmith")
    three = TOMORROW_2PM + timedelta(hours=1)
    book(office, policy, actor("asmith", 5), Booking(reference(2), "telephone", three, "a plan"))
    run_sync(office, hub, "asmith")
    reschedule(laptop, policy, actor("asmith", 10), first.id, three)  # the laptop has not heard
    done = run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")
    on_hub = hub.as_store()
    with on_hub.read() as session:
        at_three = [
            a.id
            for a in session.execute(select(Appointment)).scalars()
            if a.status == "booked" and a.starts_at == three
        ]
    assert len(at_three) == 1 or done.conflicts, f"{len(at_three)} booked at 15:00, none flagged"


def test_an_appointment_reason_with_a_terminal_escape_is_not_kept_raw(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    hostile = "plan \x1b]52;c;ZWNobyBoaQ==\x07 call \x1b[2J"
    code, out = drp(
        store, monkeypatch, "appointment", "book", "--case", "C1", "--at", "2026-11-25 10:00",
        "--reason", hostile,
    )  # fmt: skip
    assert code in (0, 2), out
    with store.read() as session:
        booked = session.execute(select(Appointment)).scalars().all()
    for appointment in booked:
        code, out = drp(
            store, monkeypatch, "appointment", "cancel", appointment.id, "--note", hostile
        )
        assert code in (0, 2), out
    with store.read() as session:
        kept = [(a.reason, a.note) for a in session.execute(select(Appointment)).scalars()]
    assert not any("\x1b" in reason + note for reason, note in kept), kept


# --- the diary on the workstation -------------------------------------------------------------


def test_the_diary_does_not_open_a_call_out_of_calling_hours_without_asking(
    tmp_path: Path,
) -> None:
    from screens.debtor import DebtorScreen
    from screens.dialog import PromptModal
    from tests.test_diary import NOW as DIARY_NOW
    from tests.test_diary import diary_store
    from tests.tui import app_for, one
    from tests.tui import settle as settle_app

    store = diary_store(tmp_path)
    late = DIARY_NOW.replace(hour=21, minute=30)  # Tuesday 21:30: past the calling hours

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=late)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle_app(pilot)
            await pilot.press("d", "enter")  # C1's callback, queued: asked first (holds)
            await settle_app(pilot)
            assert isinstance(app.screen, PromptModal)
            await pilot.press("escape")
            await settle_app(pilot)
            await pilot.press("d", *["down"] * 6, "enter")  # C7: a dispute awaiting an answer
            await settle_app(pilot)
            assert not isinstance(app.screen, DebtorScreen), "called at 21:30 without a word"

    asyncio.run(run())
    assert one(store, "SELECT count(*) FROM call WHERE case_id = 'c7'") == (0,)


def test_a_confirmation_of_an_arrangement_broken_since_it_was_queued_is_not_posted(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _queue(store, monkeypatch, "C1", "arrangement_confirmation")
    with store.write() as session:  # as the nightly check marks it (drp arrangements check)
        arrangement = session.get_one(Arrangement, "a1")
        arrangement.status = "breached"
        arrangement.status_reason = "instalment 1 missed"
    folder = tmp_path / "print"
    code, out = _batch(store, monkeypatch, folder)
    assert code in (0, 1), out
    assert not list(folder.glob("C1-*.pdf")), "a confirmation of a broken arrangement posted"
    assert events(store, "letter.printed") == []
