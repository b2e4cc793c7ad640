"""Complaints about recovery on a case (issue 21): received, channel, stage, the debts it
concerns, whether recovery pauses, the reply due, and its outcome and remedy. Desk-local for
now: its events reach the hub with the rest. Frozen: later changes are new migrations.

Revision ID: 0007_complaints
Revises: 0006_audit_seal
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_complaints"
down_revision = "0006_audit_seal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaint",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("stage_started_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.String(), nullable=False),
        sa.Column("debt_ids", sa.Text(), nullable=False),
        sa.Column("pauses_recovery", sa.Boolean(), nullable=False),
        sa.Column("reply_due", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("outcome", sa.String(), nullable=True),
        sa.Column("remedy", sa.String(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_complaint_case_id", "complaint", ["case_id"], unique=False)
    op.create_index("ix_complaint_reply_due", "complaint", ["reply_due"], unique=False)
    op.create_index("ix_complaint_status", "complaint", ["status"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_complaint_status", table_name="complaint")
    op.drop_index("ix_complaint_reply_due", table_name="complaint")
    op.drop_index("ix_complaint_case_id", table_name="complaint")
    op.drop_table("complaint")
