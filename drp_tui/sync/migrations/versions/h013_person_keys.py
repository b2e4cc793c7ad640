"""The hub feeds `personkey` (store revision 0011_person_keys): the keys that seal the personal
fields of events about a person go to the desks holding the person's case, so another desk can
read what the first wrote, and a key erased on the hub (`drp erase PERSON_REF --hub`) is erased
on those desks at their next sync. On PostgreSQL a desk role reads the keys of its own
people only and may insert a key (checked as any row a desk creates, h005's drp_check_row),
never change one. Frozen: later changes are new migrations.

Revision ID: h013_person_keys
Revises: h012_desk_anchors
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h013_person_keys"
down_revision = "h012_desk_anchors"
branch_labels = None
depends_on = None

# Every write that feeds the change feed takes the hub's feed lock, and says which
# workstation it came from: on PostgreSQL through h008's lock function and per-transaction
# origin (a desk role can take neither), on a SQLite hub from huborigin as before.
FEED_LOCK = "PERFORM public.drp_feed_lock();"
ORIGINS = {
    "postgresql": "nullif(current_setting('drp.origin', true), '')",
    "sqlite": "(SELECT workstation_id FROM huborigin WHERE id = 1)",
}
CASE_OF = '(SELECT c.id FROM "case" c WHERE c.person_id = {row}.person_id)'
FED = {"personkey": CASE_OF}  # each table fed from this revision on, and its case
COLUMNS = ("id", "person_id", "key", "made_at", "erased_at")


def _feed_select(row: str, dialect: str) -> str:
    return (
        "INSERT INTO hubchange (table_name, row_key, case_id, origin, moved_from, moved_to) "
        f"SELECT 'personkey', {row}.id, {CASE_OF.format(row=row)}, {ORIGINS[dialect]}, NULL, "
        "NULL"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute(
            "CREATE TRIGGER hubchange_personkey_insert AFTER INSERT ON personkey BEGIN "
            f"{_feed_select('NEW', 'sqlite')}; END"
        )
        changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in COLUMNS)
        op.execute(
            f"CREATE TRIGGER hubchange_personkey_update AFTER UPDATE ON personkey WHEN {changed} "
            f"BEGIN {_feed_select('NEW', 'sqlite')}; END"
        )
        return
    feed = _feed_select("n", "postgresql")
    bodies = {
        "insert": f"{feed} FROM new_rows n;",
        "update": f"{feed} FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n IS DISTINCT FROM o;",
    }
    for action, body in bodies.items():
        name = f"hubchange_personkey_{action}"
        tables = "NEW TABLE AS new_rows" + (" OLD TABLE AS old_rows" if action == "update" else "")
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            f"SET search_path = public, pg_temp AS $$ BEGIN "
            f"{FEED_LOCK} {body} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {action.upper()} ON personkey "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )
    op.execute("ALTER TABLE personkey ENABLE ROW LEVEL SECURITY")
    op.execute("GRANT SELECT, INSERT ON personkey TO drp_desk")
    op.execute(
        "CREATE POLICY desk_read ON personkey FOR SELECT TO drp_desk "
        "USING (person_id IN (SELECT drp_my_persons()))"
    )
    op.execute("CREATE POLICY desk_insert ON personkey FOR INSERT TO drp_desk WITH CHECK (true)")
    op.execute(
        "CREATE TRIGGER drp_check_desk BEFORE INSERT OR UPDATE ON personkey FOR EACH ROW "
        "WHEN (drp_is_desk()) EXECUTE FUNCTION drp_check_row()"
    )


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for action in ("insert", "update"):
        name = f"hubchange_personkey_{action}"
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON personkey")
            op.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    if postgresql:
        op.execute("DROP TRIGGER IF EXISTS drp_check_desk ON personkey")
        op.execute("DROP POLICY IF EXISTS desk_read ON personkey")
        op.execute("DROP POLICY IF EXISTS desk_insert ON personkey")
        op.execute("ALTER TABLE personkey DISABLE ROW LEVEL SECURITY")
