"""A desk's own login cannot write any hub table itself (issue 19, item 3: "a desk role cannot
INSERT/UPDATE/DELETE hub tables"): every row it sends goes through the hub's own functions
(`drp_desk_insert`, `drp_desk_update`, hub revision h023), which write as a role no one logs
in as, under the same row security and checks as before; events go up staged (h006). Only
the staging table takes a desk's INSERT. Distinct officers' login roles on a real cluster."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import text

from drp_tui.sync.hub import Hub
from tests.hubteam import (
    SUPERVISOR,
    allocate,
    case_id,
    debt_id,
    desk_insert,
    officer_login,
    raw_login,
    team_hub,
)
from tests.postgres import PostgresCluster

STAGING = "hubstage_event"  # the staged push's way in (h006): a desk's INSERT only


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    yield hub
    hub.engine.dispose()


def hub_tables(owner: Hub) -> dict[str, str]:
    """Every table of the hub, with its first column."""
    with owner.read() as connection:
        rows = connection.execute(
            text(
                "SELECT c.relname, (SELECT a.attname FROM pg_attribute a WHERE a.attrelid = c.oid "
                "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum LIMIT 1) "
                "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace "
                "AND c.relkind IN ('r', 'p') ORDER BY c.relname"
            )
        ).all()
    return {str(table): str(column) for table, column in rows}


def refused(connection: psycopg.Connection[Any], statement: str) -> bool:
    """Whether `statement` is refused for want of a privilege (rolled back either way)."""
    try:
        with connection.transaction(force_rollback=True):
            connection.execute(statement)
    except errors.InsufficientPrivilege:
        return True
    except psycopg.Error:  # past the privilege check: a constraint or a check refused it
        return False
    return False


@pytest.mark.parametrize("officer", ["asmith", SUPERVISOR])
def test_a_desk_login_cannot_insert_update_or_delete_any_hub_table(
    postgres: PostgresCluster, owner: Hub, officer: str
) -> None:
    tables = hub_tables(owner)
    assert {"case", "payment", "hubevent", "hubchange", "hubrefusal", STAGING} <= set(tables)
    officer_login(postgres, owner, officer).engine.dispose()
    allowed: list[str] = []
    with raw_login(postgres, owner, officer) as connection:
        for table, column in tables.items():
            statements = {
                "INSERT": f'INSERT INTO public."{table}" DEFAULT VALUES',
                "UPDATE": f'UPDATE public."{table}" SET "{column}" = "{column}"',
                "DELETE": f'DELETE FROM public."{table}"',
                "TRUNCATE": f'TRUNCATE public."{table}"',
            }
            for action, statement in statements.items():
                if (table, action) == (STAGING, "INSERT"):
                    continue
                if not refused(connection, statement):
                    allowed.append(f"{action} {table}")
    assert allowed == []


def test_a_desk_login_may_only_stage_events(postgres: PostgresCluster, owner: Hub) -> None:
    officer_login(postgres, owner, "asmith").engine.dispose()
    with owner.read() as connection:
        granted = connection.execute(
            text(
                "SELECT c.relname, p.privilege FROM pg_class c "
                "CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(privilege) "
                "WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
                "AND (has_table_privilege('asmith', c.oid, p.privilege) "
                "OR (p.privilege IN ('INSERT', 'UPDATE') "
                "AND has_any_column_privilege('asmith', c.oid, p.privilege)))"
            )
        ).all()
    assert granted == [(STAGING, "INSERT")]


def test_the_desk_write_functions_write_only_what_a_desk_could(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """They write as `drp_desk_writer`, which holds the privileges desks had: no officer, no
    balance, no allocation, and an update goes by the table's primary key only."""
    officer_login(postgres, owner, "asmith").engine.dispose()
    with raw_login(postgres, owner, "asmith") as connection:
        for call, rows in (
            ("drp_desk_insert('officer', %s)", [{"id": "x", "name": "X", "role": "supervisor"}]),
            ("drp_desk_update('debt', ARRAY['balance'], %s)", [{"id": "d", "balance": 0}]),
            ("drp_desk_update('case', ARRAY['officer_id'], %s)", [{"id": case_id(1)}]),
            ("drp_desk_insert('huballocation', %s)", [{"case_id": "c", "officer_id": "asmith"}]),
        ):
            assert refused(connection, f"SELECT {call}".replace("%s", _json(rows))), call
        with pytest.raises(errors.InvalidParameterValue, match="primary key"):
            connection.execute(
                "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                (json.dumps([{"reference": "C0000001", "hold_reason": "x"}]),),
            )


def test_drp_desk_writer_is_never_an_officers_desk_login(
    postgres: PostgresCluster, owner: Hub
) -> None:
    from drp_tui.sync.errors import HubError
    from drp_tui.sync.roles import ensure_login_role, set_password

    with pytest.raises(HubError, match="drp will not make it a desk login"):
        ensure_login_role(owner, "drp_desk_writer")
    with pytest.raises(HubError, match="drp will not make it a desk login"):
        set_password(owner, "drp_desk_writer", "secret")
    with owner.read() as connection:
        assert (
            connection.execute(
                text("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'drp_desk_writer'")
            ).scalar_one()
            is False
        )


def _json(rows: list[dict[str, Any]]) -> str:
    return "'" + json.dumps(rows).replace("'", "''") + "'::jsonb"


def test_a_refused_row_sent_without_its_key_is_still_recorded(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """Its item was NULL, so recording the refusal failed and the security record lost it."""
    officer_login(postgres, owner, "asmith").engine.dispose()
    with raw_login(postgres, owner, "asmith") as connection:
        desk_insert(connection, "payment", {"debt_id": debt_id(2), "amount": 100})
    with owner.read() as connection:
        recorded = connection.execute(text("SELECT officer_id, item, reason FROM hubrefusal")).all()
    assert [tuple(r) for r in recorded] == [
        ("asmith", "(a row without its key)", "case never allocated to this officer")
    ]
