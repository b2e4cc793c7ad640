"""The hub a desk syncs with (`syncstate.hub`, its address without a password): `drp audit
verify` reads the desk's last anchor there (issue 20). Frozen: later changes are new
migrations.

Revision ID: 0010_sync_hub
Revises: 0009_officer_login
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_sync_hub"
down_revision = "0009_officer_login"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("syncstate", sa.Column("hub", sa.String(), nullable=True))


def downgrade() -> None:
    # Dropped in place, not by rebuilding the table (batch mode), which the capture
    # triggers naming syncstate would refuse on SQLite.
    op.drop_column("syncstate", "hub")
