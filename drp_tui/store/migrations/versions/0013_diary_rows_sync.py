"""Complaints and appointments travel to the hub (issue 21): until now kept on the desk where
they were recorded (0007, 0008), only their events reached the hub, so a supervisor and the
officer's other desk never saw them. A desk's new complaints and appointments, and the columns
it changes afterwards (a complaint moved on a stage or answered; an appointment rescheduled,
cancelled, kept or missed), are queued for the hub like any row a desk makes; those already on
a desk that syncs go with its next sync. Frozen: later changes are new migrations.

Revision ID: 0013_diary_rows_sync
Revises: 0012_sms_consent
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0013_diary_rows_sync"
down_revision = "0012_sms_consent"
branch_labels = None
depends_on = None

# A desk's new rows queued for the hub, and the columns it may change after (from this
# revision on; drp_tui/sync/tables.py is the live list, a test keeps them in step).
CREATED_HERE = ("complaint", "appointment")
CHANGED_HERE = {
    "complaint": (
        "stage",
        "stage_started_on",
        "pauses_recovery",
        "reply_due",
        "status",
        "outcome",
        "remedy",
        "closed_on",
    ),
    "appointment": ("starts_at", "status", "note"),
}
CAPTURING = "(SELECT capturing AND NOT applying FROM syncstate WHERE id = 1)"


def _queue_row(table: str) -> str:
    return (
        f"INSERT INTO rowchange (table_name, row_key, version) VALUES ('{table}', NEW.id, 1) "
        "ON CONFLICT (table_name, row_key) DO UPDATE SET version = rowchange.version + 1;"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return  # a hub keeps its own change feed (drp_tui/sync/migrations)
    for table in CREATED_HERE:
        op.execute(
            f"CREATE TRIGGER rowchange_{table}_insert AFTER INSERT ON {table} "
            f"WHEN {CAPTURING} BEGIN {_queue_row(table)} END"
        )
        op.execute(
            f"CREATE TRIGGER rowchange_{table}_update AFTER UPDATE OF "
            f"{', '.join(CHANGED_HERE[table])} ON {table} WHEN {CAPTURING} "
            f"BEGIN {_queue_row(table)} END"
        )
        # Those already on a desk that syncs go to the hub with the rest.
        op.execute(
            "INSERT OR IGNORE INTO rowchange (table_name, row_key, version) "
            f"SELECT '{table}', id, 1 FROM {table} "
            "WHERE (SELECT capturing FROM syncstate WHERE id = 1)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in CREATED_HERE:
        op.execute(f"DROP TRIGGER IF EXISTS rowchange_{table}_update")
        op.execute(f"DROP TRIGGER IF EXISTS rowchange_{table}_insert")
        op.execute(f"DELETE FROM rowchange WHERE table_name = '{table}'")
