"""What the hub's retention removed, as a feed the desks read from where they stopped (issue
20): `hubremoval`, one row per case and record type retention applied, numbered in the order
written. It replaces h021's `hubremovedcase`, which held only the cases removed whole, one row
per case with no order: so a case that lost only its special category or personal details
on the hub kept them on the desk that held it (the change feed carries no deletions: its
vulnerabilities, Breathing Space, addresses and phones stayed), and each desk read every
removal ever made at every sync. Each desk now keeps how far it has read (store revision
`0016_removal_cursor`) and applies each removal once, as retention on a desk would.

h021's rows are carried over as record type `financial` (all it recorded), in the order they
were written as far as it can be told (by when, then case id). On PostgreSQL a desk's own
login reads only the rows of cases ever allocated to its officer (`drp_allocated`, h005) and
writes none, as h021. Frozen: later changes are new migrations.

Revision ID: h024_removal_feed
Revises: h023_desk_writes_by_function
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h024_removal_feed"
down_revision = "h023_desk_writes_by_function"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seq = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "hubremoval",
        sa.Column("seq", seq, nullable=False, autoincrement=True),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("record_type", sa.String(), nullable=False),
        sa.Column("removed_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_hubremoval_case_id", "hubremoval", ["case_id"])
    op.execute(
        "INSERT INTO hubremoval (case_id, record_type, removed_at) "
        "SELECT case_id, 'financial', removed_at FROM hubremovedcase ORDER BY removed_at, case_id"
    )
    op.drop_table("hubremovedcase")
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("ALTER TABLE hubremoval ENABLE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT ON hubremoval TO drp_desk")
    op.execute(
        "CREATE POLICY desk_read ON hubremoval FOR SELECT TO drp_desk "
        "USING (public.drp_allocated(case_id))"
    )


def downgrade() -> None:
    raise NotImplementedError("h024 is not undone: restore the hub from its backup")
