"""No desk role can hold the team's locks (issue 19, item 4; review 19).

The feed lock was the advisory lock 7262001: any login may take an advisory lock, so a desk
role could call `pg_advisory_lock(7262001)` and leave its session open, and every other desk's
push then waited `lock_timeout` and failed for as long as that session lived. Advisory locks
have no privileges, so the feed lock is now a lock on the table `hubfeedlock` (EXCLUSIVE mode),
which only its owner, the hub's owner, may lock: desk roles have no privilege on it, nor on
the function `drp_feed_lock` that takes it. A desk's write still takes it, but only through
the change feed's triggers and `drp_push_events`, which run as the hub's owner.

The same went for the one row of `huborigin` (which workstation a write comes from): desk
roles could UPDATE it, and a desk that did so in an open transaction held the row every other
push writes. The origin is now a transaction-local setting (`drp.origin`), one per session;
desk roles lose UPDATE on `huborigin`. `hubworkstation` was granted UPDATE on the whole table,
which also lets `LOCK TABLE hubworkstation` stop every desk's registration; desks now have
UPDATE on its columns only (a column privilege allows no LOCK TABLE). Frozen: later changes
are new migrations.

Revision ID: h008_feed_lock_owner_only
Revises: h007_store_kind_read
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h008_feed_lock_owner_only"
down_revision = "h007_store_kind_read"
branch_labels = None
depends_on = None

OLD_LOCK = "PERFORM pg_advisory_xact_lock(7262001);"
NEW_LOCK = "PERFORM public.drp_feed_lock();"
OLD_ORIGIN = "(SELECT workstation_id FROM huborigin WHERE id = 1)"
NEW_ORIGIN = "nullif(current_setting('drp.origin', true), '')"
# drp_push_events (h006) marked its origin on the shared row.
OLD_MARK = "UPDATE public.huborigin SET workstation_id = workstation WHERE id = 1;"
NEW_MARK = "PERFORM set_config('drp.origin', workstation, true);"
OLD_UNMARK = "UPDATE public.huborigin SET workstation_id = NULL WHERE id = 1;"
NEW_UNMARK = "PERFORM set_config('drp.origin', '', true);"

SQL = """
CREATE TABLE hubfeedlock (never_a_row boolean CHECK (false));
REVOKE ALL ON hubfeedlock FROM PUBLIC;

CREATE FUNCTION drp_feed_lock() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
BEGIN
  LOCK TABLE public.hubfeedlock IN EXCLUSIVE MODE;
END $$;
REVOKE ALL ON FUNCTION drp_feed_lock() FROM PUBLIC;
"""

REWRITE = f"""
DO $$ DECLARE f oid; source text; BEGIN
  FOR f IN SELECT p.oid FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
           AND (p.prosrc LIKE '%pg_advisory%' OR p.prosrc LIKE '%huborigin%') LOOP
    source := pg_get_functiondef(f);
    source := replace(source, '{OLD_LOCK}', '{NEW_LOCK}');
    source := replace(source, '{OLD_ORIGIN}', $o${NEW_ORIGIN}$o$);
    source := replace(source, '{OLD_MARK}', $o${NEW_MARK}$o$);
    source := replace(source, '{OLD_UNMARK}', $o${NEW_UNMARK}$o$);
    EXECUTE source;
  END LOOP;
  IF EXISTS (SELECT 1 FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace
             AND (p.prosrc LIKE '%pg_advisory%' OR p.prosrc LIKE '%huborigin%')) THEN
    RAISE EXCEPTION 'h008: a hub function still uses the advisory lock or huborigin';
  END IF;
END $$
"""

GRANTS = """
REVOKE UPDATE ON huborigin FROM drp_desk;
REVOKE UPDATE ON hubworkstation FROM drp_desk;
GRANT UPDATE (officer_id, last_push_at, last_pull_at, cursor, events_pushed)
  ON hubworkstation TO drp_desk;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SQL)
    op.execute(REWRITE)
    op.execute(GRANTS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h008 is not undone: restore the hub from its backup")
