"""A desk's own login may read the hub's store kind (`storekind`, from store revision
0009_officer_login): `drp sync` as the officer's own PostgreSQL role asks whether the hub is a
working store before anything else, and was refused ("permission denied for table
storekind"). The row says only the kind; nothing about a debtor. Frozen: later changes are new
migrations.

Revision ID: h007_store_kind_read
Revises: h006_staged_push
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h007_store_kind_read"
down_revision = "h006_staged_push"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("GRANT SELECT ON storekind TO drp_desk")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("REVOKE SELECT ON storekind FROM drp_desk")
