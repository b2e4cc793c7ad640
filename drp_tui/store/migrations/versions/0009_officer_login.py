"""Identity from the operating-system login: each officer may be mapped to one login
(officer.login, unique), and the store records which kind it is (working, training or demo)
in the one-row storekind table. A store without a row is a working store. The column is
added, not the table rebuilt, so a hub's triggers on officer stay. Frozen: later changes are
new migrations.

Revision ID: 0009_officer_login
Revises: 0008_appointments
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_officer_login"
down_revision = "0008_appointments"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("officer", sa.Column("login", sa.String(), nullable=True))
    op.create_index("ix_officer_login", "officer", ["login"], unique=True)
    op.create_table(
        "storekind",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("storekind")
    op.drop_index("ix_officer_login", table_name="officer")
    with op.batch_alter_table("officer") as batch_op:
        batch_op.drop_column("login")
