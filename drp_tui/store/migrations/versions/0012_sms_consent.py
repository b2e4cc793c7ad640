"""A mobile number carries the debtor's consent to texts (issue 21): `phone.sms_consent_at`,
when it was given, empty when never given or withdrawn. drp texts only a good mobile with
consent. The consent travels to the hub like a phone's status. The column is added, not the
table rebuilt, so a hub's triggers on phone stay. Frozen: later changes are new migrations.

Revision ID: 0012_sms_consent
Revises: 0011_person_keys
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_sms_consent"
down_revision = "0011_person_keys"
branch_labels = None
depends_on = None

# The columns of a phone a workstation may change, from this revision on
# (drp_tui/sync/tables.py is the live list; a test keeps them in step).
CHANGED_HERE = {"phone": ("status", "sms_consent_at")}
CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"
QUEUE_ROW = (
    "INSERT INTO rowchange (table_name, row_key, version) VALUES ('phone', NEW.id, 1) "
    "ON CONFLICT (table_name, row_key) DO UPDATE SET version = rowchange.version + 1;"
)


def _capture(columns: tuple[str, ...]) -> None:
    op.execute("DROP TRIGGER IF EXISTS rowchange_phone_update")
    op.execute(
        f"CREATE TRIGGER rowchange_phone_update AFTER UPDATE OF {', '.join(columns)} "
        f'ON "phone" WHEN {CAPTURING} BEGIN {QUEUE_ROW} END'
    )


def upgrade() -> None:
    op.add_column("phone", sa.Column("sms_consent_at", sa.Text(), nullable=True))
    if op.get_bind().dialect.name == "sqlite":
        _capture(CHANGED_HERE["phone"])


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _capture(("status",))
    op.drop_column("phone", "sms_consent_at")
