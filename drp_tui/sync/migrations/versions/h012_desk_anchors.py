"""Each desk's chain head, kept on the hub (issue 20): `hubanchor` gets one row per sync that
found the desk's chain grown, `{seq, hash}` of the desk's newest event. A desk's `drp audit
verify` checks its chain still holds that event with that hash, so a desk file cut short,
emptied or re-hashed is found even when the anchors file beside it went too.

The table is append-only like the event log (no UPDATE, DELETE or TRUNCATE, the owner
included), and each workstation's anchors only go forward: an anchor not past the
workstation's last one is refused. On PostgreSQL a desk role reads and inserts only its own
officer's anchors, for a workstation registered to it. Frozen: later changes are new
migrations.

Revision ID: h012_desk_anchors
Revises: h011_stalled_desks_cut_off
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "h012_desk_anchors"
down_revision = "h011_stalled_desks_cut_off"
branch_labels = None
depends_on = None

MESSAGE = "the anchors are append-only"
BEHIND = "an anchor must be past the workstation''s last one"


def upgrade() -> None:
    op.create_table(
        "hubanchor",
        sa.Column("workstation_id", sa.String(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.Column("received_at", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("workstation_id", "seq"),
    )
    if op.get_bind().dialect.name != "postgresql":
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER hubanchor_no_{action.lower()} BEFORE {action} ON hubanchor "
                f"BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END"
            )
        op.execute(
            "CREATE TRIGGER hubanchor_forward BEFORE INSERT ON hubanchor "
            "WHEN EXISTS (SELECT 1 FROM hubanchor a WHERE a.workstation_id = NEW.workstation_id "
            f"AND a.seq >= NEW.seq) BEGIN SELECT RAISE(ABORT, '{BEHIND}'); END"
        )
        return
    op.execute(
        "CREATE FUNCTION hubanchor_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        f"$$ BEGIN RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'insufficient_privilege'; END $$"
    )
    op.execute(
        "CREATE FUNCTION hubanchor_forward() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = public AS $$ BEGIN "
        "IF EXISTS (SELECT 1 FROM hubanchor a WHERE a.workstation_id = NEW.workstation_id "
        f"AND a.seq >= NEW.seq) THEN RAISE EXCEPTION '{BEHIND}' "
        "USING ERRCODE = 'check_violation'; END IF; RETURN NEW; END $$"
    )
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER hubanchor_no_{action.lower()} BEFORE {action} ON hubanchor "
            "FOR EACH ROW EXECUTE FUNCTION hubanchor_append_only()"
        )
    op.execute(
        "CREATE TRIGGER hubanchor_no_truncate BEFORE TRUNCATE ON hubanchor "
        "FOR EACH STATEMENT EXECUTE FUNCTION hubanchor_append_only()"
    )
    op.execute(
        "CREATE TRIGGER hubanchor_forward BEFORE INSERT ON hubanchor "
        "FOR EACH ROW EXECUTE FUNCTION hubanchor_forward()"
    )
    op.execute("REVOKE UPDATE, DELETE, TRUNCATE ON hubanchor FROM PUBLIC")
    op.execute("ALTER TABLE hubanchor ENABLE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT, INSERT ON hubanchor TO drp_desk")
    op.execute(
        "CREATE POLICY desk_read ON hubanchor FOR SELECT TO drp_desk "
        "USING (officer_id = session_user)"
    )
    op.execute(
        "CREATE POLICY desk_insert ON hubanchor FOR INSERT TO drp_desk "
        "WITH CHECK (officer_id = session_user AND workstation_id IN "
        "(SELECT w.id FROM hubworkstation w WHERE w.officer_id = session_user))"
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TABLE hubanchor")
        op.execute("DROP FUNCTION IF EXISTS hubanchor_append_only()")
        op.execute("DROP FUNCTION IF EXISTS hubanchor_forward()")
        return
    op.drop_table("hubanchor")
