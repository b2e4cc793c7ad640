"""What was left of review 19d on the desk write functions (h023, h025), fixed in hub revision
h026: each refusal stays on the hub's record, and a desk's write tells it nothing of rows it
cannot see. Against a real PostgreSQL hub with asmith's and bjones's own logins."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest

from drp_tui.sync.common import insert_rows, raw_table
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub
from tests.hubteam import NOW, case_id, officer_login, raw_login
from tests.postgres import PostgresCluster
from tests.test_review19c_found import call, on_hub, owner, register

__all__ = ["owner"]  # the fixture: asmith (case 1) in Recovery, bjones (case 2) in Fraud

Raw = psycopg.Connection[Any]


def insert(connection: Raw, table: str, rows: list[dict[str, Any]], *ignore: bool) -> int:
    """`drp_desk_insert` as a desk's raw login calls it: its answer, the rows it counts."""
    placeholders = ", %s" if ignore else ""
    found = connection.execute(
        f"SELECT drp_desk_insert(%s, %s::jsonb{placeholders})", (table, json.dumps(rows), *ignore)
    ).fetchone()
    assert found is not None
    return int(found[0])


def refusals(owner: Hub) -> list[tuple[str, str]]:
    found = on_hub(owner, "SELECT officer_id, item FROM hubrefusal ORDER BY item")
    return [(str(officer), str(item)) for officer, item in found]


def test_a_desk_update_without_the_feed_lock_is_refused_and_recorded(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """h020's restrictive policy let a desk change a row only under the feed lock, so without
    it `drp_desk_update` of asmith's own case matched nothing and said nothing."""
    rows = json.dumps([{"id": case_id(1), "hold_reason": "no lock"}])
    with raw_login(postgres, owner, "asmith") as alex:
        changed = alex.execute(
            "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)", (rows,)
        ).fetchone()
    assert changed == (0,)
    assert on_hub(owner, 'SELECT hold_reason FROM "case" WHERE id = :c', c=case_id(1)) == [(None,)]
    assert refusals(owner) == [("asmith", f"case {case_id(1)}")]
    reasons = on_hub(owner, "SELECT reason FROM hubrefusal")
    assert "feed lock" in reasons[0][0]


def test_a_desk_insert_answers_alike_whether_or_not_a_row_it_cannot_see_has_the_key(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """ON CONFLICT DO NOTHING answered 0 for a key a row on bjones's case holds and 1 for a
    fresh key: asmith could ask whether any id exists anywhere on the hub. Now both answer 1,
    with or without ignore, nothing of bjones's changes, and each clash is on the record."""
    theirs = [{**call(key, "bjones"), "case_id": case_id(2)} for key in ("hidden-a", "hidden-b")]
    with raw_login(postgres, owner, "bjones") as bea:
        assert insert(bea, "contactattempt", theirs) == 2
    with raw_login(postgres, owner, "asmith") as alex:
        answers = {
            key: (
                insert(alex, "contactattempt", [call(f"{key}-a", "asmith")]),
                insert(alex, "contactattempt", [call(f"{key}-b", "asmith")], False),
            )
            for key in ("hidden", "fresh")
        }
        # A key asmith can read answers as it did: already there (0).
        assert insert(alex, "contactattempt", [call("fresh-a", "asmith")]) == 0
        # The owner's-eyes look the write function takes is not hers to take.
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            alex.execute(
                "SELECT drp_keys_taken('contactattempt', %s::jsonb)",
                (json.dumps([{"id": "hidden-a"}]),),
            )
    assert answers["hidden"] == answers["fresh"] == (1, 1), answers
    held = on_hub(owner, "SELECT id, case_id FROM contactattempt ORDER BY id")
    assert [tuple(r) for r in held] == [
        ("fresh-a", case_id(1)),
        ("fresh-b", case_id(1)),
        ("hidden-a", case_id(2)),
        ("hidden-b", case_id(2)),
    ]
    assert refusals(owner) == [
        ("asmith", "contactattempt hidden-a"),
        ("asmith", "contactattempt hidden-b"),
    ]


def test_a_desk_cannot_file_a_refusal_under_another_officers_workstation(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """hubrefusal's INSERT policy checked the officer only: asmith could file refusals under
    bjones's workstation, muddling the record of what came from where."""
    with raw_login(postgres, owner, "bjones") as bea:
        register(bea, "ws-bea", "bjones")
    filed = {
        "officer_id": "asmith",
        "item": "event x",
        "reason": "filed by hand",
        "received_at": NOW.isoformat(),
    }
    with raw_login(postgres, owner, "asmith") as alex:
        register(alex, "ws-alex", "asmith")
        sent = [
            {**filed, "id": "as-bea", "workstation_id": "ws-bea"},
            {**filed, "id": "as-alex", "workstation_id": "ws-alex"},
        ]
        assert insert(alex, "hubrefusal", sent) == 1
    held = on_hub(owner, "SELECT id, workstation_id, item FROM hubrefusal ORDER BY id")
    assert [tuple(r) for r in held if r[0] in ("as-alex", "as-bea")] == [
        ("as-alex", "ws-alex", "event x")
    ]
    assert ("asmith", "hubrefusal as-bea") in refusals(owner)
    with raw_login(postgres, owner, "asmith") as alex, pytest.raises(psycopg.Error):
        alex.execute("SELECT drp_workstation_of_another('ws-bea')")  # not hers to ask


def test_a_desk_insert_not_ignoring_fails_loudly_on_a_key_already_there_as_the_owners_does(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """`insert_rows(..., ignore=False)` went to `drp_desk_insert`, which always ignored."""
    table = raw_table("contactattempt")
    desk = officer_login(postgres, owner, "asmith")
    try:
        for hub in (owner, desk):
            with hub.write() as connection:
                insert_rows(connection, table, [call("twice", "asmith")], ignore=False)
            with pytest.raises(HubError, match="duplicate key"), hub.write() as connection:
                insert_rows(connection, table, [call("twice", "asmith")], ignore=False)
            with hub.write() as connection:  # ignoring, it is left as it is
                insert_rows(connection, table, [call("twice", "asmith")])
            with owner.write() as connection:
                connection.execute(raw_table("contactattempt").delete())
    finally:
        desk.engine.dispose()
    assert refusals(owner) == []


def test_every_table_a_desk_adds_to_has_its_row_security_judged_row_by_row(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """`drp_desk_insert` rebuilds each table's INSERT policies from `pg_policy` (h026): every
    table the writer adds to takes a row through them, whatever the policy's expression, and a
    row none of them admits is recorded rather than failing the statement."""
    tables = on_hub(
        owner,
        "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
        "AND c.relkind = 'r' AND c.relrowsecurity "
        "AND has_table_privilege('drp_desk_writer', c.oid, 'INSERT') ORDER BY 1",
    )
    assert len(tables) > 10
    answers = {}
    with raw_login(postgres, owner, "asmith") as alex:
        for (table,) in tables:
            keys = alex.execute(
                "SELECT a.attname, format_type(a.atttypid, NULL) FROM pg_index i "
                "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey) "
                "WHERE i.indrelid = %s::regclass AND i.indisprimary",
                (f'"{table}"',),
            ).fetchall()
            row = {str(key): 1 if kind == "bigint" else "probe" for key, kind in keys}
            with alex.transaction(force_rollback=True):  # a row of its keys only: not admitted
                answers[str(table)] = insert(alex, str(table), [row])
    assert answers == dict.fromkeys(answers, 0)
