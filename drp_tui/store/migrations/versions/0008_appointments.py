"""Appointments with debtors (issue 21): face to face or by telephone, in office hours, with
why face to face is right; booked, cancelled, kept or missed. Desk-local for now: its events
reach the hub with the rest. Frozen: later changes are new migrations.

Revision ID: 0008_appointments
Revises: 0007_complaints
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_appointments"
down_revision = "0007_complaints"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("place", sa.String(), nullable=False),
        sa.Column("starts_at", sa.Text(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("why_face_to_face", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("note", sa.String(), nullable=False),
        sa.Column("booked_by", sa.String(), nullable=False),
        sa.Column("booked_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["case.id"]),
        sa.ForeignKeyConstraint(["officer_id"], ["officer.id"]),
        sa.ForeignKeyConstraint(["booked_by"], ["officer.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_appointment_case_id", "appointment", ["case_id"], unique=False)
    op.create_index("ix_appointment_officer_id", "appointment", ["officer_id"], unique=False)
    op.create_index("ix_appointment_starts_at", "appointment", ["starts_at"], unique=False)
    op.create_index("ix_appointment_status", "appointment", ["status"], unique=False)


def downgrade() -> None:
    for name in ("status", "starts_at", "officer_id", "case_id"):
        op.drop_index(f"ix_appointment_{name}", table_name="appointment")
    op.drop_table("appointment")
