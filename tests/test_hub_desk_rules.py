"""What review 19 found a desk's own PostgreSQL login could still do, each tried as that login
on a real cluster (distinct roles, the password from a libpq password file): hold the team's
locks, send the queue's allocation events, reverse one payment twice, undo or rewrite a
supervisor's write-off decision, flag conflicts on another officer's case. Each is refused
by the hub's database (hub revisions h008 to h010); the honest flows still go through."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text

from drp_tui.services.casework import Actor, add_note
from drp_tui.store.events import append_event
from drp_tui.store.models import Arrangement, Payment
from drp_tui.sync.hub import Hub
from drp_tui.sync.status import open_conflicts
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


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    """A PostgreSQL team hub: asmith has case 1, bjones case 2."""
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    yield hub
    hub.engine.dispose()


def refusals(owner: Hub) -> list[tuple[str, str, str]]:
    with owner.read() as connection:
        return [
            (str(o), str(i), str(r))
            for o, i, r in connection.execute(
                text("SELECT officer_id, item, reason FROM hubrefusal ORDER BY received_at, item")
            )
        ]


# --- the team's locks ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "LOCK TABLE hubfeedlock IN EXCLUSIVE MODE",
        "SELECT drp_feed_lock_try()",
        "SELECT drp_cut_stalled_desks()",
        "UPDATE huborigin SET workstation_id = 'mine' WHERE id = 1",
        "LOCK TABLE huborigin IN EXCLUSIVE MODE",
        "LOCK TABLE hubworkstation IN EXCLUSIVE MODE",
        "LOCK TABLE hubevent IN SHARE MODE",
    ],
)
def test_a_desk_login_cannot_take_a_lock_the_team_waits_for(
    postgres: PostgresCluster, owner: Hub, statement: str
) -> None:
    officer_login(postgres, owner, "asmith").engine.dispose()
    with raw_login(postgres, owner, "asmith") as connection:
        connection.execute("BEGIN")  # LOCK TABLE needs a transaction
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            connection.execute(statement)


@pytest.mark.parametrize(
    "taking",
    ["SELECT * FROM drp_push_events('asmith-laptop', 'x')", "SELECT drp_feed_lock()"],
)
def test_a_desk_login_holding_the_feed_lock_is_cut_off(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path, taking: str
) -> None:
    """A desk role takes the feed lock only through the hub's own functions (here a push of
    nothing, or the lock a desk's write transaction begins with), but may keep its transaction
    open with no idle limit of its own. A session the hub waits on is then ended: idle in its
    transaction for STALLED_S."""
    officer_login(postgres, owner, "asmith").engine.dispose()
    as_bea = officer_login(postgres, owner, "bjones")
    bea = desk(tmp_path, "bea")
    run_sync(bea, as_bea, "bjones")
    add_note(bea, Actor("bjones", clock=lambda: NOW), case_id=case_id(2), text="left a message")
    with raw_login(postgres, owner, "asmith") as alex:  # registered, as a sync registers it
        workstation = {"id": "asmith-laptop", "officer_id": "asmith", "first_seen_at": "x"}
        desk_insert(alex, "hubworkstation", {**workstation, "cursor": 0, "events_pushed": 0})
    with psycopg.connect(postgres.url(owner.url.database or "", user="asmith")) as held:
        held.execute("SET idle_in_transaction_session_timeout = 0")
        held.execute(taking)
        locks = "SELECT count(*) FROM pg_locks WHERE relation = 'hubfeedlock'::regclass"
        assert held.execute(locks).fetchone() == (1,)  # held; then the laptop sleeps
        # No timing: on a busy machine an honest sync is slow; the proof is that the sync
        # went through (else it waits out lock_timeout and fails) and asmith's session ended.
        assert run_sync(bea, as_bea, "bjones").pushed_events == 1
        with pytest.raises(psycopg.OperationalError):  # asmith's session was ended
            held.execute("SELECT 1")
    as_bea.engine.dispose()


def test_the_feed_is_still_one_writer_at_a_time_for_the_hubs_owner(owner: Hub) -> None:
    """The owner's write transaction holds the feed lock (now a table lock) from its start."""
    with owner.write() as connection:
        held = connection.execute(
            text(
                "SELECT mode FROM pg_locks WHERE pid = pg_backend_pid() AND granted "
                "AND relation = 'hubfeedlock'::regclass"
            )
        ).scalars()
        assert list(held) == ["ExclusiveLock"]


def test_a_desk_push_takes_the_feed_lock_only_inside_the_hubs_own_functions(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    with alex.write() as session:
        append_event(
            session, officer_id="asmith", kind="note.added", at=NOW, case_id=case_id(1),
            payload={"text": "called"},
        )  # fmt: skip
    assert run_sync(alex, as_alex, "asmith").pushed_events == 1
    with owner.read() as connection:
        origin = connection.execute(
            text("SELECT origin FROM hubchange WHERE table_name = 'hubevent'")
        ).scalar_one()
    assert origin == run_sync(alex, as_alex, "asmith").workstation_id  # marked, not shared
    as_alex.engine.dispose()


# --- what a plain officer's desk may send ----------------------------------------------------


@pytest.mark.parametrize("kind", ["queue.moved", "queue.allocated", "queue.rebalanced"])
def test_allocation_events_from_an_officers_desk_login_are_refused_and_recorded(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path, kind: str
) -> None:
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    case = None if kind == "queue.rebalanced" else case_id(1)
    with alex.write() as session:
        forged = append_event(
            session, officer_id="asmith", kind=kind, at=NOW, case_id=case, payload={}
        ).id
    assert run_sync(alex, as_alex, "asmith").refused == 1
    assert refusals(owner) == [
        ("asmith", f"event {forged}", f"{kind}: only a supervisor may send it")
    ]
    as_alex.engine.dispose()


def _reverse(session: Any, payment: str) -> None:
    session.add(
        Payment(
            id=payment,
            debt_id=debt_id(1),
            amount=Decimal("-75.00"),
            received_on=date(2026, 11, 23),
            source="host",
        )
    )
    append_event(
        session,
        officer_id="asmith",
        kind="payment.recorded",
        at=NOW,
        case_id=case_id(1),
        payload={"payment": payment, "amount": "-75.00", "reversal": True},
    )


def test_one_payment_is_reversed_once_through_a_desk_login(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    with owner.write() as connection:  # the host's 75.00, on the hub
        connection.execute(
            text(
                "INSERT INTO payment (id, debt_id, amount, received_on, source, reference) "
                "VALUES ('paid', :d, 7500, '2026-11-20', 'host', '')"
            ),
            {"d": debt_id(1)},
        )
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    workstation = run_sync(alex, as_alex, "asmith").workstation_id
    with alex.write() as session:
        _reverse(session, "rev-1")
    assert run_sync(alex, as_alex, "asmith").refused == 0
    with alex.write() as session:
        _reverse(session, "rev-2")
    assert run_sync(alex, as_alex, "asmith").refused == 1
    # ...and sent by its raw login, past the desk's own check, the hub's database refuses it.
    with raw_login(postgres, owner, "asmith") as connection:
        payload = {"payment": "rev-3", "amount": "-75.00", "reversal": True}
        desk_insert(
            connection,
            "hubevent",
            {
                "id": "e3",
                "officer_id": "asmith",
                "at": "2026-11-23T10:00:00.000000+00:00",
                "case_id": case_id(1),
                "kind": "payment.recorded",
                "payload": json.dumps(payload),
                "prev_hash": "x",
                "hash": "x",
                "workstation_id": workstation,  # its own: another's is refused (h025)
                "received_at": "x",
            },
        )
        desk_insert(
            connection,
            "payment",
            {
                "id": "rev-3",
                "debt_id": debt_id(1),
                "amount": -7500,
                "received_on": "2026-11-23",
                "source": "host",
                "reference": "",
            },
        )
    reversal = "a negative amount not the reversal of an earlier payment"
    assert refusals(owner) == [
        ("asmith", "payment rev-2", reversal),
        ("asmith", "payment rev-3", reversal),
    ]
    assert balance(owner.as_store(), 1) == Decimal("575.00")  # 500 + 75 reversed once
    as_alex.engine.dispose()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"status": "requested", "approved_by": None, "approved_at": None}, "a decision is final"),
        ({"approved_by": "asmith"}, "a decision is final"),
        ({"approved_at": "2026-11-20T09:00:00+00:00"}, "a decision is final"),
    ],
)
def test_a_desk_login_cannot_undo_or_rewrite_a_supervisors_approval(
    postgres: PostgresCluster, owner: Hub, change: dict[str, Any], reason: str
) -> None:
    with owner.write() as connection:
        connection.execute(
            text(
                "INSERT INTO writeoffrequest (id, debt_id, reason_code, amount, requested_by, "
                "requested_at, approved_by, approved_at, status) VALUES ('wo', :d, 'x', 50000, "
                "'asmith', '2026-11-20T09:00:00+00:00', :s, '2026-11-23T10:00:00+00:00', "
                "'approved')"
            ),
            {"d": debt_id(1), "s": SUPERVISOR},
        )
    officer_login(postgres, owner, "asmith").engine.dispose()
    with raw_login(postgres, owner, "asmith") as alex, under_feed_lock(alex):
        desk_update(alex, "writeoffrequest", {"id": "wo", **change})
    with owner.read() as connection:
        kept = connection.execute(
            text("SELECT status, approved_by, approved_at FROM writeoffrequest")
        ).one()
    assert tuple(kept) == ("approved", SUPERVISOR, "2026-11-23T10:00:00+00:00")
    [(officer, item, said)] = refusals(owner)
    assert (officer, item) == ("asmith", "writeoffrequest wo")
    assert reason in said


# --- conflicts ----------------------------------------------------------------------------


def test_a_desk_login_flags_no_conflict_off_its_own_cases_but_its_push_still_flags(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    mine = run_sync(alex, as_alex, "asmith").workstation_id

    def forged(key: str, case: str, detail: str, workstation: str) -> dict[str, Any]:
        return {
            "id": key,
            "kind": "work_on_moved_case",
            "case_id": case,
            "detail": detail,
            "workstation_id": workstation,
            "flagged_at": "2026-11-23T10:00:00+00:00",
        }

    # Through the write function: refused by the row security, each row left out and recorded
    # (h026; the policy used to fail the statement, and the record with it).
    with raw_login(postgres, owner, "asmith") as connection:
        for key, case, detail in (
            ("on-bjones-case", case_id(2), "{}"),
            ("by-bjones", case_id(1), '{"by": "bjones"}'),
        ):
            desk_insert(connection, "hubconflict", forged(key, case, detail, mine))
        # not its workstation
        desk_insert(connection, "hubconflict", forged("elsewhere", case_id(1), "{}", "x"))
    assert open_conflicts(owner) == []
    assert sorted(item for officer, item, _ in refusals(owner) if officer == "asmith") == [
        "hubconflict by-bjones",
        "hubconflict elsewhere",
        "hubconflict on-bjones-case",
    ]

    with alex.write() as session:  # offline, before the case moves
        session.add(
            Arrangement(
                id="arr-alex",
                case_id=case_id(1),
                debt_id=debt_id(1),
                officer_id="asmith",
                total=Decimal("500.00"),
                frequency="monthly",
                created_at=NOW,
            )
        )
    allocate(owner, 1, "bjones")
    late = run_sync(alex, as_alex, "asmith")
    assert [c.kind for c in open_conflicts(owner)] == ["worked_after_reallocation"]
    assert late.conflicts == [c.id for c in open_conflicts(owner)]
    as_alex.engine.dispose()


def test_no_hub_function_takes_the_lock_or_origin_a_desk_could_hold(owner: Hub) -> None:
    """h008 moved the feed lock from the advisory lock 7262001 (any login may take it) to a
    table only the owner locks, and the origin from the shared huborigin row to the
    transaction. A later revision (the person keys' feed trigger) was written against the
    old ones and brought the advisory lock back: a desk holding it stalled the team."""
    with owner.engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
                "WHERE n.nspname = 'public' "
                "AND (p.prosrc LIKE '%pg_advisory%' OR p.prosrc LIKE '%huborigin%')"
            )
        ).scalars()
        assert list(found) == []
