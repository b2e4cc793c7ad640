"""Hostile review 19d of the desk write functions (h023): what a desk's own login (asmith)
tried and what held, kept as plain tests so a later change cannot open it again. The defects
found are in test_review19d_found.py."""

from __future__ import annotations

import json
from typing import Any

import psycopg
import pytest
from psycopg import errors

from drp_tui.sync.hub import Hub
from tests.hubteam import case_id, raw_login
from tests.postgres import PostgresCluster
from tests.test_review19c_found import on_hub, owner

__all__ = ["owner"]  # the fixture: asmith (case 1) in Recovery, bjones (case 2) in Fraud

Raw = psycopg.Connection[Any]

NAMED = (  # a table named any way but by its own bare name is no hub table
    'public."case"',
    '"case"',
    "pg_catalog.pg_authid",
    "pg_authid",
    'case" (id) SELECT 1; --',
)
NEVER = (  # hub tables no desk writes, by any way in
    "event",
    "hubremoval",
    "officer",
    "huballocation",
    "hub_alembic_version",
    "syncstate",
    "huborigin",
    "debt",
)


def refusal(connection: Raw, sql: str, *params: Any) -> type[psycopg.Error] | None:
    try:
        with connection.transaction(force_rollback=True):
            connection.execute(sql, params or None)
    except psycopg.Error as exc:
        return type(exc)
    return None


def first_column(owner: Hub, table: str) -> str:
    rows = on_hub(
        owner,
        "SELECT attname FROM pg_attribute WHERE attrelid = CAST(:t AS regclass) "
        "AND attnum > 0 AND NOT attisdropped ORDER BY attnum LIMIT 1",
        t=f'public."{table}"',
    )
    return str(rows[0][0])


def test_a_desk_names_only_the_hub_tables_it_may_write(
    postgres: PostgresCluster, owner: Hub
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        for named in NAMED:
            rows = json.dumps([{"id": "x"}])
            assert refusal(alex, "SELECT drp_desk_insert(%s, %s::jsonb)", named, rows) is (
                errors.UndefinedTable
            ), named
        for table in NEVER:
            rows = json.dumps([{first_column(owner, table): None}])
            assert refusal(alex, "SELECT drp_desk_insert(%s, %s::jsonb)", table, rows) is (
                errors.InsufficientPrivilege
            ), table
            update = "SELECT drp_desk_update(%s, ARRAY[%s], %s::jsonb)"
            column = first_column(owner, table)
            assert refusal(alex, update, table, column, rows) in (
                errors.InsufficientPrivilege,
                errors.InvalidParameterValue,  # no primary key: nothing to name a row by
            ), table


@pytest.mark.parametrize(
    "statement",
    [
        "SET ROLE drp_desk_writer",
        "GRANT drp_desk_writer TO asmith",
        "ALTER FUNCTION drp_desk_insert(text, jsonb) OWNER TO asmith",
        "CREATE FUNCTION public.format(text, text) RETURNS text LANGUAGE sql AS 'SELECT $2'",
        'DELETE FROM "case"',
        "TRUNCATE hubrefusal",
    ],
)
def test_a_desk_cannot_become_or_reshape_the_writer(
    postgres: PostgresCluster, owner: Hub, statement: str
) -> None:
    with raw_login(postgres, owner, "asmith") as alex:
        assert refusal(alex, statement) is errors.InsufficientPrivilege


def test_a_desks_temporary_tables_shadow_nothing_the_hub_checks(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """pg_temp comes last in every hub function's search_path: a temporary `officer` making
    asmith a Fraud supervisor, or a temporary `case` giving asmith bjones's case, is not read."""
    with raw_login(postgres, owner, "asmith") as alex:
        alex.execute("CREATE TEMP TABLE officer AS SELECT * FROM public.officer")
        alex.execute("UPDATE pg_temp.officer SET role = 'supervisor', team = 'Fraud'")
        alex.execute('CREATE TEMP TABLE "case" AS SELECT * FROM public."case"')
        alex.execute("UPDATE pg_temp.\"case\" SET officer_id = 'asmith'")
        alex.execute("SET search_path = pg_temp, public")
        seen = alex.execute(
            "SELECT public.drp_is_supervisor(), (SELECT array_agg(c) FROM public.drp_my_cases() c)"
        ).fetchone()
        assert seen == (False, [case_id(1)])
        with alex.transaction():
            alex.execute("SELECT public.drp_feed_lock()")
            changed = alex.execute(
                "SELECT public.drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                (json.dumps([{"id": case_id(2), "hold_reason": "mine"}]),),
            ).fetchone()
        assert changed == (0,)
    assert on_hub(owner, 'SELECT hold_reason FROM "case" WHERE id = :c', c=case_id(2)) == [(None,)]


def test_a_desks_session_settings_switch_off_no_check(
    postgres: PostgresCluster, owner: Hub
) -> None:
    """Triggers cannot be switched off (`session_replication_role` is a superuser's), and with
    row security off the write is refused outright rather than let through."""
    with raw_login(postgres, owner, "asmith") as alex:
        assert (
            refusal(alex, "SET session_replication_role = replica") is errors.InsufficientPrivilege
        )
        alex.execute("SET row_security = off")
        with alex.transaction(force_rollback=True):
            alex.execute("SELECT drp_feed_lock()")
            with pytest.raises(errors.InsufficientPrivilege, match="row-level security"):
                alex.execute(
                    "SELECT drp_desk_update('case', ARRAY['hold_reason'], %s::jsonb)",
                    (json.dumps([{"id": case_id(2), "hold_reason": "mine"}]),),
                )
    assert on_hub(owner, 'SELECT hold_reason FROM "case" WHERE id = :c', c=case_id(2)) == [(None,)]
