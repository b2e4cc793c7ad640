"""An arrangement may cover several debts of one person: arrangement_debt links it to each,
in the order its payments are applied (`position`, from 1) and how much of each it covers.
`arrangement.debt_id` stays, as the first debt, for what reads it (exports, the hub's
check for two live arrangements on one debt, workstations not yet upgraded). Arrangements
already made for one debt are linked to it. Frozen: later changes are new migrations.

Revision ID: 0003_arrangement_debts
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_arrangement_debts"  # unique: other 0003s are being written beside it
down_revision = "0002"
branch_labels = None
depends_on = None

# Rows a workstation creates from this revision on (0002 lists the rest; drp_tui/sync/tables.py
# is the live list and a test keeps them in step). Their key is both ids.
CREATED_HERE = ("arrangement_debt",)
CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"
QUEUE_ROW = (
    "INSERT INTO rowchange (table_name, row_key, version) VALUES ('arrangement_debt', "
    "NEW.arrangement_id || ' ' || NEW.debt_id, 1) "
    "ON CONFLICT (table_name, row_key) DO UPDATE SET version = rowchange.version + 1;"
)


def upgrade() -> None:
    op.create_table(
        "arrangement_debt",
        sa.Column("arrangement_id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["arrangement_id"], ["arrangement.id"]),
        sa.ForeignKeyConstraint(["debt_id"], ["debt.id"]),
        sa.PrimaryKeyConstraint("arrangement_id", "debt_id"),
        sa.UniqueConstraint("arrangement_id", "position"),
    )
    with op.batch_alter_table("arrangement_debt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arrangement_debt_debt_id"), ["debt_id"], unique=False)
    op.execute(
        "INSERT INTO arrangement_debt (arrangement_id, debt_id, position, amount) "
        "SELECT id, debt_id, 1, total FROM arrangement WHERE debt_id IS NOT NULL"
    )
    if op.get_bind().dialect.name != "sqlite":
        return  # a hub keeps its own change feed (drp_tui/sync/migrations)
    # Links made here go to the hub like the arrangement they belong to. The ones just made
    # for arrangements already here are queued only if those arrangements still are.
    op.execute(
        "CREATE TRIGGER rowchange_arrangement_debt_insert AFTER INSERT ON arrangement_debt "
        f"WHEN {CAPTURING} BEGIN {QUEUE_ROW} END"
    )
    op.execute(
        "INSERT OR IGNORE INTO rowchange (table_name, row_key, version) "
        "SELECT 'arrangement_debt', l.arrangement_id || ' ' || l.debt_id, 1 "
        "FROM arrangement_debt l JOIN rowchange r ON r.table_name = 'arrangement' "
        "AND r.row_key = l.arrangement_id"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS rowchange_arrangement_debt_insert")
    with op.batch_alter_table("arrangement_debt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrangement_debt_debt_id"))
    op.drop_table("arrangement_debt")
