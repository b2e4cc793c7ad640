"""The cases retention removed whole on the hub (issue 20): `hubremovedcase`, one row per case
id with when. The change feed carries no deletions, so without it a desk that held such a
case kept it, the person's details and keys with it, past the retention period (and an
officer's desk may not run retention itself). `drp retention apply --hub` writes the rows;
each desk's sync reads those of the cases it holds and removes them whole, as retention on a
desk does (services/retention.py). On PostgreSQL a desk's own login reads only the rows of
cases ever allocated to its officer (`drp_allocated`, h005) and writes none. Frozen: later
changes are new migrations.

Revision ID: h021_removed_cases
Revises: h020_trust_locks
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h021_removed_cases"
down_revision = "h020_trust_locks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hubremovedcase",
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("removed_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("case_id"),
    )
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE hubremovedcase ENABLE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT ON hubremovedcase TO drp_desk")
    op.execute(
        "CREATE POLICY desk_read ON hubremovedcase FOR SELECT TO drp_desk "
        "USING (public.drp_allocated(case_id))"
    )


def downgrade() -> None:
    op.drop_table("hubremovedcase")
