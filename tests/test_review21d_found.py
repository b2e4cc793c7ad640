"""Hostile review of issue 21's second wave (branch issue21d): complaint and appointment rows
replicated to the team hub (store 0013, hub h017/h018, sync/diary_rows.py) and SMS consent
recorded on a call (s). Each test is a finding, a strict xfail that fails today for the reason
it gives; when it is fixed, its mark comes off and it is a normal test."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.widgets import Select
from typer.testing import CliRunner

from drp_tui.cli.main import app as cli
from drp_tui.services.appointments import Booking, book, reschedule, settle
from drp_tui.services.casework import Actor, mark_phone
from drp_tui.services.complaints import NewComplaint, add_complaint
from drp_tui.services.erasure import erase_person
from drp_tui.services.policy import PolicyBook
from drp_tui.services.privacy import after_sync
from drp_tui.services.sms import record_consent, texting_number
from drp_tui.store.engine import Store
from drp_tui.store.models import Case, Complaint, Phone, host_id
from screens.consent import SmsConsentModal
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    desk,
    desk_insert,
    desk_update,
    officer_login,
    pay_off,
    raw_login,
    reference,
    run_sync,
    team_hub,
    under_feed_lock,
)
from tests.postgres import PostgresCluster
from tests.test_diary import NOW as DIARY_NOW
from tests.test_sync_diary_rows import TOMORROW_2PM, actor, appoint, appointments_on
from tests.test_tui_authority import authorise, choose_authority
from tests.test_tui_sms_consent import MOBILE, texts_store
from tests.tui import app_for, enforceable_case, look_at
from tests.tui import settle as settle_app

# --- appointments: double-booked, or left in a calendar no one updates ---------------------


def test_one_officers_two_desks_cannot_double_book_a_slot_through_the_hub(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """A new officer with a laptop and an office desk (no tampering): each desk checks the slot
    only against its own copy of the calendar, and the hub checks nothing."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")
    appoint(laptop, policy, "asmith", 1)
    appoint(office, policy, "asmith", 2)  # the same 14:00 tomorrow, on the other case
    run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    for store in (hub.as_store(), laptop, office):
        booked = [s for s in appointments_on(store, "asmith").values() if s == "booked"]
        assert len(booked) == 1, f"{store.path}: {len(booked)} booked at 14:00"


def test_the_old_officers_desk_hears_when_an_appointment_in_their_calendar_is_cancelled(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, hub, "asmith")
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, hub, "asmith")
    allocate(hub, 1, "bjones")  # Alex's appointment stays in Alex's calendar (as the hub keeps)
    run_sync(alex, hub, "asmith")
    run_sync(bo, hub, "bjones")
    settle(bo, actor("bjones", 30), booked.id, "cancelled", "debtor paid in full")
    run_sync(bo, hub, "bjones")
    run_sync(alex, hub, "asmith")
    assert appointments_on(hub.as_store(), "asmith") == {booked.id: "cancelled"}
    # Alex's own calendar (drp appointment list, --ics, the diary) still says to turn up.
    assert appointments_on(alex, "asmith") == {booked.id: "cancelled"}


def test_a_desk_cannot_move_an_appointment_out_of_office_hours_by_editing_its_store(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, hub, "asmith")
    with alex.writer.begin() as connection:  # sqlite3 on the desk's file, no event
        connection.execute(
            text("UPDATE appointment SET starts_at = :at, status = 'kept' WHERE id = :id"),
            {"at": "2026-11-25T03:00:00.000000+00:00", "id": booked.id},
        )
    run_sync(alex, hub, "asmith")
    with hub.read() as connection:
        row = connection.execute(
            text("SELECT starts_at, status FROM appointment WHERE id = :id"), {"id": booked.id}
        ).one()
    assert tuple(row) != ("2026-11-25T03:00:00.000000+00:00", "kept")


# --- an officer's own PostgreSQL login (psql with its .pgpass) -----------------------------


# Rows a desk's raw login sends through the hub's write function (the only way it writes a hub
# table, h023).
def complaint(key: str, case: str, by: str) -> dict[str, Any]:
    return {
        "id": key,
        "case_id": case,
        "received_on": "2026-11-23",
        "channel": "phone",
        "stage": "stage_1",
        "stage_started_on": "2026-11-23",
        "summary": "x",
        "debt_ids": "[]",
        "pauses_recovery": False,
        "reply_due": "2026-12-07",
        "status": "open",
        "remedy": "",
        "recorded_by": by,
        "recorded_at": "2026-11-23T10:00:00.000000+00:00",
    }


def appointment(key: str, case: str, officer: str, by: str) -> dict[str, Any]:
    return {
        "id": key,
        "case_id": case,
        "officer_id": officer,
        "kind": "telephone",
        "place": "telephone",
        "starts_at": "2027-06-01T13:00:00.000000+00:00",
        "minutes": 30,
        "reason": "plan",
        "why_face_to_face": "",
        "status": "booked",
        "note": "",
        "booked_by": by,
        "booked_at": "2026-11-23T10:00:00.000000+00:00",
    }


def _pg_team(postgres: PostgresCluster) -> Any:
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    allocate(hub, 3, "bjones")
    officer_login(postgres, hub, "asmith").engine.dispose()
    officer_login(postgres, hub, "bjones").engine.dispose()
    return hub


def _one(hub: Any, sql: str) -> Any:
    with hub.read() as connection:
        return connection.execute(text(sql)).one_or_none()


def test_a_desk_login_cannot_mark_a_future_appointment_kept(postgres: PostgresCluster) -> None:
    hub = _pg_team(postgres)
    with raw_login(postgres, hub, "asmith") as alex:
        desk_insert(alex, "appointment", appointment("a-mine", case_id(1), "asmith", "asmith"))
        with under_feed_lock(alex):  # as a push's write (h020)
            desk_update(alex, "appointment", {"id": "a-mine", "status": "kept"})
    assert tuple(_one(hub, "SELECT status FROM appointment WHERE id = 'a-mine'")) == ("booked",)
    hub.engine.dispose()


def test_a_desk_login_cannot_move_a_complaints_reply_due(postgres: PostgresCluster) -> None:
    """The supervisor's overdue list and `drp report complaints` (answered in time) read it."""
    hub = _pg_team(postgres)
    with raw_login(postgres, hub, "asmith") as alex:
        desk_insert(alex, "complaint", complaint("c-mine", case_id(1), "asmith"))
        with under_feed_lock(alex):  # as a push's write (h020)
            desk_update(alex, "complaint", {"id": "c-mine", "reply_due": "2027-12-31"})
    due = _one(hub, "SELECT reply_due FROM complaint WHERE id = 'c-mine'")
    assert str(due[0]) == "2026-12-07"
    hub.engine.dispose()


def test_a_desk_login_cannot_book_into_another_officers_calendar_on_a_case_moved_away(
    postgres: PostgresCluster,
) -> None:
    """h017's rule lets an appointment be in the calendar of the case's officer; the booker
    need only have held the case once. The service books only as the case's officer."""
    hub = _pg_team(postgres)
    allocate(hub, 1, "bjones")  # Alex's case 1 moves to Bo
    with raw_login(postgres, hub, "asmith") as alex:
        desk_insert(alex, "appointment", appointment("a-in-bos", case_id(1), "bjones", "asmith"))
    assert _one(hub, "SELECT id FROM appointment WHERE id = 'a-in-bos'") is None
    hub.engine.dispose()


# --- reading the team's complaints -----------------------------------------------------------


def test_an_officer_does_not_list_other_officers_complaints_from_the_hub(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`drp appointment list --hub --officer bjones` refuses Alex (may_read); the complaint
    list, with or without --officer, checks no reader."""
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    allocate(hub, 3, "bjones")
    bo = desk(tmp_path, "bo")
    run_sync(bo, hub, "bjones")
    theirs = add_complaint(
        bo,
        policy,
        actor("bjones"),
        NewComplaint(reference(3), NOW.date(), "phone", "Bailiff called while I was in hospital"),
    )
    run_sync(bo, hub, "bjones")
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    shown = CliRunner().invoke(cli, ["appointment", "list", "--hub", address, "--officer",
                                     "bjones", "--json"])  # fmt: skip
    assert shown.exit_code == 1, shown.output  # (holds today: another's calendar is refused)
    for extra in ([], ["--officer", "bjones"]):
        listed = CliRunner().invoke(cli, ["complaint", "list", "--hub", address, *extra, "--json"])
        seen = (
            [c["id"] for c in json.loads(listed.output)["complaints"]]
            if listed.exit_code == 0
            else []
        )
        assert theirs.id not in seen, listed.output


# --- SMS consent on a call -------------------------------------------------------------------


def test_a_third_party_on_the_line_cannot_give_consent_to_texts(
    demo_store: Store, tmp_path: Path
) -> None:
    """view.verified is true for a third party with authority to discuss; consent to texts is
    the debtor's own (as authority consent: debtor_verified_on)."""
    case = enforceable_case(demo_store)
    today = NOW.date()
    authorise(demo_store, case, "Sam Smith", ("discuss",), None, today)
    with demo_store.write() as session:
        person = session.get_one(Case, case).person_id
        session.add(Phone(id="review21d-m", person_id=person, number="+447700900999"))

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case)
            await choose_authority(pilot, "Sam Smith")
            assert debtor.view is not None
            assert debtor.view.verified  # a third party
            await pilot.press("s")
            await settle_app(pilot)
            modal = app.screen
            if isinstance(modal, SmsConsentModal):
                modal.query_one("#sms-number", Select).value = "+447700900999"
                await settle_app(pilot)
                modal.query_one("#sms-given", Select).value = "given"
                await pilot.click("#confirm")
                await settle_app(pilot)

    asyncio.run(run())
    with demo_store.read() as session:
        assert session.get_one(Phone, "review21d-m").sms_consent_at is None


def test_a_desk_login_cannot_mark_a_mobile_for_texts_without_a_recorded_consent(
    postgres: PostgresCluster,
) -> None:
    """Consent is given by the debtor on a call (s, after ID&V) or recorded with `drp letter
    sms-consent`, an event either way; the hub takes the column alone (h014), and the officer's
    other desks then text the number."""
    hub = _pg_team(postgres)
    with raw_login(postgres, hub, "asmith") as alex, under_feed_lock(alex):  # h020
        consent = {"id": "phone-1", "sms_consent_at": "2026-11-23T10:00:00.000000+00:00"}
        desk_update(alex, "phone", consent)
    assert tuple(_one(hub, "SELECT sms_consent_at FROM phone WHERE id = 'phone-1'")) == (None,)
    hub.engine.dispose()


def test_the_officer_holding_an_appointment_records_it_kept_after_the_case_moved(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """h017 leaves the appointment in Alex's calendar when the case moves to Bo (the hub's
    test says so), and Alex's desk still lists it; but settle asks for the case's officer, so
    the officer who met the debtor cannot say so, and the case's new officer, who was not
    there, can."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, hub, "asmith")
    allocate(hub, 1, "bjones")
    run_sync(alex, hub, "asmith")
    assert appointments_on(alex, "asmith") == {booked.id: "booked"}  # still in Alex's calendar
    after_it = actor("asmith", minutes=60 * 30)  # tomorrow, after the 14:00 meeting
    settle(alex, after_it, booked.id, "kept", "agreed £20 a week")
    assert appointments_on(alex, "asmith") == {booked.id: "kept"}


def test_a_desk_swept_before_0013_loses_the_complaint_text_of_a_case_moved_away(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """Before 9e26582 the sweep of a case moved away (privacy ERASE_STATEMENTS) left complaints
    and appointments alone, and 0013 blanks nothing; after_sync picks only people with a name,
    phone, address, vulnerability or key left, so a person swept already is never looked at
    again. The desk's state after a 0012 sweep is made here by putting the text back, as that
    sweep left it."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    said = "I told the bailiff about my cancer treatment"
    taken = add_complaint(
        alex, policy, actor("asmith"), NewComplaint(reference(1), NOW.date(), "phone", said)
    )
    run_sync(alex, hub, "asmith")
    allocate(hub, 1, "bjones")
    run_sync(alex, hub, "asmith")
    after_sync(alex, "asmith", NOW)  # as drp sync does
    with alex.writer.begin() as connection:  # what a 0012 sweep left behind
        connection.execute(text("UPDATE complaint SET summary = :s"), {"s": said})
    run_sync(alex, hub, "asmith")
    after_sync(alex, "asmith", NOW)  # the next drp sync, now at 0013
    with alex.read() as session:
        assert session.get_one(Complaint, taken.id).summary == ""


def _conflicts(hub: Any) -> list[tuple[str, str]]:
    with hub.read() as connection:
        return [
            (str(kind), str(detail))
            for kind, detail in connection.execute(text("SELECT kind, detail FROM hubconflict"))
        ]


def test_an_appointment_booked_on_a_case_moved_meanwhile_is_flagged(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    allocate(hub, 1, "bjones")  # Alex's laptop has not heard yet
    booked = appoint(alex, policy, "asmith", 1)
    done = run_sync(alex, hub, "asmith")
    assert appointments_on(hub.as_store(), "asmith") == {
        booked.id: "booked"
    }  # taken, in Alex's name
    assert done.conflicts, "nobody is told Bo's case has an appointment Alex booked after it moved"
    assert any(kind == "worked_after_reallocation" and booked.id in detail
               for kind, detail in _conflicts(hub))  # fmt: skip


def test_a_cancelled_appointment_is_not_revived_by_a_reschedule_from_the_other_desk(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """The officer's laptop and office desk: the debtor rings the office to cancel; the laptop,
    not yet synced, moves the same appointment an hour on. Each desk sends its whole row of
    the columns it may change, so the laptop's 'booked' overwrites the hub's 'cancelled'."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, hub, "asmith")
    booked = appoint(laptop, policy, "asmith", 1)
    run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")
    settle(office, actor("asmith", 10), booked.id, "cancelled", "debtor rang to cancel")
    reschedule(laptop, policy, actor("asmith", 20), booked.id, TOMORROW_2PM + timedelta(hours=1))
    run_sync(office, hub, "asmith")
    done = run_sync(laptop, hub, "asmith")
    on_hub = appointments_on(hub.as_store(), "asmith")[booked.id]
    assert on_hub == "cancelled" or done.conflicts, f"hub says {on_hub}, nothing flagged"


def test_the_calendar_file_from_the_hub_says_nothing_of_the_debtors_circumstances(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """services/appointments.py: the iCalendar carries "the case reference, kind, place and
    time, and nothing about the debtor's circumstances: calendars are shared and synced to
    phones"; an appointment's reason is sealed in its events (store/personal.py) and blanked
    on a desk whose case moved away, yet is the calendar entry's DESCRIPTION."""
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    why = "talk through her chemotherapy and the arrears"
    book(alex, policy, actor("asmith"), Booking(reference(1), "telephone", TOMORROW_2PM, why))
    run_sync(alex, hub, "asmith")
    monkeypatch.setenv("DRP_OFFICER", "sup")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    out = tmp_path / "asmith.ics"
    done = CliRunner().invoke(
        cli, ["appointment", "list", "--hub", address, "--officer", "asmith", "--ics", str(out)]
    )
    assert done.exit_code == 0, done.output
    assert "chemotherapy" not in out.read_bytes().decode().replace("\r\n ", "")


def test_consent_to_texts_ends_when_the_number_is_found_wrong(tmp_path: Path) -> None:
    """A number marked wrong reached someone else: it is not the debtor's (the dialog: consent
    is "for a mobile they use"). Marked good again later (m), it is texted on the consent
    given before, with no new word from the debtor."""
    store = texts_store(tmp_path)
    officer = Actor("asmith", clock=lambda: DIARY_NOW)
    record_consent(store, officer, case_reference="C1", number=MOBILE, given=True)
    mark_phone(store, officer, case_id="c1", phone_id="ph1", status="wrong")
    mark_phone(store, officer, case_id="c1", phone_id="ph1", status="good")
    with store.read() as session:
        assert texting_number(session, session.get_one(Case, "c1")) is None


def test_a_desks_earlier_complaint_and_appointment_do_not_bring_an_erased_persons_text_back(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """As review 20c's vulnerabilities (push.py ERASURE_DROPS): complaints and appointments now
    travel too, and are not among the rows dropped after the hub's erasure."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    add_complaint(
        alex,
        policy,
        actor("asmith"),
        NewComplaint(reference(1), NOW.date(), "phone", "bailiff came while I was in hospital"),
    )
    book(
        alex,
        policy,
        actor("asmith"),
        Booking(
            reference(1), "face_to_face", TOMORROW_2PM, "agree a payment plan",
            "Town Hall customer service centre", "hearing loss: cannot manage phone calls",
        ),
    )  # fmt: skip
    pay_off(hub.as_store(), host_id("person", "nga", "P1"))  # (erasure refused while owing)
    erase_person(hub.as_store(), Actor(SUPERVISOR, clock=lambda: NOW), "P1")
    run_sync(alex, hub, "asmith")
    with hub.read() as connection:
        said = connection.execute(text("SELECT summary FROM complaint")).scalars().all()
        why = connection.execute(text("SELECT why_face_to_face FROM appointment")).scalars().all()
    assert [s for s in said if s] == []
    assert [w for w in why if w] == []
