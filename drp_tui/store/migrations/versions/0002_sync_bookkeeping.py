"""Sync bookkeeping on a workstation: its place in the hub's change feed, the rows changed here
and not yet pushed (kept by triggers, so no code path can forget), and the events pulled from
other desks. Frozen: later changes are new migrations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# Rows a workstation creates, and the columns of existing rows it may change, as of this
# revision (drp_tui/sync/tables.py is the live list; a test keeps the two in step).
CREATED_HERE = (
    "contactattempt",
    "promise",
    "arrangement",
    "instalment",
    "assessment",
    "placement",
    "payment",
    "vulnerability",
    "breathingspace",
    "writeoffrequest",
)
CHANGED_HERE = {
    "person": ("deceased_on",),
    "phone": ("status",),
    "case": ("hold_kind", "hold_reason", "hold_until", "next_action_due", "updated_at"),
    "contactattempt": (
        "ended_at",
        "outcome_code",
        "right_party",
        "idv_result",
        "abandon_reason",
        "notes",
    ),
    "promise": ("status",),
    "arrangement": ("status", "status_reason", "status_changed_at"),
    "instalment": ("paid",),
    "placement": ("status", "returned_on", "return_reason"),
    "vulnerability": ("review_on", "notes"),
    "breathingspace": ("end", "treatment_end"),
    "writeoffrequest": ("status", "approved_by", "approved_at"),
}
CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"


def _queue_row(table: str) -> str:
    return (
        f"INSERT INTO rowchange (table_name, row_key, version) VALUES ('{table}', NEW.id, 1) "
        "ON CONFLICT (table_name, row_key) DO UPDATE SET version = rowchange.version + 1;"
    )


def upgrade() -> None:
    op.create_table(
        "syncstate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("workstation_id", sa.String(), nullable=False),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("capturing", sa.Boolean(), nullable=False),
        sa.Column("applying", sa.Boolean(), nullable=False),
        sa.Column("last_push_at", sa.Text(), nullable=True),
        sa.Column("last_pull_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "rowchange",
        sa.Column("table_name", sa.String(), nullable=False),
        sa.Column("row_key", sa.String(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("table_name", "row_key"),
    )
    op.create_table(
        "syncedevent",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("workstation_id", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("syncedevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_syncedevent_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_syncedevent_case_id"), ["case_id"], unique=False)

    if op.get_bind().dialect.name != "sqlite":
        return  # a hub keeps its own change feed (drp_tui/sync/migrations)
    for table in CREATED_HERE:
        op.execute(
            f"CREATE TRIGGER rowchange_{table}_insert AFTER INSERT ON {table} "
            f"WHEN {CAPTURING} BEGIN {_queue_row(table)} END"
        )
    for table, columns in CHANGED_HERE.items():
        op.execute(
            f"CREATE TRIGGER rowchange_{table}_update AFTER UPDATE OF {', '.join(columns)} "
            f'ON "{table}" WHEN {CAPTURING} BEGIN {_queue_row(table)} END'
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in CHANGED_HERE:
            op.execute(f"DROP TRIGGER IF EXISTS rowchange_{table}_update")
        for table in CREATED_HERE:
            op.execute(f"DROP TRIGGER IF EXISTS rowchange_{table}_insert")
    with op.batch_alter_table("syncedevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_syncedevent_case_id"))
        batch_op.drop_index(batch_op.f("ix_syncedevent_at"))
    op.drop_table("syncedevent")
    op.drop_table("rowchange")
    op.drop_table("syncstate")
