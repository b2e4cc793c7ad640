"""The hub's event tables are append-only (issue 19): `hubevent` (what desks pushed) refuses
UPDATE and DELETE, and on PostgreSQL both it and the hub's `event` refuse TRUNCATE (the store
schema already refuses UPDATE and DELETE on `event`). The triggers stop the hub's owner too;
and nobody but the owner is granted anything but reading and appending. Frozen: later changes
are new migrations.

Revision ID: h004_append_only_events
Revises: h003_authorities
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h004_append_only_events"
down_revision = "h003_authorities"
branch_labels = None
depends_on = None

MESSAGE = "the event log is append-only"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER hubevent_no_{action.lower()} BEFORE {action} ON hubevent "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        return
    op.execute(
        "CREATE FUNCTION hubevent_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER hubevent_no_{action.lower()} BEFORE {action} ON hubevent "
            "FOR EACH ROW EXECUTE FUNCTION hubevent_append_only()"
        )
    for table in ("hubevent", "event"):
        op.execute(
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION hubevent_append_only()"
        )
        op.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM PUBLIC")


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for action in ("update", "delete"):
        on = " ON hubevent" if postgresql else ""
        op.execute(f"DROP TRIGGER IF EXISTS hubevent_no_{action}{on}")
    if postgresql:
        for table in ("hubevent", "event"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
        op.execute("DROP FUNCTION IF EXISTS hubevent_append_only()")
