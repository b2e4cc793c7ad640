"""Hostile review of issues 19 and 20 (session 4): defects found by attacking the new identity,
hub enforcement, audit anchors and privacy code. Each test is the reproduction, marked
`xfail(strict=True)` until the defect is fixed; nothing here fixes the code."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner, Result

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError
from drp_tui.services import audit, identity
from drp_tui.services.casework import Actor, add_note
from drp_tui.services.policy import PolicyBook
from drp_tui.services.privacy import after_sync
from drp_tui.services.retention import apply_retention
from drp_tui.store.anchors import anchor_path
from drp_tui.store.engine import Store, open_store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Debt, DebtParty, Person, Vulnerability, host_id
from drp_tui.store.seals import BALANCE, write_seal
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import FEED_LOCK, Hub, hub_url
from drp_tui.sync.rules import Sender, event_refusal, payment_refusal, writeoff_refusal
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    debt_id,
    desk,
    desk_insert,
    officer_login,
    raw_login,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster

runner = CliRunner()
OFFICER = Sender("asmith", "officer", "north")

# --- issue 20: the audit chain ----------------------------------------------------------


def _desk_with_notes(tmp_path: Path, notes: int) -> Path:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    actor = Actor("asmith", clock=lambda: NOW)
    for number in range(notes):
        add_note(alex, actor, case_id=case_id(1), text=f"called, no answer {number}")
    run_sync(alex, hub, "asmith")  # the notes reach the hub, which anchors the desk's head
    return alex.path


def _insider(path: Path) -> sqlite3.Connection:
    """The store opened with sqlite3 by whoever owns the file, its triggers dropped."""
    db = sqlite3.connect(path)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    return db


def test_tail_truncated_and_the_anchor_file_deleted_is_detected(tmp_path: Path) -> None:
    path = _desk_with_notes(tmp_path, 3)
    assert audit.verify_all(open_store(path)).intact
    db = _insider(path)
    top = db.execute("SELECT max(seq) FROM event").fetchone()[0]
    db.execute("DELETE FROM event WHERE seq > ?", (top - 2,))  # the last two notes
    db.execute("DELETE FROM outbox")  # and nothing left queued that would name them
    db.commit()
    db.close()
    anchor_path(path).unlink()
    assert not audit.verify_all(open_store(path)).intact


def test_every_event_deleted_with_the_anchor_file_is_detected(tmp_path: Path) -> None:
    path = _desk_with_notes(tmp_path, 2)
    db = _insider(path)
    db.execute("DELETE FROM event")
    db.execute("DELETE FROM outbox")
    db.commit()
    db.close()
    anchor_path(path).unlink()
    assert not audit.verify_all(open_store(path)).intact


# --- issue 20: personal data after a sync -------------------------------------------------


def test_a_note_about_a_person_moved_away_does_not_stay_in_the_desk_file(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    secret = "Says she is caring for her mother after a stroke"
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(2), text=secret)
    run_sync(alex, hub, "asmith")
    allocate(hub, 2, "bjones")
    run_sync(alex, hub, "asmith")
    assert after_sync(alex, "asmith", NOW).people == 1
    alex.engine.dispose()
    held = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("alex.sqlite"))
    assert secret.encode() not in held


# --- issue 19: what a desk may send the hub (rules.py; h009's SQL functions mirror it) ----


@pytest.mark.parametrize(
    ("kind", "case"),
    [("queue.moved", case_id(1)), ("queue.allocated", case_id(1)), ("queue.rebalanced", None)],
)
def test_a_plain_officers_desk_cannot_send_allocation_events(kind: str, case: str | None) -> None:
    event = {"kind": kind, "officer_id": "asmith", "case_id": case, "payload": "{}"}
    assert event_refusal(event, OFFICER, allocated=True) is not None


def test_a_payment_already_reversed_cannot_be_reversed_again() -> None:
    explaining = {"payload": {"payment": "rev-2", "amount": "-75.00", "reversal": True}}
    earlier = [7500, -7500]  # paid 75.00, and already reversed once
    assert payment_refusal(-7500, explaining, earlier) is not None


def test_an_officer_cannot_undo_a_supervisors_approval() -> None:
    before = {"status": "approved", "approved_by": "sup", "approved_at": "2026-11-23T10:00"}
    row = {"status": "pending", "approved_by": None, "approved_at": None}
    assert writeoff_refusal(row, before, OFFICER, None) is not None


def test_an_officer_cannot_rewrite_who_approved_a_writeoff() -> None:
    before = {"status": "approved", "approved_by": "sup", "approved_at": "2026-11-23T10:00"}
    row = {"status": "approved", "approved_by": "asmith", "approved_at": "2026-11-20T09:00"}
    assert writeoff_refusal(row, before, OFFICER, None) is not None


# --- issue 19, item 2: commands that read other officers' work, not gated ---------------


@pytest.fixture
def working(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The demo portfolio as a working store, psharma, akhan and jmorgan mapped to logins
    (as tests/test_identity.py sets it up)."""
    path = tmp_path / "working.sqlite"
    shutil.copy(demo_template, path)
    identity.set_store_kind(open_store(path), identity.WORKING)
    db = sqlite3.connect(path)
    db.execute("PRAGMA application_id = 0")
    db.execute("UPDATE officer SET login = id WHERE id IN ('psharma', 'akhan', 'jmorgan')")
    db.commit()
    db.close()
    monkeypatch.setenv("DRP_STORE", str(path))
    for name in ("DRP_OFFICER", "DRP_NOW", "DRP_TODAY"):
        monkeypatch.delenv(name, raising=False)
    return path


def as_login(monkeypatch: pytest.MonkeyPatch, login: str, *args: str) -> Result:
    monkeypatch.setattr(identity, "os_login", lambda: login)
    return runner.invoke(app, list(args))


def jmorgans_case(path: Path) -> str:
    db = sqlite3.connect(path)
    found = db.execute(
        'SELECT reference FROM "case" WHERE officer_id = ? ORDER BY reference LIMIT 1',
        ("jmorgan",),
    ).fetchone()
    db.close()
    return str(found[0])


def test_a_plain_officer_cannot_read_another_officers_case_history(
    working: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = as_login(monkeypatch, "akhan", "audit", "show", "--case", jmorgans_case(working))
    assert shown.exit_code == 1, shown.output


def test_a_plain_officer_cannot_list_authority_on_another_officers_case(
    working: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = as_login(monkeypatch, "akhan", "authority", "list", jmorgans_case(working))
    assert shown.exit_code == 1, shown.output


def test_a_login_mapped_to_nobody_cannot_list_the_team(
    working: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown = as_login(monkeypatch, "mallory", "officer", "list")
    assert shown.exit_code == 1, shown.output


@pytest.mark.parametrize("command", ["status", "conflicts"])
def test_a_login_mapped_to_nobody_cannot_read_the_hubs_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    identity.set_store_kind(hub.as_store(), identity.WORKING)
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "mine.sqlite"))
    for name in ("DRP_OFFICER", "DRP_NOW", "DRP_TODAY"):
        monkeypatch.delenv(name, raising=False)
    shown = as_login(monkeypatch, "mallory", "hub", command, "--hub", address)
    assert shown.exit_code == 1, shown.output


# --- issue 19: a desk's own PostgreSQL login, used directly (psql with its .pgpass) -------


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    """A PostgreSQL team hub: asmith has case 1, bjones case 2."""
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    yield hub
    hub.engine.dispose()


def test_a_desk_login_holding_the_feed_lock_does_not_stall_another_desk(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    officer_login(postgres, owner, "asmith").engine.dispose()
    as_bea = officer_login(postgres, owner, "bjones")
    bea = desk(tmp_path, "bea")
    run_sync(bea, as_bea, "bjones")
    add_note(bea, Actor("bjones", clock=lambda: NOW), case_id=case_id(2), text="left a message")
    with raw_login(postgres, owner, "asmith") as held:
        held.execute(f"SELECT pg_advisory_lock({FEED_LOCK})")  # then the laptop sleeps
        # Stalled, the sync would wait out the hub's lock_timeout and fail (HubError); no
        # timing here: a busy machine makes any honest sync slow.
        try:
            run_sync(bea, as_bea, "bjones")
        except HubError as stalled:
            pytest.fail(f"bjones's sync stalled by asmith's session: {stalled}")
    as_bea.engine.dispose()


def test_a_desk_login_cannot_flag_a_conflict_on_another_officers_case(
    postgres: PostgresCluster, owner: Hub
) -> None:
    officer_login(postgres, owner, "asmith").engine.dispose()
    forged = {"id": "forged", "kind": "work_on_moved_case", "case_id": case_id(2)}
    forged |= {"detail": '{"by": "bjones"}', "flagged_at": "2026-11-23T10:00:00+00:00"}
    with raw_login(postgres, owner, "asmith") as connection:
        desk_insert(connection, "hubconflict", forged)  # its only way to write (h023)
    # Refused by the row security, left out and recorded (h026), not written.
    with owner.read() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM hubconflict").scalar_one() == 0
        recorded = connection.exec_driver_sql("SELECT officer_id, item FROM hubrefusal").all()
    assert [tuple(r) for r in recorded] == [("asmith", "hubconflict forged")]


# --- issue 20: retention --------------------------------------------------------------------

LONG_AGO = datetime(2015, 3, 2, 10, 0, tzinfo=UTC)


def _closed_long_ago(tmp_path: Path) -> Store:
    """Four people each with a case and a debt; P1's debt paid off and untouched since 2015."""
    store = team_hub(str(tmp_path / "office.sqlite")).as_store()
    with store.write() as session:
        debt = session.get(Debt, debt_id(1))
        case = session.get(Case, case_id(1))
        assert debt is not None
        assert case is not None
        debt.balance = Decimal("0.00")
        case.updated_at = LONG_AGO
    return store


def test_retention_keeps_a_person_still_party_to_a_live_debt(
    tmp_path: Path, policy: PolicyBook
) -> None:
    store = _closed_long_ago(tmp_path)
    p1 = host_id("person", "nga", "P1")
    with store.write() as session:
        session.add(DebtParty(debt_id=debt_id(2), person_id=p1))  # joint on P2's open debt
        session.add(Vulnerability(person_id=p1, category="mental_health", consent=True))
    done = apply_retention(store, policy, Actor(SUPERVISOR, clock=lambda: NOW))
    assert [d.reference for d in done.due] == ["C0000001"]
    with store.read() as session:
        kept = session.get(Person, p1)
        assert kept is not None
        assert (kept.forename, kept.date_of_birth) == ("Pat1", date(1980, 1, 1))
        vulnerable = session.execute(
            select(Vulnerability).where(col(Vulnerability.person_id) == p1)
        ).all()
        assert len(vulnerable) == 1


def test_retention_leaves_no_note_text_in_the_store(tmp_path: Path, policy: PolicyBook) -> None:
    store = _closed_long_ago(tmp_path)
    secret = "Disclosed a cancer diagnosis and chemotherapy"
    add_note(store, Actor("asmith", clock=lambda: LONG_AGO), case_id=case_id(1), text=secret)
    done = apply_retention(store, policy, Actor(SUPERVISOR, clock=lambda: NOW))
    assert [(d.reference, d.record_type) for d in done.due] == [("C0000001", "financial")]
    store.engine.dispose()
    store.writer.dispose()
    held = b"".join(
        p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("office.sqlite")
    )
    assert secret.encode() not in held


# --- issue 20: state tables against the events ---------------------------------------------


def test_a_balance_zeroed_on_an_officers_desk_is_found(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="called")
    assert audit.verify_all(alex).intact
    db = _insider(alex.path)
    db.execute("UPDATE debt SET balance = 0 WHERE id = ?", (debt_id(1),))
    db.commit()
    db.close()
    assert not audit.verify_all(alex).intact


def test_a_balance_seal_forged_on_an_officers_note_is_not_honoured(demo_store: Store) -> None:
    db = sqlite3.connect(demo_store.path)
    debt, case, balance = db.execute(
        'SELECT d.id, d.case_id, d.balance FROM debt d JOIN "case" c ON c.id = d.case_id '
        "WHERE d.balance > 0 AND c.officer_id = 'akhan' ORDER BY d.id LIMIT 1"
    ).fetchone()
    db.close()
    assert balance > 0
    with demo_store.write() as session:
        forged = "forged-note"
        said = write_seal(session.connection(), forged, BALANCE, [(str(debt), "0")])
        append_event(
            session,
            officer_id="akhan",
            kind="note.added",
            at=NOW,
            case_id=str(case),
            event_id=forged,
            payload={"text": "spoke to debtor", "seals": {BALANCE: said}},
        )
    db = _insider(demo_store.path)
    db.execute("UPDATE debt SET balance = 0 WHERE id = ?", (debt,))
    db.commit()
    db.close()
    assert not audit.verify_all(demo_store).intact


# --- issue 19, item 5: the hub password on the command line ------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "postgresql://asmith@127.0.0.1/hub?password=hunter2",
        "postgresql:///hub?host=127.0.0.1&user=asmith&password=hunter2",
    ],
)
def test_a_password_in_the_hub_urls_query_is_refused(address: str) -> None:
    with pytest.raises(InputError, match="password"):
        hub_url(address)


def test_drp_sync_as_the_officers_own_login(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    officer_login(postgres, owner, "asmith").engine.dispose()
    alex = desk(tmp_path, "alex")
    monkeypatch.setenv("DRP_STORE", str(alex.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")  # a training desk: it picks its officer
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    address = postgres.url(owner.url.database or "", user="asmith")
    done = runner.invoke(app, ["sync", "--json", "--hub", address])
    assert done.exit_code == 0, done.output
