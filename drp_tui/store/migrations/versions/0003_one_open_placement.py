"""At most one open placement per debt: a partial unique index on placement(debt_id) where the
placement is open. A debt sent to two agencies at once (possible before this revision) keeps
its first placement open; each later open one is closed as 'returned', its reason saying so,
so the index can be built and the council can see what was closed. Frozen: later changes are
new migrations.

Revision ID: 0003_placement
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_placement"
down_revision = "0003"
branch_labels = None
depends_on = None

INDEX = "ux_placement_open_debt"
OPEN = "status = 'open'"
# Every open placement but the first on its debt (earliest placed_on, then id).
LATER_OPEN = (
    "SELECT p.id FROM placement p WHERE p.status = 'open' AND EXISTS ("
    "SELECT 1 FROM placement q WHERE q.debt_id = p.debt_id AND q.status = 'open' "
    "AND (q.placed_on < p.placed_on OR (q.placed_on = p.placed_on AND q.id < p.id)))"
)
CLOSED_REASON = "closed at upgrade 0003: the debt was already placed with another agency"


def upgrade() -> None:
    op.execute(
        f"UPDATE placement SET status = 'returned', return_reason = '{CLOSED_REASON}' "
        f"WHERE id IN ({LATER_OPEN})"
    )
    op.create_index(
        INDEX,
        "placement",
        ["debt_id"],
        unique=True,
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="placement")
