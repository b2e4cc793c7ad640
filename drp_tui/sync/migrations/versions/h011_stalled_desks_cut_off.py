"""A desk session the feed lock waits on is ended (issue 19, item 4; review 19).

Since h008 a desk role takes the feed lock only inside the hub's own functions (the change
feed's triggers, `drp_push_events`), but the transaction that called them is the desk's: a desk
that keeps it open, with its own `idle_in_transaction_session_timeout` set to 0 (any session may
set it), still held every other desk up. Now whoever waits for the feed lock waits a second at
a time, and between tries ends the desk sessions holding it that make the hub wait on them:
idle in their transaction for more than 2 seconds (a round trip to a desk never takes that
long inside a push), or in one transaction for more than 10 (the idle limit the hub gives its
own writers). Their transaction rolls back; an honest desk's sync tries again. Sessions of the
hub's owner (a supervisor's --hub work) are never ended: they keep their idle limit. Ending
another login's session needs the hub owner to be a superuser or a member of
`pg_signal_backend` and `pg_read_all_stats`; without that the waiter only waits, up to its
`lock_timeout`, as before.

With that, a desk's own write transaction may again take the feed lock from its start, as it
did before h008 (`drp_feed_lock` is granted to `drp_desk`; the one try and the cutting are
not): a push's read-then-write (a placement's clash with one already on the hub, first come
first stands) is not raced by another push. It gives a desk no hold on the team it did not
have: any write of a fed row takes the same lock, and either way a desk holding it while
others wait is ended. Frozen: later changes are new migrations.

Revision ID: h011_stalled_desks_cut_off
Revises: h010_conflicts_on_own_cases
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h011_stalled_desks_cut_off"
down_revision = "h010_conflicts_on_own_cases"
branch_labels = None
depends_on = None

STALLED_S = 2
HELD_S = 10

SQL = f"""
-- One try: wait up to a second in the lock's queue.
CREATE FUNCTION drp_feed_lock_try() RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp SET lock_timeout = '1s' AS $$
BEGIN
  LOCK TABLE public.hubfeedlock IN EXCLUSIVE MODE;
  RETURN true;
EXCEPTION WHEN lock_not_available THEN
  RETURN false;
END $$;
REVOKE ALL ON FUNCTION drp_feed_lock_try() FROM PUBLIC;

-- The desk sessions holding the feed lock that the hub is waiting on, ended.
CREATE FUNCTION drp_cut_stalled_desks() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE stalled integer;
BEGIN
  FOR stalled IN
    SELECT a.pid FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
    WHERE l.locktype = 'relation' AND l.relation = 'public.hubfeedlock'::regclass AND l.granted
      AND a.pid <> pg_backend_pid()
      AND pg_has_role(a.usesysid, 'drp_desk', 'MEMBER')
      AND NOT pg_has_role(a.usesysid, current_user, 'MEMBER')
      AND ((a.state LIKE 'idle in transaction%'
            AND a.state_change < clock_timestamp() - interval '{STALLED_S} seconds')
           OR a.xact_start < clock_timestamp() - interval '{HELD_S} seconds')
  LOOP
    BEGIN
      PERFORM pg_terminate_backend(stalled);
    EXCEPTION WHEN insufficient_privilege THEN
      NULL;  -- the hub's owner may not end it: wait, up to lock_timeout
    END;
  END LOOP;
END $$;
REVOKE ALL ON FUNCTION drp_cut_stalled_desks() FROM PUBLIC;

CREATE OR REPLACE FUNCTION drp_feed_lock() RETURNS void LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
  patience interval := current_setting('lock_timeout')::interval;
  deadline timestamptz := clock_timestamp() + patience;
BEGIN
  LOOP
    IF public.drp_feed_lock_try() THEN
      RETURN;
    END IF;
    PERFORM public.drp_cut_stalled_desks();
    IF patience > interval '0' AND clock_timestamp() >= deadline THEN
      RAISE EXCEPTION 'the feed lock is held by another session: try again'
        USING ERRCODE = 'lock_not_available';
    END IF;
  END LOOP;
END $$;
GRANT EXECUTE ON FUNCTION drp_feed_lock() TO drp_desk;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h011 is not undone: restore the hub from its backup")
