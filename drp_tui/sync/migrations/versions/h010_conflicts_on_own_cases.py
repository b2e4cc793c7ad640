"""A desk flags conflicts only on its own officer's cases, from its own workstation, in its own
name (issue 19; review 19).

h005 let a desk role insert any row into `hubconflict` (`WITH CHECK (true)`): a desk login
could flag a conflict on another officer's case, "by" another officer, for the supervisor to
act on. A desk's push flags a conflict only about work it sends, so on a case allocated to its
officer now or before (a case moved away is where `worked_after_reallocation` comes from),
from a workstation registered to its officer; where the detail names who did the work, it is
the desk's own officer. Frozen: later changes are new migrations.

Revision ID: h010_conflicts_on_own_cases
Revises: h009_desk_rules_as_functions
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h010_conflicts_on_own_cases"
down_revision = "h009_desk_rules_as_functions"
branch_labels = None
depends_on = None

POLICY = """
DROP POLICY desk_insert ON hubconflict;
CREATE POLICY desk_insert ON hubconflict FOR INSERT TO drp_desk WITH CHECK (
  case_id IS NOT NULL AND drp_allocated(case_id)
  AND workstation_id IN (SELECT w.id FROM hubworkstation w WHERE w.officer_id = session_user)
  AND coalesce(detail::jsonb ->> 'by', session_user) = session_user);
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(POLICY)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h010 is not undone: restore the hub from its backup")
