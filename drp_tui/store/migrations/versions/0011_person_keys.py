"""Keys for crypto-shredding (issue 20): `personkey` holds, for each person, the keys that
seal the personal and special-category fields of events about them (drp_tui/store/personal.py).
Erasing a person destroys their keys (`key` set to NULL): the events stay, their hashes still
verify, and the sealed fields can no longer be read. A key made on a desk is queued for the
hub like any row a desk creates. Frozen: later changes are new migrations.

Revision ID: 0011_person_keys
Revises: 0010_sync_hub
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_person_keys"
down_revision = "0010_sync_hub"
branch_labels = None
depends_on = None

CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"
CREATED_HERE = ("personkey",)  # a desk's new rows queued for the hub (drp_tui/sync/tables.py)


def upgrade() -> None:
    op.create_table(
        "personkey",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=True),
        sa.Column("made_at", sa.Text(), nullable=False),
        sa.Column("erased_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_personkey_person_id", "personkey", ["person_id"])
    if op.get_bind().dialect.name != "sqlite":
        return  # a hub keeps its own change feed (drp_tui/sync/migrations)
    op.execute(
        f"CREATE TRIGGER rowchange_personkey_insert AFTER INSERT ON personkey WHEN {CAPTURING} "
        "BEGIN INSERT INTO rowchange (table_name, row_key, version) VALUES ('personkey', "
        "NEW.id, 1) ON CONFLICT (table_name, row_key) DO UPDATE SET version = "
        "rowchange.version + 1; END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS rowchange_personkey_insert")
    op.drop_index("ix_personkey_person_id", table_name="personkey")
    op.drop_table("personkey")
