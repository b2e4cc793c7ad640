"""Hostile review of hub revision h026 (session 7, review 19e): the desk write functions and the
refusal record attacked with an officer's own PostgreSQL login (asmith; bjones the colleague),
as psql would use it. Each test reproduces one defect and is marked `xfail(strict=True)` until
it is fixed; a fixed one is a plain test. What held is in test_review19e_held.py."""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors

from drp_tui.sync.hub import Hub
from tests.hubteam import (
    NOW,
    allocate,
    case_id,
    case_officers,
    desk,
    officer_login,
    raw_login,
    reference,
    run_sync,
)
from tests.postgres import PostgresCluster
from tests.test_review19c_found import on_hub, owner, push, register, stage
from tests.test_review19d_found import insert, note

__all__ = ["owner"]  # the fixture: asmith (case 1) in Recovery, bjones (case 2) in Fraud

Raw = psycopg.Connection[Any]

UNSEEN = "not a row of this officer's to change"  # drp_desk_update's reason for such a row


def update_hold(connection: Raw, case: str, origin: str = "") -> int:
    """`drp_desk_update` of a case's hold reason under the feed lock, as a push sends it, the
    desk's `drp.origin` set to `origin` for the call (as the sync sets its workstation)."""
    with connection.transaction():
        connection.execute("SELECT drp_feed_lock()")
        connection.execute("SELECT set_config('drp.origin', %s, true)", (origin,))
        found = connection.execute(
            "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
            (json.dumps([{"id": case, "hold_reason": "mine now"}]),),
        ).fetchone()
    assert found is not None
    return int(found[0])


def refusal(refusal_id: str, **row: Any) -> dict[str, Any]:
    """A `hubrefusal` row a desk files itself, as `push.refuse` files its own refusals."""
    return {
        "id": refusal_id,
        "workstation_id": "ws-alex",
        "officer_id": "asmith",
        "item": "event retried",
        "reason": "sent twice",
        "received_at": NOW.isoformat(),
        **row,
    }


def refusals_of(owner: Hub, item: str) -> list[tuple[Any, ...]]:
    found = on_hub(
        owner, "SELECT officer_id, workstation_id FROM hubrefusal WHERE item = :i", i=item
    )
    return [tuple(row) for row in found]


# --- the refusal record does not stay ---------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="drp_refused writes in the desk's own transaction: a desk that rolls it back "
    "takes the record of its refused attempt with it",
)
def test_a_refusal_stays_on_the_record_when_the_desk_rolls_back(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A desk's login runs its transaction: it tries to change bjones's case under the feed
    lock (refused and recorded, answer 0) and then rolls back. The record of the attempt goes
    with the rollback, so a desk can try any forgery, keep it if it was taken and leave no
    trace if it was refused: "every refusal is a security event on the hub that stays"."""
    with raw_login(postgres, owner, "asmith") as alex:
        with alex.transaction(force_rollback=True):
            alex.execute("SELECT drp_feed_lock()")
            answer = alex.execute(
                "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                (json.dumps([{"id": case_id(2), "hold_reason": "mine now"}]),),
            ).fetchone()
        assert answer == (0,)
    assert [officer for officer, _ in refusals_of(owner, f"case {case_id(2)}")] == ["asmith"]


@pytest.mark.xfail(
    strict=True,
    reason="a refused row's record is lost when a later part of the same call fails (here an "
    "unknown column): a desk adds a bad row to every attempt to leave no trace",
)
def test_a_refused_row_stays_on_the_record_when_the_rest_of_the_call_fails(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """h026 judges each row against row security first, records a refused row and leaves it
    out. But the record is written in the call's statement: a batch of the refused row (a
    workstation in bjones's name) and a row naming a column the table has not fails as a
    whole, and the refusal's record is undone with it, with no transaction of the desk's."""
    squat = {"id": "ws-squat", "officer_id": "bjones", "first_seen_at": NOW.isoformat()}
    poison = {"id": "ws-x", "officer_id": "asmith", "first_seen_at": NOW.isoformat(), "nope": 1}
    with (
        raw_login(postgres, owner, "asmith") as alex,
        contextlib.suppress(psycopg.Error),  # it may fail; the attempt must be recorded
    ):
        insert(alex, "hubworkstation", [squat, poison])
    assert [officer for officer, _ in refusals_of(owner, "hubworkstation ws-squat")] == ["asmith"]


# --- the refusal record can be forestalled or pointed elsewhere --------------------------------


def test_a_desk_cannot_keep_its_own_refusal_off_the_record_by_its_predicted_id(
    postgres: PostgresCluster, owner: Hub
) -> None:
    item = f"case {case_id(2)}"
    predicted = hashlib.md5(f"ws-alex{item} {UNSEEN}".encode()).hexdigest()
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        insert(alex, "hubrefusal", [refusal(predicted)])
        assert update_hold(alex, case_id(2), "ws-alex") == 0
    forestalled = on_hub(owner, "SELECT item FROM hubrefusal WHERE id = :p", p=predicted)
    assert [tuple(row) for row in forestalled] == [("event retried",)]  # the desk's, kept
    assert refusals_of(owner, item) == [("asmith", "ws-alex")]


def test_a_desk_cannot_keep_another_officers_refusal_off_the_record(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A colleague covering for another: asmith's login files, in her own name and from her own
    workstation (all h026 checks), a refusal whose id is the one the hub will give bjones's
    attempt on asmith's case; bjones's attempt is then refused and recorded nowhere."""
    item = f"case {case_id(1)}"
    predicted = hashlib.md5(f"ws-bea{item} {UNSEEN}".encode()).hexdigest()
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        insert(alex, "hubrefusal", [refusal(predicted)])
    with raw_login(postgres, owner, "bjones") as bea:
        assert update_hold(bea, case_id(1), "ws-bea") == 0
    forestalled = on_hub(owner, "SELECT officer_id FROM hubrefusal WHERE id = :p", p=predicted)
    assert [tuple(row) for row in forestalled] == [("asmith",)]  # asmith's row holds the id
    assert refusals_of(owner, item) == [("bjones", "ws-bea")]


def test_a_refusal_record_does_not_name_another_officers_workstation(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """h026 refuses a `hubrefusal` row a desk files naming another officer's workstation, but
    the hub's own record of a refusal takes its workstation from `drp.origin`, which the desk
    sets: asmith's attempt on bjones's case is on the record as made from bjones's laptop."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        assert update_hold(alex, case_id(2), "ws-bea") == 0
    recorded = refusals_of(owner, f"case {case_id(2)}")
    assert recorded, "the attempt is on the record"
    assert all(workstation != "ws-bea" for _, workstation in recorded), recorded


def test_a_refusal_a_desk_files_itself_carries_the_hubs_time(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        with contextlib.suppress(psycopg.Error):  # refusing it outright is as good
            insert(alex, "hubrefusal", [refusal("backdated", received_at="2019-01-01T09:00:00")])
    found = on_hub(owner, "SELECT received_at FROM hubrefusal WHERE id = 'backdated'")
    assert all(not str(at).startswith("2019") for (at,) in found), found


def test_a_desk_login_cannot_write_a_refusal_in_the_hubs_own_voice(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A supervisor reading the record sees a refusal the hub itself made (not one a desk
    filed) of a write-off on bjones's case, from bjones's laptop."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        with contextlib.suppress(psycopg.Error), alex.transaction():
            alex.execute("SELECT set_config('drp.origin', 'ws-bea', true)")
            alex.execute(
                "SELECT drp_refused('writeoffrequest W-9', %s, 'approved without a supervisor')",
                (case_id(2),),
            )
    assert refusals_of(owner, "writeoffrequest W-9") == []


def test_a_refusal_a_desk_files_cannot_name_a_lookalike_of_another_officers_workstation(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        for n, lookalike in enumerate(("ws-bea ", "ws-bea\u200b", "WS-BEA")):
            with contextlib.suppress(psycopg.Error):
                insert(alex, "hubrefusal", [refusal(f"look-{n}", workstation_id=lookalike)])
    named = on_hub(owner, "SELECT workstation_id FROM hubrefusal WHERE id LIKE 'look-%'")
    assert named == [], named


# --- flooding the refusal record ----------------------------------------------------------------


def test_one_call_cannot_write_megabytes_into_the_refusal_record(
    postgres: PostgresCluster, owner: Hub
) -> None:
    rows = [{"id": f"{n}-" + "k" * 100_000, "hold_reason": "x"} for n in range(50)]
    with raw_login(postgres, owner, "asmith") as alex:
        try:
            with alex.transaction():
                alex.execute("SELECT drp_feed_lock()")
                alex.execute(
                    "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                    (json.dumps(rows),),
                )
        except psycopg.Error:
            pass  # refusing such a call is as good
    ((written,),) = on_hub(owner, "SELECT coalesce(sum(length(item)), 0) FROM hubrefusal")
    assert written < 100_000, f"{written} characters of refusal record from one call"


# --- what a desk learns of rows it cannot see ----------------------------------------------------


def test_an_event_id_only_a_hidden_event_holds_answers_as_a_fresh_id(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """asmith cannot read bjones's events, but `drp_desk_insert('hubevent', ...)` of a note on
    her own case answers 0 when bjones's case holds an event of that id and 1 for a fresh id:
    a desk asks whether any event id exists anywhere on the hub (and nothing is recorded)."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
        theirs = {**note("bea-secret", "ws-bea"), "officer_id": "bjones", "case_id": case_id(2)}
        assert insert(bea, "hubevent", [theirs]) == 1
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        assert alex.execute("SELECT count(*) FROM hubevent WHERE id = 'bea-secret'").fetchone() == (
            0,
        )
        taken = insert(alex, "hubevent", [note("bea-secret", "ws-alex")])
        fresh = insert(alex, "hubevent", [note("fresh-id", "ws-alex")])
    assert taken == fresh


# --- shapes the functions do not expect -----------------------------------------------------


def test_without_ignore_two_rows_of_one_key_in_a_batch_fail_the_call(
    postgres: PostgresCluster, owner: Hub
) -> None:
    row = {
        "id": "ws-dup",
        "officer_id": "asmith",
        "first_seen_at": NOW.isoformat(),
        "cursor": 0,
        "events_pushed": 0,
    }
    with (
        raw_login(postgres, owner, "asmith") as alex,
        pytest.raises(errors.UniqueViolation),
    ):
        alex.execute(
            "SELECT drp_desk_insert('hubworkstation', %s::jsonb, false)",
            (json.dumps([row, {**row, "cursor": 5}]),),
        )


# --- the hub's numbering: a desk picks the sequence numbers ---------------------------------------


def test_a_desk_cannot_stop_the_team_pulling_with_a_change_numbered_far_ahead(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    """The insert policy on `hubchange` asks only that its case be asmith's; every desk reads
    changes to officer rows (and a supervisor its team's). The change feed's high-water mark is
    the largest `seq` a desk reads, and its cursor is set to it: after asmith's one row, case 3
    allocated to bjones never reaches bjones's desk (nor anything else, until the hub's own
    numbering passes 10^15)."""
    bea_hub = officer_login(postgres, owner, "bjones")
    bea = desk(tmp_path, "bea")
    try:
        run_sync(bea, bea_hub, "bjones")
        far = {"seq": 10**15, "table_name": "officer", "row_key": "asmith", "case_id": case_id(1)}
        with raw_login(postgres, owner, "asmith") as alex, contextlib.suppress(psycopg.Error):
            insert(alex, "hubchange", [far])
        run_sync(bea, bea_hub, "bjones")
        allocate(owner, 3, "bjones")
        run_sync(bea, bea_hub, "bjones")
        assert case_officers(bea).get(reference(3)) == "bjones"
    finally:
        bea_hub.engine.dispose()


def test_a_desk_cannot_make_the_teams_pushes_fail_by_taking_the_next_event_numbers(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """asmith's own notes on her own case, numbered with the hub's next five numbers (on a
    working hub she guesses them: past the last event she reads, 10,000 a call): bjones's honest
    push of a note on his own case fails with a duplicate `seq`."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    ((following,),) = on_hub(  # the number the hub gives the next event (read as its owner)
        owner,
        "SELECT CASE WHEN s.is_called THEN s.last_value + 1 ELSE s.last_value END "
        "FROM hubevent_seq_seq s",
    )
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        numbers = range(int(following), int(following) + 5)
        squat = [{**note(f"squat-{n}", "ws-alex"), "seq": n} for n in numbers]
        with contextlib.suppress(psycopg.Error):
            insert(alex, "hubevent", squat)
    with raw_login(postgres, owner, "bjones") as bea:
        stage(bea, "honest", "bjones", case_id(2), "note.added")
        assert push(bea, "ws-bea") == {"honest": None}
    assert on_hub(owner, "SELECT officer_id FROM hubevent WHERE id = 'honest'") == [("bjones",)]


# --- two desks at once ----------------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="drp_keys_taken looks at committed rows only: a key another desk is inserting at "
    "that moment passes it, the batch's ON CONFLICT DO NOTHING waits for that desk and "
    "answers 0 where a fresh key answers 1",
)
def test_a_key_another_desk_is_inserting_answers_as_a_fresh_key(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """h026: an insert answers alike whether or not a row the desk cannot see holds the key.
    Not while that row is being written: bjones's desk registers a workstation in an open
    transaction, asmith's registration of the same id waits for it and answers 0 (a fresh id
    answers 1), so asmith learns the id bjones's desk is using, as it is being used."""

    def workstation(key: str) -> dict[str, Any]:
        return {
            "id": key,
            "officer_id": "asmith",
            "first_seen_at": NOW.isoformat(),
            "cursor": 0,
            "events_pushed": 0,
        }

    database = owner.url.database or ""
    answers: list[int | BaseException] = []
    with (
        psycopg.connect(postgres.url(database, user="bjones")) as bea,
        psycopg.connect(postgres.url(database, user="asmith"), autocommit=True) as alex,
    ):
        register(bea, "ws-race", "bjones")  # not committed yet
        alex_pid = alex.info.backend_pid

        def alex_registers() -> None:
            try:
                answers.append(insert(alex, "hubworkstation", [workstation("ws-race")]))
            except BaseException as exc:  # the main thread reports it
                answers.append(exc)

        thread = threading.Thread(target=alex_registers)
        thread.start()
        with postgres.owner(database) as watch:
            while not answers and watch.execute(
                "SELECT wait_event_type IS DISTINCT FROM 'Lock' FROM pg_stat_activity "
                "WHERE pid = %s",
                (alex_pid,),
            ).fetchone() == (True,):
                thread.join(0.01)
        bea.commit()
        thread.join()
        fresh = insert(alex, "hubworkstation", [workstation("ws-fresh")])
    assert on_hub(owner, "SELECT officer_id FROM hubworkstation WHERE id = 'ws-race'") == [
        ("bjones",)
    ]
    assert answers == [fresh]
