"""What review 19c left open of the trust boundary, closed (issue 19, session 5):

- a desk's own login could lock its case row (`SELECT ... FOR UPDATE`) and keep its
  transaction open: the supervisor's allocation (queue move) then waited for that row holding
  the feed lock, and the whole team waited with it. The feed lock's guard (h011: a desk session
  holding the feed lock while others wait is ended) did not see it, as a row lock takes no
  feed lock. Now a desk may lock or change a row of the hub's tables only while its
  transaction holds the feed lock (a restrictive UPDATE policy on every table a desk may
  update; `SELECT ... FOR UPDATE/SHARE` is judged by UPDATE policies too), as every push's
  write does from its start (hub.py `_one_writer_at_a_time`). So a desk holding a row lock
  holds the feed lock, the supervisor's write waits for the feed lock before it touches a row,
  and a desk stalled with it is ended as before. Without the feed lock a desk's UPDATE or row
  lock finds no row. Chosen over the alternatives because it is one rule for every table a
  desk may update and adds no path of its own: revoking UPDATE on "case" (writes through a
  SECURITY DEFINER function) closes one table and leaves promise, write-off and placement rows
  as lockable; a supervisor's allocation retrying with NOWAIT would have to end the desk
  itself, from every supervisor write that touches a desk-lockable row.
- a case moved to another officer stayed readable whole to the officer it moved from (h005: its
  row told their desk of the move), so they read what its new officer recorded since (a hold
  reason: "in hospital"). Now a desk reads a case row only while the case is its officer's (a
  supervisor's, their team's); the pull learns who has a case it lost from
  `drp_moved_cases`, which gives only the case's id and officer, and only of cases ever
  allocated to the caller.

Frozen: later changes are new migrations.

Revision ID: h019_trust_locks
Revises: h018_review19c
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h019_trust_locks"
down_revision = "h018_review19c"
branch_labels = None
depends_on = None

# --- h019 (issue 19, s5): a desk locks or changes rows only under the feed lock -------------
LOCKS = """
CREATE FUNCTION drp_holds_feed_lock() RETURNS boolean LANGUAGE sql STABLE
SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_locks l
                 WHERE l.locktype = 'relation' AND l.relation = 'public.hubfeedlock'::regclass
                   AND l.pid = pg_catalog.pg_backend_pid() AND l.granted
                   AND l.mode = 'ExclusiveLock') $$;

DO $$ DECLARE t regclass; BEGIN
  FOR t IN SELECT c.oid::regclass FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND c.relrowsecurity AND has_any_column_privilege('drp_desk', c.oid, 'UPDATE')
  LOOP
    EXECUTE format('CREATE POLICY desk_under_feed_lock ON %s AS RESTRICTIVE FOR UPDATE '
                   'TO drp_desk USING ((SELECT public.drp_holds_feed_lock()))', t);
  END LOOP;
END $$;
"""

# --- h019 (issue 19, s5): a moved case's row is its new officer's to read ---------------------
MOVED = """
DROP POLICY desk_read ON "case";
CREATE POLICY desk_read ON "case" FOR SELECT TO drp_desk USING (id IN (SELECT drp_my_cases()));

CREATE FUNCTION drp_moved_cases(wanted text[]) RETURNS TABLE (id text, officer_id text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT k.id, k.officer_id FROM public."case" k
  WHERE k.id = ANY (wanted) AND public.drp_allocated(k.id) $$;
REVOKE ALL ON FUNCTION drp_moved_cases(text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_moved_cases(text[]) TO drp_desk;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LOCKS)
    op.execute(MOVED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h019 is not undone: restore the hub from its backup")
