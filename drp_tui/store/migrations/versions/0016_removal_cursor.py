"""`syncstate.removal_cursor`: how far this desk has read the hub's feed of what its retention
removed (`hubremoval`, hub revision h024_removal_feed), so each removal is read and applied
once, not every removal ever made at every sync (issue 20). Frozen: later changes are new
migrations.

Revision ID: 0016_removal_cursor
Revises: 0015_event_report_index
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_removal_cursor"
down_revision = "0015_event_report_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "syncstate",
        sa.Column("removal_cursor", sa.Integer(), nullable=False, server_default="0"),
    )


def downgrade() -> None:
    # Dropped in place, not by rebuilding the table (batch mode), which the capture
    # triggers naming syncstate refuse on SQLite (as 0010's downgrade).
    op.drop_column("syncstate", "removal_cursor")
