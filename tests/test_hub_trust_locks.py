"""A desk's own login changes hub rows (through the hub's write functions, h023) only while it
holds the feed lock (hub revision h020), and locks none itself (it has no UPDATE privilege, h023),
so no row lock of a stalled desk can stall the supervisor or the team: whoever waits for the
feed lock ends a desk session stalled holding it (h011)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg import errors
from sqlalchemy import text

from drp_tui.store.models import Case
from drp_tui.sync.hub import Hub
from tests.hubteam import (
    allocate,
    case_id,
    desk,
    officer_login,
    raw_login,
    run_sync,
    team_hub,
    under_feed_lock,
)
from tests.postgres import PostgresCluster


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    hub = team_hub(postgres.url(postgres.new_database()))
    allocate(hub, 1, "asmith")
    officer_login(postgres, hub, "asmith").engine.dispose()
    yield hub
    hub.engine.dispose()


def test_every_table_a_desk_may_update_it_locks_only_under_the_feed_lock(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """A table added later with UPDATE for the desks' write functions (the role they run as,
    h023) needs the same restrictive policy."""
    with postgres.owner(owner.url.database or "") as connection:
        unguarded = connection.execute(
            "SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
            "AND c.relkind = 'r' "
            "AND has_any_column_privilege('drp_desk_writer', c.oid, 'UPDATE') "
            "AND NOT (c.relrowsecurity AND EXISTS (SELECT 1 FROM pg_policy p "
            "WHERE p.polrelid = c.oid AND p.polname = 'desk_under_feed_lock' "
            "AND NOT p.polpermissive)) ORDER BY 1"
        ).fetchall()
    assert unguarded == []


@pytest.mark.parametrize(
    "statement",
    [
        'SELECT id FROM "case" WHERE id = %s FOR UPDATE',
        'SELECT id FROM "case" WHERE id = %s FOR NO KEY UPDATE',
        'SELECT id FROM "case" WHERE id = %s FOR SHARE',
        'SELECT id FROM "case" WHERE id = %s FOR KEY SHARE',
        'UPDATE "case" SET next_action_due = NULL WHERE id = %s RETURNING id',
    ],
)
def test_a_desk_login_locks_no_row_itself(
    postgres: PostgresCluster, owner: Hub, statement: str
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        with pytest.raises(errors.InsufficientPrivilege), alex.transaction():
            alex.execute(statement, (case_id(1),))
        with alex.transaction():  # as a push's write holds it: still none
            alex.execute("SELECT drp_feed_lock()")
            with pytest.raises(errors.InsufficientPrivilege), alex.transaction():
                alex.execute(statement, (case_id(1),))


def test_a_desk_login_changes_a_row_only_under_the_feed_lock(
    postgres: PostgresCluster, owner: Hub
) -> None:
    change = (
        "SELECT drp_desk_update('case', ARRAY['next_action_due'], %s::jsonb)",
        (json.dumps([{"id": case_id(1), "next_action_due": None}]),),
    )
    with raw_login(postgres, owner, "asmith") as alex:
        with alex.transaction():
            assert alex.execute(*change).fetchone() == (0,)
        with under_feed_lock(alex):  # as a push's write holds it: its own case, as before
            assert alex.execute(*change).fetchone() == (1,)


def test_a_desk_login_learns_its_case_moved_and_reads_nothing_more_of_it(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    """The officer a case moved from learns who has it now (drp_moved_cases), not what its
    new officer recorded on it since (h020)."""
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    allocate(owner, 1, "bjones")
    with owner.write() as connection:  # the new officer's work, before Alex's desk syncs
        connection.execute(
            text("UPDATE \"case\" SET hold_reason = 'in hospital' WHERE id = :c"), {"c": case_id(1)}
        )
    assert run_sync(alex, as_alex, "asmith").refused == 0
    with alex.read() as session:
        case = session.get(Case, case_id(1))
        assert case is not None
        assert (case.officer_id, case.hold_reason) == ("bjones", None)
    with as_alex.read() as connection:
        assert connection.execute(text('SELECT count(*) FROM "case"')).scalar_one() == 0
    as_alex.engine.dispose()
