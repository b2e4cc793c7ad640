"""The hub feeds arrangement_debt (store revision 0003): the debts an arrangement covers go
to the desks holding its case, like the arrangement. Frozen: later changes are new
migrations.

Revision ID: h002_arrangement_debts
Revises: h001
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "h002_arrangement_debts"
down_revision = "h001"
branch_labels = None
depends_on = None

FEED_LOCK = 7_262_001  # as h001: every write that feeds the change feed takes it
ORIGIN = "(SELECT workstation_id FROM huborigin WHERE id = 1)"
# Each table fed from this revision on and the case a row belongs to.
FED = {
    "arrangement_debt": ("(SELECT a.case_id FROM arrangement a WHERE a.id = {row}.arrangement_id)"),
}
KEY = ("arrangement_id", "debt_id")
COLUMNS = ("arrangement_id", "debt_id", "position", "amount")


def _feed_select(table: str, row: str) -> str:
    key = " || ' ' || ".join(f"{row}.{column}" for column in KEY)
    return (
        "INSERT INTO hubchange (table_name, row_key, case_id, origin, moved_from, moved_to) "
        f"SELECT '{table}', {key}, {FED[table].format(row=row)}, {ORIGIN}, NULL, NULL"
    )


def upgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in FED:
        if postgresql:
            match = " AND ".join(f"o.{column} = n.{column}" for column in KEY)
            bodies = {
                "insert": f"{_feed_select(table, 'n')} FROM new_rows n;",
                "update": f"{_feed_select(table, 'n')} FROM new_rows n JOIN old_rows o ON "
                f"{match} WHERE n IS DISTINCT FROM o;",
            }
            for action, body in bodies.items():
                name = f"hubchange_{table}_{action}"
                tables = "NEW TABLE AS new_rows" + (
                    " OLD TABLE AS old_rows" if action == "update" else ""
                )
                op.execute(
                    f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"PERFORM pg_advisory_xact_lock({FEED_LOCK}); {body} RETURN NULL; END $$"
                )
                op.execute(
                    f'CREATE TRIGGER {name} AFTER {action.upper()} ON "{table}" '
                    f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
                )
        else:
            op.execute(
                f'CREATE TRIGGER hubchange_{table}_insert AFTER INSERT ON "{table}" BEGIN '
                f"{_feed_select(table, 'NEW')}; END"
            )
            changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in COLUMNS)
            op.execute(
                f'CREATE TRIGGER hubchange_{table}_update AFTER UPDATE ON "{table}" WHEN '
                f"{changed} BEGIN {_feed_select(table, 'NEW')}; END"
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
