"""Hostile review of issue 19 (session 4, review c): defects found by attacking the hub's
enforcement from a desk: an officer's own PostgreSQL login used with psql, their own SQLite
store edited with sqlite3, a SQLite-file hub. Each test reproduces one defect and is marked
`xfail(strict=True)` until it is fixed; a fixed one is a plain test."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError
from drp_tui.store.events import append_event
from drp_tui.store.models import ContactAttempt, Officer, Promise
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub
from drp_tui.sync.roles import ensure_login_role, set_password
from drp_tui.sync.rules import Sender, event_refusal
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    balance,
    case_id,
    debt_id,
    desk,
    desk_insert,
    desk_update,
    officer_login,
    raw_login,
    run_sync,
    team_hub,
    under_feed_lock,
)
from tests.postgres import PostgresCluster

Raw = psycopg.Connection[Any]


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    """A PostgreSQL team hub: asmith (case 1) and the supervisor in Recovery, bjones (case 2)
    in Fraud; asmith's and bjones's own logins made, as `drp officer add --hub` makes them."""
    hub = team_hub(postgres.url(postgres.new_hub()))
    with hub.as_store().write() as session:
        for officer, team in (
            ("asmith", "Recovery"),
            (SUPERVISOR, "Recovery"),
            ("bjones", "Fraud"),
        ):
            found = session.get(Officer, officer)
            assert found is not None
            found.team = team
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    for officer in ("asmith", "bjones"):
        officer_login(postgres, hub, officer).engine.dispose()
    yield hub
    hub.engine.dispose()


def register(connection: Raw, workstation: str, officer: str) -> None:
    """A workstation registered on the hub as `drp sync` registers it."""
    row = {"id": workstation, "officer_id": officer, "first_seen_at": NOW.isoformat()}
    desk_insert(connection, "hubworkstation", {**row, "cursor": 0, "events_pushed": 0})


def call(key: str, officer: str, notes: str = "") -> dict[str, Any]:
    """A call on case 1, as a desk's raw login sends it through the hub's write function (the
    only way it writes a hub table, h023)."""
    return {
        "id": key,
        "case_id": case_id(1),
        "officer_id": officer,
        "started_at": NOW.isoformat(),
        "right_party": bool(notes),
        "idv_result": "passed" if notes else "not_attempted",
        "notes": notes,
    }


def payment(key: str, amount: int) -> dict[str, Any]:
    return {
        "id": key,
        "debt_id": debt_id(1),
        "amount": amount,
        "received_on": "2026-11-23",
        "source": "host",
        "reference": "",
    }


def stage(
    connection: Raw,
    event_id: str,
    officer: str,
    case: str | None,
    kind: str,
    payload: str = "{}",
    at: str = NOW.isoformat(timespec="microseconds"),
) -> None:
    connection.execute(
        "INSERT INTO hubstage_event (login, id, officer_id, at, case_id, kind, payload, "
        "prev_hash, hash) VALUES ('', %s, %s, %s, %s, %s, %s, 'p', 'h')",
        (event_id, officer, at, case, kind, payload),
    )


def push(connection: Raw, workstation: str) -> dict[str, str | None]:
    """The staged batch judged by the hub: each event's refusal (None: appended)."""
    rows = connection.execute(
        "SELECT pushed_id, refusal FROM drp_push_events(%s, %s)", (workstation, NOW.isoformat())
    ).fetchall()
    return {str(event_id): why for event_id, why in rows}


def on_hub(hub: Hub, sql: str, **params: Any) -> list[Any]:
    with hub.read() as connection:
        return list(connection.execute(text(sql), params).all())


# --- rows in another officer's name --------------------------------------------------------


def test_a_desk_login_cannot_record_a_call_in_another_officers_name(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        desk_insert(alex, "contactattempt", call("forged-call", "bjones", "bjones agreed"))
    assert on_hub(owner, "SELECT officer_id FROM contactattempt WHERE id = 'forged-call'") == []


def test_a_call_recorded_in_another_officers_name_on_the_desk_is_refused(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    with alex.write() as session:  # straight into the desk's SQLite, as sqlite3 would
        session.add(
            ContactAttempt(
                id="forged-call",
                case_id=case_id(1),
                officer_id="bjones",
                started_at=NOW,
                notes="bjones called",
            )
        )
    run_sync(alex, hub, "asmith")
    assert on_hub(hub, "SELECT officer_id FROM contactattempt WHERE id = 'forged-call'") == []


# --- the security record and where a write came from ---------------------------------------


def test_a_desk_login_cannot_keep_its_own_refusal_off_the_record(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        forestalled = {  # the id the hub will give the refusal of the forgery below
            "id": hashlib.md5(b"ws-alexevent forged").hexdigest(),
            "workstation_id": "ws-alex",
            "officer_id": "asmith",
            "item": "event forged",
            "reason": "sent twice, ignore",
            "received_at": NOW.isoformat(),
        }
        desk_insert(alex, "hubrefusal", forestalled)
        stage(alex, "forged", "bjones", case_id(2), "note.added")
        assert push(alex, "ws-alex")["forged"] is not None
    reasons = [
        reason
        for (reason,) in on_hub(owner, "SELECT reason FROM hubrefusal WHERE item = 'event forged'")
    ]
    assert any("another officer" in reason for reason in reasons), reasons


def test_a_desk_login_cannot_push_from_another_officers_workstation(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        stage(alex, "sent-as-bea", "asmith", case_id(1), "note.added")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            push(alex, "ws-bea")
        assert push(alex, "ws-alex") == {"sent-as-bea": None}
    found = on_hub(owner, "SELECT workstation_id FROM hubevent WHERE id = 'sent-as-bea'")
    assert found == [("ws-alex",)]


def test_a_desk_login_cannot_mark_its_writes_as_another_workstations(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        alex.execute("SELECT set_config('drp.origin', 'ws-bea', false)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            desk_insert(alex, "contactattempt", call("a-call", "asmith"))
        alex.execute("SELECT set_config('drp.origin', 'ws-alex', false)")
        desk_insert(alex, "contactattempt", call("a-call", "asmith"))
    origins = on_hub(owner, "SELECT origin FROM hubchange WHERE row_key = 'a-call'")
    assert origins == [("ws-alex",)]


# --- stalling the team -----------------------------------------------------------------------


def test_a_desk_login_locking_its_case_row_does_not_stall_the_supervisor(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        alex.execute("SET idle_in_transaction_session_timeout = 0")
        with pytest.raises(psycopg.errors.InsufficientPrivilege), alex.transaction():
            alex.execute('SELECT id FROM "case" WHERE id = %s FOR UPDATE', (case_id(1),))
        # Its write function changes no row without the feed lock (h020), but the change
        # feed's statement trigger takes that lock: a desk left holding it is ended (h011).
        alex.execute("BEGIN")
        desk_update(alex, "case", {"id": case_id(1), "next_action_due": None})
        # ...and the laptop sleeps. No timing here: stalled, the move waits out the hub's
        # lock_timeout and fails.
        try:
            allocate(owner, 1, "bjones")
        except Exception as stalled:  # any failure is the stall
            pytest.fail(f"the supervisor's move stalled by asmith's session: {stalled}")
        with pytest.raises(psycopg.OperationalError):
            alex.execute("COMMIT")


# --- money without the event that explains it ----------------------------------------------


def test_a_payment_explained_by_an_event_on_no_case_is_refused_by_the_database(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        stage(
            alex,
            "pay-event",
            "asmith",
            None,
            "payment.recorded",
            '{"payment": "pay-x", "amount": "400.00"}',
        )
        assert push(alex, "ws-alex") == {"pay-event": None}
        desk_insert(alex, "payment", payment("pay-x", 40000))
    assert on_hub(owner, "SELECT id FROM payment") == []
    assert str(balance(owner.as_store(), 1)) == "500.00"


# --- a case moved to another officer -------------------------------------------------------


def test_a_desk_login_cannot_change_a_case_moved_to_another_officer(
    postgres: PostgresCluster, owner: Hub
) -> None:
    allocate(owner, 1, "bjones")
    with raw_login(postgres, owner, "asmith") as alex, under_feed_lock(alex):
        desk_update(alex, "case", {"id": case_id(1), "hold_kind": "dispute", "hold_reason": "x"})
    assert on_hub(owner, 'SELECT hold_kind FROM "case" WHERE id = :c', c=case_id(1)) == [(None,)]


def test_a_desk_login_cannot_read_a_moved_cases_hold_reason(
    postgres: PostgresCluster, owner: Hub
) -> None:
    allocate(owner, 1, "bjones")
    with owner.write() as connection:  # bjones's work on it since, as his sync brings it
        connection.execute(
            text("UPDATE \"case\" SET hold_reason = 'in hospital: cancer treatment' WHERE id = :c"),
            {"c": case_id(1)},
        )
    with raw_login(postgres, owner, "asmith") as alex:
        seen = alex.execute(
            'SELECT hold_reason FROM "case" WHERE id = %s', (case_id(1),)
        ).fetchall()
    assert seen in ([], [(None,)]), seen


# --- the event kinds a role may send ---------------------------------------------------------

BATCH_ONLY = (
    # drp arrangements check (services/monitoring.py)
    "arrangement.completed",
    "arrangement.breached",
    "promise.kept",
    "promise.broken",
    # drp import cases / payments, and a supervisor's --allow-repeat
    "import.cases",
    "import.payments",
    "payment.repeat_allowed",
    # drp letters batch
    "letter.printed",
    "letter.withheld",
)


@pytest.mark.parametrize("kind", BATCH_ONLY)
def test_a_plain_officers_desk_cannot_send_the_batch_jobs_events(kind: str) -> None:
    event = {"kind": kind, "officer_id": "asmith", "case_id": case_id(1), "payload": "{}"}
    assert event_refusal(event, Sender("asmith", "officer", "Recovery"), allocated=True) is not None


def test_a_plain_officers_login_cannot_send_the_batch_jobs_events(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        for number, kind in enumerate(BATCH_ONLY):
            stage(alex, f"batch-{number}", "asmith", case_id(1), kind)
        verdicts = push(alex, "ws-alex")
    assert [k for n, k in enumerate(BATCH_ONLY) if verdicts[f"batch-{n}"] is None] == []
    assert all("nightly service login" in str(why) for why in verdicts.values()), verdicts


# --- time --------------------------------------------------------------------------------------


def test_an_event_dated_after_it_reached_the_hub_is_refused(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    with alex.write() as session:  # DRP_NOW on a store its officer marked training
        append_event(
            session,
            officer_id="asmith",
            kind="note.added",
            at=NOW + timedelta(days=400),
            case_id=case_id(1),
            payload={},
        )
    assert run_sync(alex, hub, "asmith").refused == 1


# --- the anchors' own check ------------------------------------------------------------------


def test_a_desk_login_cannot_anchor_behind_its_last_anchor(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        anchor = {"workstation_id": "ws-alex", "officer_id": "asmith", "received_at": "x"}
        desk_insert(alex, "hubanchor", {**anchor, "seq": 10, "hash": "h10"})
        alex.execute("CREATE TEMPORARY TABLE hubanchor (workstation_id text, seq bigint)")
        with pytest.raises(psycopg.Error):
            desk_insert(alex, "hubanchor", {**anchor, "seq": 6, "hash": "h6"})


# --- a careless supervisor: an officer id that is already a role on the cluster ---------------


def test_an_officer_named_as_the_hubs_owner_is_not_made_a_desk_login(owner: Hub) -> None:
    with pytest.raises((HubError, InputError)):
        ensure_login_role(owner, owner.url.username or "")


def test_drp_hub_password_sets_only_an_officers_desk_login(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with postgres.owner("postgres") as admin:
        admin.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'dba_r19c') "
            "THEN CREATE ROLE dba_r19c SUPERUSER NOLOGIN; END IF; END $$"
        )
    with pytest.raises((HubError, InputError)):
        set_password(owner, "dba_r19c", "a new password")
    with postgres.owner("postgres") as admin:
        can_login = admin.execute(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'dba_r19c'"
        ).fetchone()
    assert can_login == (False,)


def test_every_function_run_as_the_hubs_owner_searches_pg_temp_last(owner: Hub) -> None:
    """A SECURITY DEFINER function whose search path leaves pg_temp out searches it first."""
    with owner.read() as connection:
        found = connection.execute(
            text(
                "SELECT p.proname FROM pg_proc p WHERE p.prosecdef "
                "AND p.pronamespace = 'public'::regnamespace AND NOT coalesce("
                "'search_path=public, pg_temp' = ANY(p.proconfig), false) ORDER BY 1"
            )
        ).scalars()
        assert list(found) == []


# --- money-like rows without the event that explains them ------------------------------------


def test_a_desk_login_cannot_mark_its_promise_kept(postgres: PostgresCluster, owner: Hub) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        promise: dict[str, Any] = {"id": "pr-1", "case_id": case_id(1), "debt_id": debt_id(1)}
        promise |= {"officer_id": "asmith", "amount": 10000, "due_on": "2026-11-20"}
        desk_insert(alex, "promise", {**promise, "status": "open", "created_at": NOW.isoformat()})
        with under_feed_lock(alex):
            desk_update(alex, "promise", {"id": "pr-1", "status": "kept"})
    assert on_hub(owner, "SELECT status FROM promise WHERE id = 'pr-1'") == [("open",)]


def test_a_desk_login_cannot_mark_instalments_paid_without_a_payment(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        arrangement: dict[str, Any] = {"id": "ar-1", "case_id": case_id(1), "debt_id": debt_id(1)}
        arrangement |= {"officer_id": "asmith", "total": 50000, "frequency": "monthly"}
        arrangement |= {"status": "live", "created_at": NOW.isoformat(), "status_reason": ""}
        desk_insert(alex, "arrangement", arrangement)
        instalment = {"id": "in-1", "arrangement_id": "ar-1", "number": 1}
        instalment |= {"due_on": "2026-11-01", "amount": 25000, "paid": 0}
        desk_insert(alex, "instalment", instalment)
        with under_feed_lock(alex):
            desk_update(alex, "instalment", {"id": "in-1", "paid": 25000})
    assert on_hub(owner, "SELECT id FROM payment") == []
    assert on_hub(owner, "SELECT paid FROM instalment WHERE id = 'in-1'") == [(0,)]
    assert on_hub(owner, "SELECT reason FROM hubrefusal WHERE item = 'instalment in-1'") == [
        ("instalments paid 250.00, more than the 0.00 received on the arrangement's debts",)
    ]


def test_a_promise_marked_kept_on_the_desk_is_refused(hub_address: str, tmp_path: Path) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    with alex.write() as session:
        session.add(
            Promise(
                id="pr-1",
                case_id=case_id(1),
                debt_id=debt_id(1),
                officer_id="asmith",
                amount=Decimal("100.00"),
                due_on=date(2026, 11, 20),
                created_at=NOW,
            )
        )
    assert run_sync(alex, hub, "asmith").refused == 0
    with alex.write() as session:  # straight into the desk's SQLite, as sqlite3 would
        promise = session.get(Promise, "pr-1")
        assert promise is not None
        promise.status = "kept"
    assert run_sync(alex, hub, "asmith").refused == 1
    assert on_hub(hub, "SELECT status FROM promise WHERE id = 'pr-1'") == [("open",)]


def test_a_desk_login_cannot_push_an_event_dated_ahead_of_the_hubs_clock(
    postgres: PostgresCluster, owner: Hub
) -> None:
    ahead = (datetime.now(UTC) + timedelta(days=400)).isoformat(timespec="microseconds")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        stage(alex, "ahead", "asmith", case_id(1), "note.added", at=ahead)
        stage(alex, "on-time", "asmith", case_id(1), "note.added")
        verdicts = push(alex, "ws-alex")
        event = {"id": "ahead-2", "officer_id": "asmith", "at": ahead, "case_id": case_id(1)}
        event |= {"kind": "note.added", "payload": "{}", "prev_hash": "p", "hash": "h"}
        # Its own insert, past the staged push: the same rule.
        desk_insert(alex, "hubevent", {**event, "workstation_id": "ws-alex", "received_at": "x"})
    assert verdicts == {
        "ahead": f"note.added: dated after it reached the hub ({ahead})",
        "on-time": None,
    }
    assert on_hub(owner, "SELECT id FROM hubevent ORDER BY id") == [("on-time",)]


# --- ordering: two sessions at once ------------------------------------------------------------


def test_one_payment_is_not_reversed_twice_by_two_sessions_at_once(
    postgres: PostgresCluster, owner: Hub
) -> None:
    reversal = '{{"payment": "{id}", "amount": "-75.00", "reversal": true}}'
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        stage(
            alex,
            "e0",
            "asmith",
            case_id(1),
            "payment.recorded",
            '{"payment": "p0", "amount": "75.00"}',
        )
        for n in (1, 2):
            stage(
                alex, f"e{n}", "asmith", case_id(1), "payment.recorded", reversal.format(id=f"r{n}")
            )
        assert set(push(alex, "ws-alex").values()) == {None}
        desk_insert(alex, "payment", payment("p0", 7500))
    url = postgres.url(owner.url.database or "", user="asmith")
    with psycopg.connect(url) as first, psycopg.connect(url) as second:
        desk_insert(first, "payment", payment("r1", -7500))  # not committed yet
        second_pid = second.info.backend_pid
        done: list[BaseException | None] = []

        def other() -> None:
            try:
                desk_insert(second, "payment", payment("r2", -7500))
                second.commit()
                done.append(None)
            except BaseException as exc:
                done.append(exc)

        thread = threading.Thread(target=other)
        thread.start()
        with psycopg.connect(postgres.url(owner.url.database or ""), autocommit=True) as watch:
            while not done and watch.execute(
                "SELECT wait_event_type IS DISTINCT FROM 'Lock' FROM pg_stat_activity "
                "WHERE pid = %s",
                (second_pid,),
            ).fetchone() == (True,):
                thread.join(0.01)
        first.commit()
        thread.join()
    reversed_ = on_hub(owner, "SELECT id FROM payment WHERE amount < 0 ORDER BY id")
    assert len(reversed_) == 1, reversed_
    assert str(balance(owner.as_store(), 1)) == "500.00"  # 500 - 75 + 75


def test_drp_officer_add_refuses_an_id_naming_the_hubs_owner_and_adds_nobody(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = postgres.url(owner.url.database or "")
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "sam.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    taken = owner.url.username or ""
    done = CliRunner().invoke(app, ["officer", "add", taken, "--name", "X", "--hub", address])
    assert done.exit_code != 0
    assert "give the officer another id" in " ".join(done.output.split())
    with owner.as_store().read() as session:
        assert session.get(Officer, taken) is None
