"""The hub feeds thirdpartyauthority (store revision 0004): who a debtor has authorised to
speak for them, and the ending of it, go to the desks holding the debtor's case. Frozen:
later changes are new migrations.

Revision ID: h003_authorities
Revises: h002_arrangement_debts
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h003_authorities"
down_revision = "h002_arrangement_debts"
branch_labels = None
depends_on = None

FEED_LOCK = 7_262_001  # as h001: every write that feeds the change feed takes it
ORIGIN = "(SELECT workstation_id FROM huborigin WHERE id = 1)"
# Each table fed from this revision on and the case a row belongs to.
FED = {"thirdpartyauthority": '(SELECT c.id FROM "case" c WHERE c.person_id = {row}.person_id)'}
KEY = ("id",)
COLUMNS = (
    "id",
    "person_id",
    "name",
    "relationship",
    "scope",
    "until",
    "recorded_by",
    "recorded_at",
    "consent",
    "consent_ref",
    "call_id",
    "ended_at",
    "ended_by",
    "end_reason",
    "risk_confirmed",
)


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
