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
- a desk marked an arrangement's instalments paid (`instalment.paid`) with no payment on its
  debts, so the nightly check completed the arrangement. What is paid may now rise only within
  the payments the hub has on the arrangement's debts (`drp_instalment_rule`, rules.py's
  `instalment_refusal`; tests/test_hub_rules_parity.py runs both). It is a trigger of its own
  (`drp_check_instalment`, after `drp_check_desk`'s allocation and officer checks), not a
  branch of `drp_check_row`, which is left as h018 made it. A push sends payments before
  instalments (tables.py) so an honest one is judged with its payment there.

Frozen: later changes are new migrations.

Revision ID: h020_trust_locks
Revises: h019_diary_rows
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h020_trust_locks"
down_revision = "h019_diary_rows"
branch_labels = None
depends_on = None

# --- h020 (issue 19, s5): a desk locks or changes rows only under the feed lock -------------
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

# --- h020 (issue 19, s5): a moved case's row is its new officer's to read ---------------------
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

# --- h020 (issue 19, s5): instalments are paid by payments -------------------------------------
INSTALMENTS = """
CREATE FUNCTION drp_instalment_rule(paid numeric, before numeric, others numeric,
                                    received numeric) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE WHEN paid > coalesce(before, 0) AND others + paid > received
    THEN 'instalments paid ' || to_char((others + paid) / 100, 'FM999999999999990.00')
         || ', more than the ' || to_char(received / 100, 'FM999999999999990.00')
         || ' received on the arrangement''s debts'
  END $$;

CREATE FUNCTION drp_check_instalment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
  before numeric := CASE WHEN TG_OP = 'UPDATE' THEN OLD.paid END;
  reason text;
BEGIN
  IF NOT public.drp_is_desk() OR NEW.paid <= coalesce(before, 0) THEN
    RETURN NEW;
  END IF;
  -- What is paid and received, read under the feed lock: two sessions paying at once queue.
  PERFORM public.drp_feed_lock();
  reason := public.drp_instalment_rule(
    NEW.paid, before,
    (SELECT coalesce(sum(i.paid), 0) FROM public.instalment i
     WHERE i.arrangement_id = NEW.arrangement_id AND i.id <> NEW.id),
    (SELECT coalesce(sum(p.amount), 0) FROM public.payment p WHERE p.debt_id IN (
       SELECT a.debt_id FROM public.arrangement a WHERE a.id = NEW.arrangement_id
       UNION SELECT l.debt_id FROM public.arrangement_debt l
       WHERE l.arrangement_id = NEW.arrangement_id)));
  IF reason IS NOT NULL THEN
    PERFORM public.drp_refused(
      'instalment ' || NEW.id,
      (SELECT a.case_id FROM public.arrangement a WHERE a.id = NEW.arrangement_id), reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER drp_check_instalment BEFORE INSERT OR UPDATE ON instalment
FOR EACH ROW EXECUTE FUNCTION drp_check_instalment();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(LOCKS)
    op.execute(MOVED)
    op.execute(INSTALMENTS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h020 is not undone: restore the hub from its backup")
