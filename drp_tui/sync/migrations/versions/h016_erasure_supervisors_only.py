"""`person.erased` (issue 20's crypto-shredding) is a supervisor's event, as `drp erase` is a
supervisor's command: an officer's desk may not send one (sync/rules.py says the same; the
parity test runs both). Only `drp_kind_needs` changes; frozen: later changes are new
migrations.

Revision ID: h016_erasure_supervisors_only
Revises: h015_judged_push_skips_row_check
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h016_erasure_supervisors_only"
down_revision = "h015_judged_push_skips_row_check"
branch_labels = None
depends_on = None

BATCH_KINDS = "('queue.returned')"


def needs(supervisor_kinds: str) -> str:
    return f"""
CREATE OR REPLACE FUNCTION drp_kind_needs(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind IN {BATCH_KINDS} THEN 'batch'
    WHEN kind IN {supervisor_kinds} OR starts_with(kind, 'queue.')
      OR starts_with(kind, 'officer.') THEN 'supervise'
  END $$;
"""


BEFORE = "('writeoff.approved', 'writeoff.refused', 'retention.applied', 'sar.exported')"
AFTER = (
    "('writeoff.approved', 'writeoff.refused', 'retention.applied', 'sar.exported', "
    "'person.erased')"
)


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(needs(AFTER))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(needs(BEFORE))
