"""What a desk may send, as pure SQL functions of their inputs (issue 19; review 19).

The rules of drp_tui/sync/rules.py were written into h005's and h006's checks inline, and had
drifted apart from the Python in what a review found:

- event kinds were a list of five supervisor kinds: a plain officer's desk could send the
  queue's allocation events (`queue.moved`, `queue.allocated`, `queue.rebalanced`). Now every
  kind in the `queue.` and `officer.` namespaces is a supervisor's (`queue.returned`, the
  nightly job's, also the service login's), as are `retention.applied` and `sar.exported`;
- a reversal needed only a payment of the same amount on the debt: one payment could be
  reversed again and again. Now it needs more payments of that amount than reversals of it;
- a write-off was checked only on a change into approved or refused: an officer's desk could
  move an approved write-off back, or rewrite who approved it. Now a decision is final, and is
  a supervisor's, in their own name.

`drp_event_rule`, `drp_payment_rule` and `drp_writeoff_rule` take everything they judge as
arguments and read no table, so tests/test_hub_rules_parity.py can run the same table of
cases through them and through rules.py; the checks (`drp_push_events`, `drp_event_refusal`,
`drp_check_row`) look up the inputs and call them. They are plain SQL, so the planner inlines
the event rule into the push's one set-based statement. Frozen: later changes are new
migrations.

Revision ID: h009_desk_rules_as_functions
Revises: h008_feed_lock_owner_only
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h009_desk_rules_as_functions"
down_revision = "h008_feed_lock_owner_only"
branch_labels = None
depends_on = None

SUPERVISORS = "('supervisor', 'manager', 's151')"
OFFICER_ROLES = "('officer', 'supervisor', 'manager', 's151')"
SUPERVISOR_KINDS = "('writeoff.approved', 'writeoff.refused', 'retention.applied', 'sar.exported')"
BATCH_KINDS = "('queue.returned')"
DECIDED = "('approved', 'refused')"
AMOUNT = r"'^-?[0-9]+(\.[0-9]+)?$'"

RULES = f"""
CREATE FUNCTION drp_kind_needs(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind IN {BATCH_KINDS} THEN 'batch'
    WHEN kind IN {SUPERVISOR_KINDS} OR starts_with(kind, 'queue.')
      OR starts_with(kind, 'officer.') THEN 'supervise'
  END $$;

CREATE FUNCTION drp_may(role text, duty text) RETURNS boolean LANGUAGE sql IMMUTABLE AS $$
  SELECT coalesce(CASE duty
    WHEN 'supervise' THEN role IN {SUPERVISORS}
    WHEN 'batch' THEN role IN {SUPERVISORS} OR role = 'service'
    ELSE role IN {OFFICER_ROLES} END, false) $$;

CREATE FUNCTION drp_event_rule(sender text, sender_role text, kind text, officer_id text,
                               about text, allocated boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN sender_role IS NULL THEN 'no officer ''' || sender || ''' on the hub'
    WHEN officer_id IS DISTINCT FROM sender
      THEN kind || ': in the name of another officer (' || coalesce(officer_id, '') || ')'
    WHEN public.drp_kind_needs(kind) = 'supervise'
         AND NOT public.drp_may(sender_role, 'supervise')
      THEN kind || ': only a supervisor may send it'
    WHEN public.drp_kind_needs(kind) = 'batch' AND NOT public.drp_may(sender_role, 'batch')
      THEN kind || ': only a supervisor or the nightly service login may send it'
    WHEN kind IN ('writeoff.approved', 'writeoff.refused') AND about IS NULL
      THEN kind || ': a write-off decision needs its case'
    WHEN about IS NOT NULL AND NOT coalesce(allocated, false)
      THEN kind || ': case never allocated to this officer'
  END $$;

-- `explaining`: the payload of the sender's payment.recorded event naming the row (or NULL);
-- `earlier`: the amounts (pence) of the payments already on the debt.
CREATE FUNCTION drp_payment_rule(amount numeric, explaining jsonb, earlier numeric[])
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN explaining IS NULL THEN 'no payment.recorded event explains it'
    WHEN (CASE WHEN jsonb_typeof(explaining -> 'amount') = 'string'
                    AND explaining ->> 'amount' ~ {AMOUNT}
               THEN (explaining ->> 'amount')::numeric * 100 END) IS DISTINCT FROM amount
      THEN 'the amount is not its payment.recorded event''s'
    WHEN amount < 0 AND NOT (
        coalesce(explaining -> 'reversal' = 'true'::jsonb, false)
        AND (SELECT count(*) FILTER (WHERE e = -amount) > count(*) FILTER (WHERE e = amount)
             FROM unnest(earlier) e))
      THEN 'a negative amount not the reversal of an earlier payment'
  END $$;

-- `row` as the desk sends it, `before` the hub's copy (NULL: new), `explained`: the sender's
-- writeoff.<status> event naming it is on the hub.
CREATE FUNCTION drp_writeoff_rule(new jsonb, before jsonb, sender text, sender_role text,
                                  explained boolean) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN (new ->> 'status', new ->> 'approved_by', new ->> 'approved_at')
         IS NOT DISTINCT FROM (coalesce(before ->> 'status', 'requested'),
                               before ->> 'approved_by', before ->> 'approved_at')
      THEN NULL
    WHEN before ->> 'status' IN {DECIDED}
      THEN 'the write-off is ' || (before ->> 'status') || ': a decision is final'
    WHEN new ->> 'status' IS NULL OR new ->> 'status' NOT IN {DECIDED}
      THEN 'who decided a write-off is recorded only with its decision'
    WHEN NOT public.drp_may(sender_role, 'supervise')
      THEN CASE new ->> 'status' WHEN 'approved' THEN 'an' ELSE 'a' END || ' '
           || (new ->> 'status') || ' write-off only from a supervisor'
    WHEN new ->> 'approved_by' IS DISTINCT FROM sender
      THEN 'a write-off ' || (new ->> 'status') || ' in the name of another officer ('
           || coalesce(new ->> 'approved_by', 'nobody') || ')'
    WHEN NOT coalesce(explained, false)
      THEN 'no writeoff.' || (new ->> 'status') || ' event explains it'
  END $$;
"""

CHECKS = """
CREATE OR REPLACE FUNCTION drp_event_refusal(sender text, kind text, about text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT public.drp_event_rule(session_user,
    (SELECT o.role FROM public.officer o WHERE o.id = session_user), kind, sender, about,
    about IS NOT NULL AND public.drp_allocated(about)) $$;

CREATE OR REPLACE FUNCTION drp_push_events(workstation text, received text)
RETURNS TABLE (pushed_id text, refusal text) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
  me text := session_user;
  my_role text := (SELECT o.role FROM public.officer o WHERE o.id = session_user);
BEGIN
  IF NOT public.drp_is_desk() THEN
    RAISE EXCEPTION 'drp_push_events is for a desk''s own login' USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('drp.origin', workstation, true);
  RETURN QUERY
  WITH staged AS (
    DELETE FROM public.hubstage_event s WHERE s.login = me RETURNING s.*
  ), judged AS (
    SELECT s.*, public.drp_event_rule(me, my_role, s.kind, s.officer_id, s.case_id,
                                      a.case_id IS NOT NULL) AS why
    FROM staged s
    LEFT JOIN public.huballocation a ON a.case_id = s.case_id AND a.officer_id = me
  ), appended AS (
    INSERT INTO public.hubevent
      (id, officer_id, at, case_id, kind, payload, prev_hash, hash, workstation_id, received_at)
    SELECT id, officer_id, at, case_id, kind, payload, prev_hash, hash, workstation, received
    FROM judged WHERE judged.why IS NULL
    ON CONFLICT (id) DO NOTHING RETURNING 1
  ), recorded AS (
    INSERT INTO public.hubrefusal
      (id, workstation_id, officer_id, case_id, item, reason, received_at)
    SELECT md5(workstation || 'event ' || j.id), workstation, me, j.case_id,
           'event ' || j.id, j.why, received
    FROM judged j WHERE j.why IS NOT NULL
    ON CONFLICT (id) DO NOTHING RETURNING 1
  )
  SELECT j.id, j.why FROM judged j;
  PERFORM set_config('drp.origin', '', true);
END $$;

CREATE OR REPLACE FUNCTION drp_check_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
  j jsonb := to_jsonb(NEW);
  about text;
  allowed boolean;
  reason text;
  my_role text := (SELECT o.role FROM officer o WHERE o.id = session_user);
  key text := coalesce(j->>'id', (j->>'debt_id') || ' ' || (j->>'person_id'));
BEGIN
  IF NOT drp_is_desk() THEN RETURN NEW; END IF;
  IF TG_TABLE_NAME = 'arrangement_debt' THEN
    key := (j->>'arrangement_id') || ' ' || (j->>'debt_id');
  END IF;
  IF TG_TABLE_NAME = 'case' THEN about := NEW.id;
  ELSIF j ? 'case_id' THEN about := j->>'case_id';
  ELSIF j ? 'debt_id' THEN SELECT case_id INTO about FROM debt WHERE id = j->>'debt_id';
  ELSIF j ? 'arrangement_id' THEN
    SELECT case_id INTO about FROM arrangement WHERE id = j->>'arrangement_id';
  END IF;
  IF TG_TABLE_NAME = 'person' OR (about IS NULL AND j ? 'person_id') THEN
    SELECT k.id INTO about FROM "case" k
    WHERE k.person_id = coalesce(j->>'person_id', j->>'id') AND drp_allocated(k.id) LIMIT 1;
  END IF;
  allowed := about IS NOT NULL AND drp_allocated(about);
  IF my_role IS NULL THEN
    reason := 'no officer ''' || session_user || ''' on the hub';
  ELSIF NOT allowed THEN
    reason := 'case never allocated to this officer';
  ELSIF TG_TABLE_NAME = 'payment' AND TG_OP = 'INSERT' THEN
    reason := drp_payment_rule(
      (j->>'amount')::numeric,
      (SELECT e.payload::jsonb FROM hubevent e
       WHERE e.kind = 'payment.recorded' AND e.officer_id = session_user
         AND e.payload::jsonb->>'payment' = NEW.id LIMIT 1),
      ARRAY(SELECT p.amount::numeric FROM payment p WHERE p.debt_id = j->>'debt_id'));
  ELSIF TG_TABLE_NAME = 'writeoffrequest' THEN
    reason := drp_writeoff_rule(
      j, CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END, session_user, my_role,
      EXISTS (SELECT 1 FROM hubevent e
              WHERE e.kind = 'writeoff.' || (j->>'status') AND e.officer_id = session_user
                AND e.payload::jsonb->>'request' = NEW.id));
  END IF;
  IF reason IS NOT NULL THEN
    PERFORM drp_refused(TG_TABLE_NAME || ' ' || key, about, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(RULES)
    op.execute(CHECKS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h009 is not undone: restore the hub from its backup")
