"""Hostile review of the desk write functions (session 6, review 19d; hub revision h023):
`drp_desk_insert` and `drp_desk_update` attacked with an officer's own PostgreSQL login (asmith),
as psql would use it. Each test reproduces one defect and is marked `xfail(strict=True)` until it
is fixed; a fixed one is a plain test. What held is in test_review19d_held.py."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg import errors

from drp_tui.sync.hub import Hub
from tests.hubteam import NOW, case_id, raw_login
from tests.postgres import PostgresCluster
from tests.test_review19c_found import on_hub, owner, register

__all__ = ["owner"]  # the fixture: asmith (case 1) in Recovery, bjones (case 2) in Fraud

Raw = psycopg.Connection[Any]


def note(event_id: str, workstation: str) -> dict[str, Any]:
    """A well-formed note on asmith's own case 1, in asmith's own name."""
    return {
        "id": event_id,
        "officer_id": "asmith",
        "at": NOW.isoformat(timespec="microseconds"),
        "case_id": case_id(1),
        "kind": "note.added",
        "payload": "{}",
        "prev_hash": "p",
        "hash": "h",
        "workstation_id": workstation,
        "received_at": NOW.isoformat(),
    }


def insert(connection: Raw, table: str, rows: list[dict[str, Any]]) -> int:
    found = connection.execute(
        "SELECT drp_desk_insert(%s, %s::jsonb)", (table, json.dumps(rows))
    ).fetchone()
    assert found is not None
    return int(found[0])


def test_a_desk_cannot_put_an_event_on_the_hub_under_another_officers_workstation(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """`drp_push_events` appends a desk's events under its own registered workstation only
    (h018), but `drp_desk_insert('hubevent', ...)` (the writer holds the INSERT desks had) took
    any `workstation_id`: bjones's, or one registered to no one. The hub's log check pairs
    anchors with events by workstation and hash, so another desk's chain could be muddled."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        assert insert(alex, "hubevent", [note("theirs", "ws-bea")]) == 0
        assert insert(alex, "hubevent", [note("nowhere", "ws-none")]) == 0
        assert insert(alex, "hubevent", [note("mine", "ws-alex")]) == 1
    placed = on_hub(owner, "SELECT id, workstation_id FROM hubevent ORDER BY id")
    assert [tuple(row) for row in placed] == [("mine", "ws-alex")]
    refusals = on_hub(owner, "SELECT item, reason FROM hubrefusal ORDER BY item")
    assert [item for item, _ in refusals] == ["event nowhere", "event theirs"]
    assert all("not registered to asmith" in reason for _, reason in refusals), refusals


def test_a_desk_update_of_another_officers_case_is_recorded_as_a_refusal(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """Row security hides bjones's case from asmith's UPDATE, so `drp_desk_update` changes
    nothing and returns 0; no refusal is recorded, so the security record never shows that
    asmith tried to change another officer's case (the inserts' checks record theirs)."""
    with raw_login(postgres, owner, "asmith") as alex, alex.transaction():
        alex.execute("SELECT drp_feed_lock()")
        changed = alex.execute(
            "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
            (json.dumps([{"id": case_id(2), "hold_reason": "mine now"}]),),
        ).fetchone()
    assert changed == (0,)
    assert on_hub(owner, 'SELECT hold_reason FROM "case" WHERE id = :c', c=case_id(2)) == [(None,)]
    recorded = on_hub(owner, "SELECT officer_id, item FROM hubrefusal")
    assert [tuple(row) for row in recorded] == [("asmith", f"case {case_id(2)}")]


def test_a_desk_write_call_refuses_an_oversized_batch(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A push sends at most BATCH (2,000) rows a call, but one call with 20,000 refused
    payments ran ~6 s and wrote 20,000 refusal records: nothing bounds a call's work or the
    records a desk can flood the security record with. Refused before any row is read (the
    rows here name no column at all, so this test stays quick)."""
    rows = [{"nope": number} for number in range(10_001)]
    with (
        raw_login(postgres, owner, "asmith") as alex,
        pytest.raises(errors.InvalidParameterValue, match="at most"),
    ):
        insert(alex, "payment", rows)
    with (
        raw_login(postgres, owner, "asmith") as alex,
        pytest.raises(errors.InvalidParameterValue, match="at most"),
    ):
        alex.execute(
            "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
            (json.dumps([{"id": str(number)} for number in range(10_001)]),),
        )


def test_a_desk_row_refused_by_row_security_is_still_on_the_record(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A workstation registered in bjones's name by asmith's login: the INSERT policy refused
    it by failing the statement, and the refusal's record went with it, unlike the check
    triggers' refusals (which skip the row and record it). `drp_desk_insert` now judges each
    row against the table's INSERT policies first (h026): the row is left out and recorded,
    the rest of the batch goes in, and the policy still judges the INSERT itself."""
    row = {"id": "ws-squat", "officer_id": "bjones", "first_seen_at": NOW.isoformat()}
    mine = {**row, "id": "ws-alex", "officer_id": "asmith"}
    with raw_login(postgres, owner, "asmith") as alex:
        sent = [{**r, "cursor": 0, "events_pushed": 0} for r in (row, mine)]
        assert insert(alex, "hubworkstation", sent) == 1
    placed = on_hub(owner, "SELECT id, officer_id FROM hubworkstation ORDER BY id")
    assert [tuple(r) for r in placed] == [("ws-alex", "asmith")]
    recorded = on_hub(owner, "SELECT officer_id, item, reason FROM hubrefusal")
    assert [tuple(r)[:2] for r in recorded] == [("asmith", "hubworkstation ws-squat")]
    assert "row security" in recorded[0][2]
