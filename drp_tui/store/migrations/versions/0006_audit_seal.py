"""audit_seal: what an import or an allocation set row by row (balances, officers), one JSON
object per event (row id -> value) sealed by the digest in its event, so `drp audit verify`
can check the state tables against the events (issue 20). One text per event rather than a
row per value: a million values cost about a second to write, not five. Append-only, like
the event log. Frozen: later changes are new migrations.

Revision ID: 0006_audit_seal
Revises: 0005_phone_index
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_audit_seal"
down_revision = "0005_phone_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_seal",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "kind"),
    )
    if op.get_bind().dialect.name == "postgresql":  # a team hub
        op.execute(
            "CREATE FUNCTION audit_seal_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit seals are append-only'; END $$"
        )
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_seal_no_{action.lower()} BEFORE {action} ON audit_seal "
                "FOR EACH ROW EXECUTE FUNCTION audit_seal_append_only()"
            )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER audit_seal_no_{action.lower()} BEFORE {action} ON audit_seal "
            "BEGIN SELECT RAISE(ABORT, 'audit seals are append-only'); END"
        )


def downgrade() -> None:
    on_table = " ON audit_seal" if op.get_bind().dialect.name == "postgresql" else ""
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_seal_no_{action}{on_table}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS audit_seal_append_only()")
    op.drop_table("audit_seal")
