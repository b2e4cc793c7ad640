"""event's index on kind becomes one on (kind, officer_id) (issue 18, `drp report officers`
at speed): it answers every lookup by kind as before, and it gives the officer report its
events of each kind already in officer order, so SQLite sums them as it reads them instead
of sorting a month's events first (measured: docs/BENCHMARKS.md). Frozen: later changes are
new migrations.

Revision ID: 0014_event_kind_officer
Revises: 0013_diary_rows_sync
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0014_event_kind_officer"
down_revision = "0013_diary_rows_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_event_kind_officer", "event", ["kind", "officer_id"], unique=False)
    op.drop_index("ix_event_kind", table_name="event")


def downgrade() -> None:
    op.create_index("ix_event_kind", "event", ["kind"], unique=False)
    op.drop_index("ix_event_kind_officer", table_name="event")
