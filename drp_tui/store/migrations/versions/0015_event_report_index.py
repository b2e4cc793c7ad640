"""A covering index for the officer report (issue 18, `drp report officers` at speed): the
events of the four kinds the report sums (calls, promises, arrangements, payments), by kind,
officer and instant, with each event's case and payload. The report's per-officer and cash
queries then read only this index, in order, instead of looking up each event's row in the
table (measured: docs/BENCHMARKS.md). A partial index: every other kind's events cost
nothing more to write. Frozen: later changes are new migrations.

Revision ID: 0015_event_report_index
Revises: 0014_event_kind_officer
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_event_report_index"
down_revision = "0014_event_kind_officer"
branch_labels = None
depends_on = None

# The same text as drp_tui/services/reports.py REPORTED_KINDS (a migration is frozen, so it
# keeps its own copy): SQLite uses a partial index only for a query that carries its WHERE.
_KINDS = "kind IN ('contact.recorded', 'promise.made', 'arrangement.made', 'payment.recorded')"


def upgrade() -> None:
    op.create_index(
        "ix_event_report",
        "event",
        ["kind", "officer_id", "at", "case_id", "payload"],
        unique=False,
        sqlite_where=sa.text(_KINDS),
    )


def downgrade() -> None:
    op.drop_index("ix_event_report", table_name="event")
