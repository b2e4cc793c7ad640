"""Calls: one record per call on a case, from opening to outcome, which ID&V belongs to
(every call starts masked; nothing carries over from an earlier call), and the third parties
a debtor has authorised to speak for them (what they may do, until when). Frozen: later
changes are new migrations.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thirdpartyauthority",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("relationship", sa.String(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=False),
        sa.Column("recorded_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["recorded_by"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("thirdpartyauthority", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_thirdpartyauthority_person_id"), ["person_id"], unique=False
        )
    op.create_table(
        "call",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("opened_from", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("opened_at", sa.Text(), nullable=False),
        sa.Column("idv_result", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("ended_at", sa.Text(), nullable=True),
        sa.Column("attempt_id", sa.String(), nullable=True),
        sa.Column("authority_id", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["attempt_id"], ["contactattempt.id"]),
        sa.ForeignKeyConstraint(["authority_id"], ["thirdpartyauthority.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("call", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_call_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_call_status"), ["status"], unique=False)


def downgrade() -> None:
    op.drop_table("call")
    op.drop_table("thirdpartyauthority")
