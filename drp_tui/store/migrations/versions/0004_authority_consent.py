"""Third-party authority carries the debtor's consent: its kind (verbal on a verified call, or
a document: written, lpa, deputy, appointee) and the document's reference or the call it was
given on, and may be ended early (when, by whom, why). Authorities recorded before this
revision have consent "unrecorded": kept in the history, never stood on. From here on they
go to the hub like the other facts a desk creates; ending one travels too. Frozen: later
changes are new migrations.

Revision ID: 0004_authority_consent
Revises: 0003_arrangement_debts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_authority_consent"
down_revision = "0003_arrangement_debts"
branch_labels = None
depends_on = None

# Rows a workstation creates, and the columns it may change, from this revision on
# (drp_tui/sync/tables.py is the live list; a test keeps them in step).
CREATED_HERE = ("thirdpartyauthority",)
CHANGED_HERE = {"thirdpartyauthority": ("ended_at", "ended_by", "end_reason")}
CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"
QUEUE_ROW = (
    "INSERT INTO rowchange (table_name, row_key, version) VALUES ('thirdpartyauthority', "
    "NEW.id, 1) ON CONFLICT (table_name, row_key) DO UPDATE SET version = rowchange.version + 1;"
)


def upgrade() -> None:
    with op.batch_alter_table("thirdpartyauthority", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent", sa.String(), nullable=False, server_default="unrecorded")
        )
        batch_op.add_column(
            sa.Column("consent_ref", sa.String(), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("call_id", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("ended_at", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("ended_by", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("end_reason", sa.String(), nullable=False, server_default=""))
        batch_op.add_column(
            sa.Column("risk_confirmed", sa.String(), nullable=False, server_default="")
        )
        batch_op.create_foreign_key(
            "fk_thirdpartyauthority_ended_by_officer", "officer", ["ended_by"], ["id"]
        )
    if op.get_bind().dialect.name != "sqlite":
        return  # a hub keeps its own change feed (drp_tui/sync/migrations)
    op.execute(
        "CREATE TRIGGER rowchange_thirdpartyauthority_insert AFTER INSERT ON thirdpartyauthority "
        f"WHEN {CAPTURING} BEGIN {QUEUE_ROW} END"
    )
    columns = ", ".join(CHANGED_HERE["thirdpartyauthority"])
    op.execute(
        "CREATE TRIGGER rowchange_thirdpartyauthority_update AFTER UPDATE OF "
        f"{columns} ON thirdpartyauthority WHEN {CAPTURING} BEGIN {QUEUE_ROW} END"
    )
    # Authorities already on a desk that syncs go to the hub with the rest.
    op.execute(
        "INSERT OR IGNORE INTO rowchange (table_name, row_key, version) "
        "SELECT 'thirdpartyauthority', id, 1 FROM thirdpartyauthority "
        "WHERE (SELECT capturing FROM syncstate WHERE id = 1)"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS rowchange_thirdpartyauthority_update")
        op.execute("DROP TRIGGER IF EXISTS rowchange_thirdpartyauthority_insert")
    with op.batch_alter_table("thirdpartyauthority", schema=None) as batch_op:
        batch_op.drop_constraint("fk_thirdpartyauthority_ended_by_officer", type_="foreignkey")
        for column in (
            "risk_confirmed",
            "end_reason",
            "ended_by",
            "ended_at",
            "call_id",
            "consent_ref",
            "consent",
        ):
            batch_op.drop_column(column)
