"""The hub's first schema: pushed events, the change feed and the triggers that fill it,
allocation history, workstations, conflicts and refusals. Frozen: later changes are new
migrations.

Revision ID: h001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h001"
down_revision = None
branch_labels = None
depends_on = None

# Serialises every write that feeds the change feed, so feed numbers are in commit order and
# a workstation's cursor can never pass a change that commits later with a lower number.
FEED_LOCK = 7_262_001
ORIGIN = "(SELECT workstation_id FROM huborigin WHERE id = 1)"
BY_PERSON = '(SELECT c.id FROM "case" c WHERE c.person_id = {row}.person_id)'
BY_DEBT = "(SELECT d.case_id FROM debt d WHERE d.id = {row}.debt_id)"
# Each fed table and the case a row belongs to, as of this revision.
FED = {
    "officer": "NULL",
    "agency": "NULL",
    "person": '(SELECT c.id FROM "case" c WHERE c.person_id = {row}.id)',
    "address": BY_PERSON,
    "phone": BY_PERSON,
    "case": "{row}.id",
    "debt": "{row}.case_id",
    "debtparty": BY_DEBT,
    "contactattempt": "{row}.case_id",
    "promise": "{row}.case_id",
    "arrangement": "{row}.case_id",
    "instalment": "(SELECT a.case_id FROM arrangement a WHERE a.id = {row}.arrangement_id)",
    "assessment": "{row}.case_id",
    "placement": BY_DEBT,
    "payment": BY_DEBT,
    "vulnerability": BY_PERSON,
    "breathingspace": BY_PERSON,
    "writeoffrequest": BY_DEBT,
    "event": "{row}.case_id",
    "hubevent": "{row}.case_id",
}
APPEND_ONLY = ("event", "hubevent")


def _key(table: str, row: str) -> str:
    if table == "debtparty":
        return f"{row}.debt_id || ' ' || {row}.person_id"
    return f"{row}.id"


def _moves(table: str, new: str, old: str | None) -> tuple[str, str]:
    if table != "case":
        return "NULL", "NULL"
    if old is None:
        return "NULL", f"{new}.officer_id"
    changed = f"{old}.officer_id IS DISTINCT FROM {new}.officer_id"
    return (
        f"CASE WHEN {changed} THEN {old}.officer_id END",
        f"CASE WHEN {changed} THEN {new}.officer_id END",
    )


def _feed_select(table: str, new: str, old: str | None) -> str:
    moved_from, moved_to = _moves(table, new, old)
    return (
        "INSERT INTO hubchange (table_name, row_key, case_id, origin, moved_from, moved_to) "
        f"SELECT '{table}', {_key(table, new)}, {FED[table].format(row=new)}, {ORIGIN}, "
        f"{moved_from}, {moved_to}"
    )


def _postgresql_triggers(table: str) -> None:
    quoted = f'"{table}"'
    allocation = (
        "INSERT INTO huballocation (case_id, officer_id) SELECT n.id, n.officer_id "
        "FROM new_rows n WHERE n.officer_id IS NOT NULL ON CONFLICT DO NOTHING;"
        if table == "case"
        else ""
    )
    bodies = {"insert": f"{_feed_select(table, 'n', None)} FROM new_rows n; {allocation}"}
    if table not in APPEND_ONLY:
        match = " AND ".join(
            f"o.{column} = n.{column}"
            for column in (("debt_id", "person_id") if table == "debtparty" else ("id",))
        )
        bodies["update"] = (
            f"{_feed_select(table, 'n', 'o')} FROM new_rows n JOIN old_rows o ON {match} "
            f"WHERE n IS DISTINCT FROM o; {allocation}"
        )
    for action, body in bodies.items():
        name = f"hubchange_{table}_{action}"
        tables = "NEW TABLE AS new_rows" + (" OLD TABLE AS old_rows" if action == "update" else "")
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"PERFORM pg_advisory_xact_lock({FEED_LOCK}); {body} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {action.upper()} ON {quoted} "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _sqlite_triggers(table: str, columns: list[str]) -> None:
    quoted = f'"{table}"'
    allocation = (
        "INSERT OR IGNORE INTO huballocation (case_id, officer_id) "
        "SELECT NEW.id, NEW.officer_id WHERE NEW.officer_id IS NOT NULL;"
        if table == "case"
        else ""
    )
    op.execute(
        f"CREATE TRIGGER hubchange_{table}_insert AFTER INSERT ON {quoted} BEGIN "
        f"{_feed_select(table, 'NEW', None)}; {allocation} END"
    )
    if table in APPEND_ONLY:
        return
    changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in columns)
    op.execute(
        f"CREATE TRIGGER hubchange_{table}_update AFTER UPDATE ON {quoted} WHEN {changed} BEGIN "
        f"{_feed_select(table, 'NEW', 'OLD').replace(' IS DISTINCT FROM ', ' IS NOT ')}; "
        f"{allocation} END"
    )


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "hubevent",
        sa.Column("seq", seq, nullable=False, autoincrement=True),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("workstation_id", sa.String(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    op.create_index("ix_hubevent_case_id", "hubevent", ["case_id"])
    op.create_index("ix_hubevent_workstation_id", "hubevent", ["workstation_id"])
    op.create_table(
        "hubchange",
        sa.Column("seq", seq, nullable=False, autoincrement=True),
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("row_key", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("origin", sa.String(), nullable=True),
        sa.Column("moved_from", sa.String(), nullable=True),
        sa.Column("moved_to", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_hubchange_case_id", "hubchange", ["case_id"])
    op.create_index("ix_hubchange_moved_from", "hubchange", ["moved_from"])
    op.create_table(
        "huballocation",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("case_id", "officer_id"),
    )
    op.create_table(
        "hubworkstation",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.Text(), nullable=False),
        sa.Column("last_push_at", sa.Text(), nullable=True),
        sa.Column("last_pull_at", sa.Text(), nullable=True),
        sa.Column("cursor", sa.BigInteger(), nullable=False),
        sa.Column("events_pushed", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "hubconflict",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("workstation_id", sa.String(), nullable=True),
        sa.Column("flagged_at", sa.Text(), nullable=False),
        sa.Column("resolved_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_hubconflict_case_id", "hubconflict", ["case_id"])
    op.create_table(
        "hubrefusal",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("workstation_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("item", sa.String(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "huborigin",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=False),
        sa.Column("workstation_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute("INSERT INTO huborigin (id, workstation_id) VALUES (1, NULL)")

    bind = op.get_bind()
    inspector = sa.inspect(bind)
    for table in FED:
        if bind.dialect.name == "postgresql":
            _postgresql_triggers(table)
        else:
            _sqlite_triggers(table, [c["name"] for c in inspector.get_columns(table)])
    # A store file made into a hub already holds officers and allocated cases: feed them, as
    # the triggers would have, so each desk's first sync brings its cases whole.
    op.execute(
        'INSERT INTO huballocation (case_id, officer_id) SELECT id, officer_id FROM "case" '
        "WHERE officer_id IS NOT NULL"
    )
    for table in ("officer", "agency"):
        op.execute(
            "INSERT INTO hubchange (table_name, row_key) "
            f"SELECT '{table}', id FROM {table} ORDER BY id"
        )
    op.execute(
        "INSERT INTO hubchange (table_name, row_key, case_id, moved_to) "
        "SELECT 'case', id, id, officer_id FROM \"case\" WHERE officer_id IS NOT NULL ORDER BY id"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in FED:
        for action in ("insert", "update"):
            name = f"hubchange_{table}_{action}"
            if postgresql:
                op.execute(f'DROP TRIGGER IF EXISTS {name} ON "{table}"')
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
    for table in (
        "huborigin",
        "hubrefusal",
        "hubconflict",
        "hubworkstation",
        "huballocation",
        "hubchange",
        "hubevent",
    ):
        op.drop_table(table)
