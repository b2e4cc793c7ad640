"""Complaints and appointments travel with `drp sync` (issue 21): recorded on one of an officer's
desks, the supervisor sees them on the team hub and the officer's other desk has them after
its sync, with later changes (a complaint closed, an appointment cancelled) following. A desk
may send them only on its officer's own cases, in its officer's name. Each test runs on a
SQLite-file hub and on a real PostgreSQL hub; the officer's own PostgreSQL login is tried too,
where the hub's database applies the rules (h017)."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from sqlalchemy import text
from sqlmodel import select
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.appointments import Booking, appointments, book, reschedule, settle
from drp_tui.services.casework import Actor
from drp_tui.services.complaints import NewComplaint, add_complaint, close, list_complaints
from drp_tui.services.diary import diary
from drp_tui.services.policy import PolicyBook
from drp_tui.services.sms import record_consent
from drp_tui.store.engine import Store
from drp_tui.store.models import Appointment, Complaint, Phone
from drp_tui.sync.hub import Hub
from drp_tui.sync.protocol import sync
from tests.hubteam import (
    NOW,
    allocate,
    case_id,
    desk,
    desk_insert,
    desk_update,
    officer_login,
    raw_login,
    reference,
    run_sync,
    team_hub,
    under_feed_lock,
)
from tests.postgres import PostgresCluster

LONDON = ZoneInfo("Europe/London")
TOMORROW_2PM = datetime(2026, 11, 24, 14, 0, tzinfo=LONDON)
MOBILE = "+447700900123"  # every debtor's on the team hub (tests/hubteam.py)


def actor(officer: str, minutes: int = 0) -> Actor:
    return Actor(officer, clock=lambda: NOW + timedelta(minutes=minutes))


def complain(store: Store, policy: PolicyBook, officer: str, number: int) -> Complaint:
    return add_complaint(
        store,
        policy,
        actor(officer),
        NewComplaint(
            reference(number), NOW.date(), "phone", "Enforcement letter sent while disputing"
        ),
    )


def appoint(store: Store, policy: PolicyBook, officer: str, number: int) -> Appointment:
    return book(
        store,
        policy,
        actor(officer),
        Booking(reference(number), "telephone", TOMORROW_2PM, "agree a payment plan"),
    )


def complaints_on(store: Store) -> dict[str, tuple[str, str | None]]:
    rows = list_complaints(store)
    return {r.complaint.id: (r.complaint.status, r.complaint.outcome) for r in rows}


def appointments_on(store: Store, officer: str = "asmith") -> dict[str, str]:
    rows = appointments(store, officer, date(2026, 11, 23), date(2026, 12, 20), LONDON)
    return {a.id: a.status for a, _ in rows}


def on_the_hub(monkeypatch: pytest.MonkeyPatch, hub: str, *command: str) -> dict[str, Any]:
    """`drp ... --hub HUB --json` as the supervisor."""
    monkeypatch.setenv("DRP_OFFICER", "sup")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = CliRunner().invoke(app, [*command, "--hub", hub, "--json"])
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = json.loads(result.output)
    return found


def test_complaints_and_appointments_reach_the_hub_and_the_officers_other_desk(
    hub_address: str, tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, hub, "asmith")
    run_sync(office, hub, "asmith")

    # On the laptop, on a call: a complaint taken and an appointment booked.
    complaint = complain(laptop, policy, "asmith", 1)
    booked = appoint(laptop, policy, "asmith", 1)
    pushed = run_sync(laptop, hub, "asmith")
    assert pushed.refused == 0

    # The supervisor on the hub sees both; so does the officer's other desk after its sync.
    assert complaints_on(hub.as_store()) == {complaint.id: ("open", None)}
    assert appointments_on(hub.as_store()) == {booked.id: "booked"}
    listed = on_the_hub(monkeypatch, hub_address, "complaint", "list")
    assert [(c["id"], c["case"]) for c in listed["complaints"]] == [(complaint.id, reference(1))]
    listed = on_the_hub(monkeypatch, hub_address, "appointment", "list", "--officer", "asmith")
    assert [(a["id"], a["case"]) for a in listed["appointments"]] == [(booked.id, reference(1))]
    run_sync(office, hub, "asmith")
    assert complaints_on(office) == {complaint.id: ("open", None)}
    assert appointments_on(office) == {booked.id: "booked"}
    tomorrow = diary(office, policy, "asmith", "asmith", TOMORROW_2PM.date())
    assert [(e.kind, e.reference) for e in tomorrow if e.kind == "appointment"] == [
        ("appointment", reference(1))
    ]

    # At the office desk the complaint is answered and the appointment cancelled: the hub
    # and the laptop follow.
    close(office, actor("asmith", 30), complaint.id, "not_upheld", "", NOW.date())
    settle(office, actor("asmith", 30), booked.id, "cancelled", "debtor asked to rebook")
    assert run_sync(office, hub, "asmith").refused == 0
    run_sync(laptop, hub, "asmith")
    for store in (hub.as_store(), laptop):
        assert complaints_on(store) == {complaint.id: ("closed", "not_upheld")}
        assert appointments_on(store) == {booked.id: "cancelled"}

    # Nothing more to move.
    for store in (laptop, office):
        again = run_sync(store, hub, "asmith")
        assert (again.pushed_rows, again.pulled_changes, again.refused) == (0, 0, 0)


def test_a_case_newly_allocated_comes_with_its_complaints_and_appointments(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, hub, "asmith")
    complaint = complain(alex, policy, "asmith", 1)
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, hub, "asmith")

    allocate(hub, 1, "bjones")
    run_sync(bo, hub, "bjones")
    assert set(complaints_on(bo)) == {complaint.id}
    assert appointments_on(bo) == {booked.id: "booked"}  # still in Alex's calendar


def _copy_case(source: Store, target: Store) -> None:
    """Another officer's case copied into a desk's store as the desk's own, as a tampered desk
    might have it."""
    with source.engine.connect() as reading, target.writer.begin() as writing:
        for table in ("person", "case", "debt"):
            columns = [c[1] for c in reading.exec_driver_sql(f'PRAGMA table_info("{table}")')]
            marks = ", ".join("?" * len(columns))
            for row in reading.exec_driver_sql(f'SELECT * FROM "{table}"'):
                writing.exec_driver_sql(
                    f'INSERT OR IGNORE INTO "{table}" VALUES ({marks})', tuple(row)
                )
        writing.exec_driver_sql('UPDATE "case" SET officer_id = ?', ("asmith",))


def _refusals(hub: Hub) -> list[tuple[str, str]]:
    with hub.read() as connection:
        return [
            (str(item).split()[0], str(reason))
            for item, reason in connection.execute(
                text("SELECT item, reason FROM hubrefusal WHERE item NOT LIKE 'event %'")
            )
        ]


def _tampered(store: Store, table: str, column: str, value: str, only: str = "") -> None:
    """A desk's rows rewritten in its file (all of `table`'s, or the one with id `only`)."""
    with store.writer.begin() as connection:
        connection.execute(
            text(f"UPDATE {table} SET {column} = :v WHERE :only IN ('', id)"),
            {"v": value, "only": only},
        )


@pytest.fixture(params=["sqlite", "postgresql", "postgresql own login"])
def sending(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[Hub, Hub]:
    """The hub as its owner sees it, and as Alex's desk connects: with the hub's address (a
    SQLite file, or PostgreSQL as its owner), or through Alex's own PostgreSQL login."""
    if request.param == "sqlite":
        address = str(tmp_path / "hub.sqlite")
    else:
        postgres: PostgresCluster = request.getfixturevalue("postgres")
        address = postgres.url(postgres.new_hub())
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    allocate(hub, 3, "bjones")
    if request.param != "postgresql own login":
        return hub, hub
    return hub, officer_login(postgres, hub, "asmith")


def test_a_desk_sends_complaints_and_appointments_only_on_its_officers_own_cases(
    sending: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    hub, as_alex = sending
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, as_alex, "asmith")
    run_sync(bo, hub, "bjones")
    _copy_case(bo, alex)
    complain(alex, policy, "asmith", 3)  # on Bo's case
    appoint(alex, policy, "asmith", 3)
    result = run_sync(alex, as_alex, "asmith")
    assert result.refused >= 2
    assert sorted(r for r in _refusals(hub) if r[0] in ("complaint", "appointment")) == [
        ("appointment", "case never allocated to this officer"),
        ("complaint", "case never allocated to this officer"),
    ]
    with hub.as_store().read() as session:
        assert session.exec(select(Complaint)).all() == []
        assert session.exec(select(Appointment)).all() == []


def test_a_desk_sends_complaints_and_appointments_only_in_its_officers_name(
    sending: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    hub, as_alex = sending
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    complain(alex, policy, "asmith", 1)
    appoint(alex, policy, "asmith", 1)
    # The desk's rows rewritten before they are sent: recorded and booked by the supervisor,
    # the appointment in Bo's calendar.
    _tampered(alex, "complaint", "recorded_by", "sup")
    _tampered(alex, "appointment", "booked_by", "sup")
    run_sync(alex, as_alex, "asmith")
    assert sorted(_refusals(hub)) == [
        ("appointment", "an appointment booked in the name of another officer (sup)"),
        ("complaint", "a complaint recorded in the name of another officer (sup)"),
    ]
    # Another, booked by Alex and put in Bo's calendar: a supervisor's to book.
    later = book(
        alex,
        policy,
        actor("asmith"),
        Booking(reference(1), "telephone", TOMORROW_2PM + timedelta(hours=1), "a second call"),
    )
    _tampered(alex, "appointment", "officer_id", "bjones", only=later.id)
    run_sync(alex, as_alex, "asmith")
    assert ("appointment", "an appointment in bjones's calendar is for a supervisor to book") in (
        _refusals(hub)
    )
    with hub.as_store().read() as session:
        assert session.exec(select(Complaint)).all() == []
        assert session.exec(select(Appointment)).all() == []


def test_an_officers_own_login_cannot_write_around_the_rules(
    postgres: PostgresCluster, tmp_path: Path, policy: PolicyBook
) -> None:
    """As psql would with Alex's .pgpass: the hub's database applies the same rules (h017)."""
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    allocate(hub, 3, "bjones")
    officer_login(postgres, hub, "asmith").engine.dispose()
    officer_login(postgres, hub, "bjones").engine.dispose()

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
            "recorded_at": "2026-11-23T10:00:00+00:00",
        }

    def booking(key: str, case: str, officer: str, by: str) -> dict[str, Any]:
        return {
            "id": key,
            "case_id": case,
            "officer_id": officer,
            "kind": "telephone",
            "place": "telephone",
            "starts_at": "2026-11-24T14:00:00+00:00",
            "minutes": 30,
            "reason": "plan",
            "why_face_to_face": "",
            "status": "booked",
            "note": "",
            "booked_by": by,
            "booked_at": "2026-11-23T10:00:00+00:00",
        }

    with raw_login(postgres, hub, "asmith") as alex:  # through the hub's write functions (h023)
        desk_insert(alex, "complaint", complaint("c-theirs", case_id(3), "asmith"))
        desk_insert(alex, "complaint", complaint("c-forged", case_id(1), "sup"))
        desk_insert(alex, "complaint", complaint("c-mine", case_id(1), "asmith"))
        desk_insert(alex, "appointment", booking("a-forged", case_id(1), "asmith", "sup"))
        desk_insert(alex, "appointment", booking("a-bo", case_id(1), "bjones", "asmith"))
        desk_insert(alex, "appointment", booking("a-mine", case_id(1), "asmith", "asmith"))
        # No complaint.closed event says so: refused (review 21d), as the next test's are;
        # under the feed lock, as a push's write (h020), or it would find no row at all.
        with under_feed_lock(alex):
            desk_update(alex, "complaint", {"id": "c-mine", "status": "closed"})
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk_update(alex, "complaint", {"id": "c-mine", "recorded_by": "sup"})
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alex.execute("DELETE FROM appointment WHERE id = 'a-mine'")
    with hub.read() as connection:
        kept = connection.execute(text("SELECT id, status FROM complaint")).all()
        booked = connection.execute(text("SELECT id FROM appointment")).scalars().all()
        refused = {
            str(item): str(reason)
            for item, reason in connection.execute(text("SELECT item, reason FROM hubrefusal"))
        }
    assert kept == [("c-mine", "open")]
    assert booked == ["a-mine"]
    assert refused == {
        "complaint c-theirs": "case never allocated to this officer",
        "complaint c-forged": "a complaint recorded in the name of another officer (sup)",
        "appointment a-forged": "an appointment booked in the name of another officer (sup)",
        "appointment a-bo": "an appointment in bjones's calendar is for a supervisor to book",
        "complaint c-mine": "no complaint event explains the change",
    }
    with raw_login(postgres, hub, "bjones") as bo:  # Alex's are not Bo's to read
        assert bo.execute("SELECT count(*) FROM complaint").fetchone() == (0,)
        assert bo.execute("SELECT count(*) FROM appointment").fetchone() == (0,)
    hub.engine.dispose()


def test_a_case_moved_away_keeps_no_complaint_or_appointment_text_on_the_old_desk(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20's rule for the rows that now travel: what the debtor said in a complaint and
    why face to face was right (a vulnerability) leave a desk whose officer no longer has the
    case, at `drp sync`; the hub and the new officer's desk keep them."""
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, hub, "asmith")
    complaint = complain(alex, policy, "asmith", 1)
    booked = book(
        alex,
        policy,
        actor("asmith"),
        Booking(
            reference(1), "face_to_face", TOMORROW_2PM, "agree a payment plan",
            "Town Hall customer service centre", "hearing loss: cannot manage phone calls",
        ),
    )  # fmt: skip
    run_sync(alex, hub, "asmith")
    allocate(hub, 1, "bjones")
    monkeypatch.setenv("DRP_STORE", str(alex.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_HUB_URL", address)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    done = CliRunner().invoke(app, ["sync", "--json"])
    assert done.exit_code == 0, done.output
    run_sync(bo, hub, "bjones")

    def texts(store: Store) -> tuple[str, str, str]:
        with store.read() as session:
            said = session.get_one(Complaint, complaint.id)
            meeting = session.get_one(Appointment, booked.id)
            return said.summary, meeting.reason, meeting.why_face_to_face

    assert texts(alex) == ("", "", "")
    kept = (
        "Enforcement letter sent while disputing",
        "agree a payment plan",
        "hearing loss: cannot manage phone calls",
    )
    assert texts(hub.as_store()) == kept == texts(bo)
    with alex.engine.connect() as local:  # removed here only: nothing queued for the hub
        assert local.execute(text("SELECT count(*) FROM rowchange")).scalar() == 0


def test_a_desks_own_steps_on_its_diary_rows_and_consent_are_taken(
    sending: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    """Review 21d: the hub takes a change to a complaint, an appointment or a phone's consent
    only with the sender's event stating it; the steps drp takes have theirs."""
    hub, as_alex = sending
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    complaint = complain(alex, policy, "asmith", 1)
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, as_alex, "asmith")
    later = actor("asmith", 30)
    close(alex, later, complaint.id, "not_upheld", "", NOW.date())
    reschedule(alex, policy, later, booked.id, TOMORROW_2PM + timedelta(hours=1))
    record_consent(alex, later, case_reference=reference(1), number=MOBILE, given=True)
    assert run_sync(alex, as_alex, "asmith").refused == 0
    assert complaints_on(hub.as_store()) == {complaint.id: ("closed", "not_upheld")}
    with hub.as_store().read() as session:
        moved = session.get_one(Appointment, booked.id).starts_at
        assert moved == TOMORROW_2PM + timedelta(hours=1)
        assert session.get_one(Phone, "phone-1").sms_consent_at is not None


def test_an_appointment_follows_its_officer_when_the_case_moves_through_their_own_logins(
    postgres: PostgresCluster, tmp_path: Path, policy: PolicyBook
) -> None:
    """Review 21d on a PostgreSQL hub's own logins: the appointment stays in Alex's calendar;
    Alex's login reads its changes (Bo moving it) and records it kept."""
    hub = team_hub(postgres.url(postgres.new_database()))
    allocate(hub, 1, "asmith")
    as_alex, as_bo = officer_login(postgres, hub, "asmith"), officer_login(postgres, hub, "bjones")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, as_alex, "asmith")
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, as_alex, "asmith")
    allocate(hub, 1, "bjones")
    run_sync(alex, as_alex, "asmith")
    run_sync(bo, as_bo, "bjones")
    reschedule(bo, policy, actor("bjones", 30), booked.id, TOMORROW_2PM + timedelta(hours=1))
    assert run_sync(bo, as_bo, "bjones").refused == 0
    run_sync(alex, as_alex, "asmith")
    with alex.read() as session:
        assert session.get_one(Appointment, booked.id).starts_at == TOMORROW_2PM + timedelta(
            hours=1
        )
    after_it = actor("asmith", 60 * 30)
    settle(alex, after_it, booked.id, "kept", "agreed £20 a week")
    # synced after the meeting, as it must be to be taken (review 21e, h022)
    synced = sync(alex, as_alex, "asmith", clock=after_it.now, retry_delays=())
    assert synced.refused == 0, _refusals(hub)
    assert appointments_on(hub.as_store()) == {booked.id: "kept"}
    for login in (as_alex, as_bo):
        login.engine.dispose()
    hub.engine.dispose()


def test_one_slot_booked_on_two_desks_stands_once_and_is_flagged(
    sending: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    """Review 21d: the first booking to reach the hub stands; the other is cancelled there,
    goes back to its desk so, and is flagged for a supervisor."""
    hub, as_alex = sending
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, as_alex, "asmith")
    run_sync(office, as_alex, "asmith")
    first = appoint(laptop, policy, "asmith", 1)
    second = appoint(office, policy, "asmith", 1)
    run_sync(laptop, as_alex, "asmith")
    done = run_sync(office, as_alex, "asmith")
    assert done.refused == 0
    assert done.conflicts
    run_sync(laptop, as_alex, "asmith")
    for store in (hub.as_store(), laptop, office):
        assert appointments_on(store) == {first.id: "booked", second.id: "cancelled"}
    with hub.read() as connection:
        kinds = connection.execute(text("SELECT kind FROM hubconflict")).scalars().all()
    assert kinds == ["two_appointments"]


def test_a_move_into_a_slot_booked_on_the_other_desk_keeps_its_time_and_is_flagged(
    sending: tuple[Hub, Hub], tmp_path: Path, policy: PolicyBook
) -> None:
    """Review 21e: an appointment rescheduled on one desk into a slot the other desk booked
    meanwhile keeps the time the hub has (the first to reach the hub stands), goes back to its
    desk so, and is flagged; a move into a free slot is taken."""
    hub, as_alex = sending
    laptop, office = desk(tmp_path, "laptop"), desk(tmp_path, "office")
    run_sync(laptop, as_alex, "asmith")
    run_sync(office, as_alex, "asmith")
    first = appoint(laptop, policy, "asmith", 1)  # 14:00
    run_sync(laptop, as_alex, "asmith")
    three, four = TOMORROW_2PM + timedelta(hours=1), TOMORROW_2PM + timedelta(hours=2)
    second = book(
        office, policy, actor("asmith", 5), Booking(reference(1), "telephone", three, "x")
    )
    run_sync(office, as_alex, "asmith")
    reschedule(laptop, policy, actor("asmith", 10), first.id, three)
    done = run_sync(laptop, as_alex, "asmith")
    assert done.refused == 0
    assert done.conflicts
    run_sync(office, as_alex, "asmith")
    for store in (hub.as_store(), laptop, office):
        with store.read() as session:
            kept = session.get_one(Appointment, first.id)
            assert (kept.status, kept.starts_at) == ("booked", TOMORROW_2PM)
            assert "keeps its time" in kept.note
            assert session.get_one(Appointment, second.id).starts_at == three
    with hub.read() as connection:
        kinds = connection.execute(text("SELECT kind FROM hubconflict")).scalars().all()
    assert kinds == ["two_appointments"]
    reschedule(laptop, policy, actor("asmith", 20), first.id, four)
    assert run_sync(laptop, as_alex, "asmith").refused == 0
    with hub.as_store().read() as session:
        assert session.get_one(Appointment, first.id).starts_at == four


def test_an_appointment_in_an_officers_calendar_on_a_case_never_theirs_stays_off_their_desk(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """A supervisor may book into anyone's calendar on any case; the officer's desk, which
    has never had the case, is not sent the appointment (it could not hold it) and syncs on."""
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 3, "bjones")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    theirs = book(
        hub.as_store(),
        policy,
        actor("sup"),
        Booking(reference(3), "telephone", TOMORROW_2PM, "cover for Bo", officer_id="asmith"),
    )
    assert appointments_on(hub.as_store()) == {theirs.id: "booked"}
    run_sync(alex, hub, "asmith")
    assert appointments_on(alex) == {}


def test_an_outcome_recorded_after_the_new_officer_cancelled_goes_back_through_own_logins(
    postgres: PostgresCluster, tmp_path: Path, policy: PolicyBook
) -> None:
    """The case moved to Bo, who cancels Alex's appointment; Alex's desk, not yet told, records
    it kept. Cancelled is final: the hub's copy stands and Alex's desk takes it back."""
    hub = team_hub(postgres.url(postgres.new_database()))
    allocate(hub, 1, "asmith")
    as_alex, as_bo = officer_login(postgres, hub, "asmith"), officer_login(postgres, hub, "bjones")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, as_alex, "asmith")
    booked = appoint(alex, policy, "asmith", 1)
    run_sync(alex, as_alex, "asmith")
    allocate(hub, 1, "bjones")
    run_sync(alex, as_alex, "asmith")
    run_sync(bo, as_bo, "bjones")
    settle(bo, actor("bjones", 30), booked.id, "cancelled", "debtor paid in full")
    run_sync(bo, as_bo, "bjones")
    settle(alex, actor("asmith", 60 * 30), booked.id, "kept", "agreed £20 a week")
    assert run_sync(alex, as_alex, "asmith").refused == 0
    assert appointments_on(hub.as_store()) == {booked.id: "cancelled"}
    run_sync(alex, as_alex, "asmith")
    assert appointments_on(alex) == {booked.id: "cancelled"}
    for login in (as_alex, as_bo):
        login.engine.dispose()
    hub.engine.dispose()


def test_a_stale_desk_closing_a_complaint_closed_after_its_case_moved_syncs_on(
    postgres: PostgresCluster, tmp_path: Path, policy: PolicyBook
) -> None:
    """Alex's desk, not yet told the case moved, answers a complaint Bo has closed already:
    a closed complaint is final, the hub's copy stands, and Alex's push goes through."""
    hub = team_hub(postgres.url(postgres.new_database()))
    allocate(hub, 1, "asmith")
    as_alex, as_bo = officer_login(postgres, hub, "asmith"), officer_login(postgres, hub, "bjones")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, as_alex, "asmith")
    complaint = complain(alex, policy, "asmith", 1)
    run_sync(alex, as_alex, "asmith")
    allocate(hub, 1, "bjones")
    run_sync(bo, as_bo, "bjones")
    close(bo, actor("bjones", 30), complaint.id, "not_upheld", "", NOW.date())
    run_sync(bo, as_bo, "bjones")
    close(alex, actor("asmith", 40), complaint.id, "upheld", "refund the fee", NOW.date())
    assert run_sync(alex, as_alex, "asmith").refused == 0
    assert complaints_on(hub.as_store()) == {complaint.id: ("closed", "not_upheld")}
    for login in (as_alex, as_bo):
        login.engine.dispose()
    hub.engine.dispose()
