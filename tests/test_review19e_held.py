"""Hostile review of hub revision h026 (session 7, review 19e): what held when the desk write
functions were attacked with an officer's own PostgreSQL login (asmith; bjones the colleague).
The defects found are in test_review19e_found.py."""

from __future__ import annotations

import json
from typing import Any

import psycopg
from psycopg import errors

from drp_tui.sync.hub import Hub
from tests.hubteam import NOW, case_id, raw_login
from tests.postgres import PostgresCluster
from tests.test_review19c_found import on_hub, owner, register
from tests.test_review19d_found import insert

__all__ = ["owner"]  # the fixture: asmith (case 1) in Recovery, bjones (case 2) in Fraud

Raw = psycopg.Connection[Any]


def refused(connection: Raw, statement: str, *params: Any) -> type[Exception] | None:
    """The error `statement` fails with (rolled back either way), None if it runs."""
    try:
        with connection.transaction(force_rollback=True):
            connection.execute(statement, params)
    except psycopg.Error as error:
        return type(error)
    return None


def test_a_desk_learns_nothing_from_the_refusal_record_or_the_hubs_helpers(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """The refusal record is not a desk's to read back, and the hub's owner's-eyes helpers
    (who holds a key, whose a workstation is) are its writer's to run, not a desk login's
    (`drp_refused` is not: test_review19e_found.py)."""
    with raw_login(postgres, owner, "asmith") as alex:
        assert refused(alex, "SELECT count(*) FROM hubrefusal") is errors.InsufficientPrivilege
        for call in (
            "SELECT drp_keys_taken('hubevent'::regclass, '[]'::jsonb)",
            "SELECT drp_workstation_of_another('ws-bea')",
        ):
            assert refused(alex, call) is errors.InsufficientPrivilege, call


def test_a_desk_cannot_change_a_cases_unique_columns_to_probe_other_cases(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A unique column a desk could set would answer whether another case holds a value (a
    duplicate-key error): `drp_desk_update` of its own case's reference or person is refused
    for want of the column privilege, whatever the value, and nothing changes."""
    before = on_hub(owner, 'SELECT reference, person_id FROM "case" WHERE id = :c', c=case_id(1))
    theirs = on_hub(owner, 'SELECT reference, person_id FROM "case" WHERE id = :c', c=case_id(2))
    with raw_login(postgres, owner, "asmith") as alex:
        for column, value in (
            ("reference", theirs[0][0]),
            ("reference", "C9999999"),
            ("person_id", theirs[0][1]),
        ):
            with alex.transaction(force_rollback=True):
                alex.execute("SELECT drp_feed_lock()")
                failed = refused(
                    alex,
                    "SELECT drp_desk_update('case', %s, %s::jsonb)",
                    [column],
                    json.dumps([{"id": case_id(1), column: value}]),
                )
            assert failed is errors.InsufficientPrivilege, (column, value)
    after = on_hub(owner, 'SELECT reference, person_id FROM "case" WHERE id = :c', c=case_id(1))
    assert after == before


def test_rows_of_the_wrong_shape_fail_the_call_and_write_nothing(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        for rows in ('{"id": "x"}', "[1]", '[["id", "x"]]', "[null]", "null"):
            failed = refused(alex, "SELECT drp_desk_insert('contactattempt', %s::jsonb)", rows)
            assert failed is not None, rows
            failed = refused(
                alex,
                "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                rows,
            )
            assert failed is not None, rows
        assert insert(alex, "contactattempt", []) == 0
    assert on_hub(owner, "SELECT count(*) FROM contactattempt") == [(0,)]
    assert on_hub(owner, "SELECT count(*) FROM hubrefusal") == [(0,)]


def test_a_refusal_a_desk_files_naming_another_officers_workstation_is_refused_and_kept(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """h026's restrictive policy, judged row by row: the row naming bjones's workstation is
    left out and recorded, the desk's own in the same batch goes in."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    row = {
        "officer_id": "asmith",
        "item": "event x",
        "reason": "sent twice",
        "received_at": NOW.isoformat(),
    }
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        sent = [
            {**row, "id": "framed", "workstation_id": "ws-bea"},
            {**row, "id": "own", "workstation_id": "ws-alex"},
        ]
        assert insert(alex, "hubrefusal", sent) == 1
    kept = on_hub(owner, "SELECT id, workstation_id, item FROM hubrefusal ORDER BY id")
    assert [tuple(r)[:2] for r in kept] == [
        (kept[0][0], "(unknown)"),
        ("own", "ws-alex"),
    ]
    assert kept[0][2] == "hubrefusal framed"
