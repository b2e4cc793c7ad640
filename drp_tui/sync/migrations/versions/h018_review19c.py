"""What review 19c found a desk's own login could still do on a PostgreSQL hub, closed:

- rows in another officer's name: a call, promise, arrangement, assessment, vulnerability,
  authority or write-off request a desk creates names the officer who did the work; it must be
  the desk's own (or nobody), and a changed one too (an authority's `ended_by`). The rule is
  `drp_officer_rule`, a pure function, with rules.py's `officer_refusal` its Python twin
  (tests/test_hub_rules_parity.py runs both);
- the nightly and bulk jobs' events (arrangements check, imports, letters batch, a
  supervisor's --allow-repeat) are batch duty on the hub as on the desk (`drp_kind_needs`),
  and so is a promise's status: a desk makes a promise open, the nightly check finds it kept
  or broken (`drp_promise_rule`, rules.py's `promise_refusal`);
- a payment's or a write-off decision's explaining event must be about the row's own case: a
  case-less `payment.recorded` explained a payment on any debt; and a payment is judged under
  the feed lock: two sessions of one desk reversing one payment at once both passed;
- a desk could write the record of its own refusal first (`hubrefusal` ids were
  md5(workstation || item), so its forgery's real refusal was dropped as a repeat): the id now
  covers the reason too;
- a desk could push (`drp_push_events(workstation, ...)`) or write (its own `drp.origin`
  setting) as another officer's workstation, so that desk never pulled the changes and the
  hub's record of who sent what was wrong: a desk's workstation must be registered to it;
- a desk could still change a case (its hold, its next action) after it moved to another
  officer: the case's UPDATE policy is the officer's own cases now, as every other table's;
- an event dated after it reached the hub (beyond an hour's clock drift) is refused: a desk
  that marked its own store training could record work with a pinned clock
  (`drp_time_rule`, rules.py's `time_refusal`);
- `hubanchor_forward` (h012), run as the hub's owner, searched pg_temp first: a desk's
  temporary table named `hubanchor` let it anchor behind its last anchor. Every SECURITY
  DEFINER function searches pg_temp last again.

Frozen: later changes are new migrations.

Revision ID: h018_review19c
Revises: h017_complaints_appointments
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h018_review19c"
down_revision = "h017_complaints_appointments"
branch_labels = None
depends_on = None

SUPERVISOR_KINDS = (
    "('writeoff.approved', 'writeoff.refused', 'retention.applied', 'sar.exported', "
    "'person.erased')"
)
BATCH_KINDS = (
    "('queue.returned', 'arrangement.completed', 'arrangement.breached', 'promise.kept', "
    "'promise.broken', 'import.cases', 'import.payments', 'payment.repeat_allowed', "
    "'letter.printed', 'letter.withheld')"
)
# rules.py INSTANT
INSTANT = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00$"
# rules.py BY_OFFICER
BY_OFFICER = """CASE tab
      WHEN 'contactattempt' THEN ARRAY['officer_id']
      WHEN 'promise' THEN ARRAY['officer_id']
      WHEN 'arrangement' THEN ARRAY['officer_id']
      WHEN 'assessment' THEN ARRAY['officer_id']
      WHEN 'vulnerability' THEN ARRAY['recorded_by']
      WHEN 'thirdpartyauthority' THEN ARRAY['recorded_by', 'ended_by']
      WHEN 'writeoffrequest' THEN ARRAY['requested_by']
      ELSE ARRAY[]::text[] END"""

RULES = f"""
CREATE OR REPLACE FUNCTION drp_kind_needs(kind text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN kind IN {BATCH_KINDS} THEN 'batch'
    WHEN kind IN {SUPERVISOR_KINDS} OR starts_with(kind, 'queue.')
      OR starts_with(kind, 'officer.') THEN 'supervise'
  END $$;

-- `new` as the desk sends it, `before` the hub's copy (NULL: new).
CREATE FUNCTION drp_officer_rule(tab text, new jsonb, before jsonb, sender text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT tab || '.' || u.c || ': in the name of another officer (' || (new ->> u.c) || ')'
  FROM unnest({BY_OFFICER}) WITH ORDINALITY AS u(c, n)
  WHERE new ->> u.c IS NOT NULL AND new ->> u.c IS DISTINCT FROM sender
    AND (before ->> u.c) IS DISTINCT FROM (new ->> u.c)
  ORDER BY u.n LIMIT 1 $$;

-- An event dated after it reached the hub, beyond a clock's drift, was made with a clock set
-- ahead (rules.py time_refusal): `at` as a store writes it, compared as text in UTC.
CREATE FUNCTION drp_time_rule(kind text, at text, received timestamptz) RETURNS text
LANGUAGE sql STABLE AS $$
  SELECT CASE
    WHEN at IS NULL OR at COLLATE "C" !~ '{INSTANT}'
      THEN kind || ': its time is not an instant as drp writes it'
    WHEN at COLLATE "C" > to_char((received + interval '1 hour') AT TIME ZONE 'UTC',
                                  'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"') COLLATE "C"
      THEN kind || ': dated after it reached the hub (' || at || ')'
  END $$;

-- A promise a desk makes is open; kept or broken is the nightly check's verdict (rules.py
-- promise_refusal).
CREATE FUNCTION drp_promise_rule(new jsonb, before jsonb, sender_role text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN (new ->> 'status') IS NOT DISTINCT FROM coalesce(before ->> 'status', 'open')
         OR public.drp_may(sender_role, 'batch') THEN NULL
    ELSE 'a promise ' || coalesce(new ->> 'status', 'without a status')
         || ' only from the nightly check (a supervisor or the nightly service login)'
  END $$;
"""

ORIGIN = "nullif(current_setting('drp.origin', true), '')"

CHECKS = f"""
CREATE OR REPLACE FUNCTION drp_refused(item text, about text, reason text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO hubrefusal (id, workstation_id, officer_id, case_id, item, reason, received_at)
  VALUES (md5(coalesce({ORIGIN}, '') || item || ' ' || reason),
          coalesce({ORIGIN}, '(unknown)'),
          session_user, about, item, reason,
          to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
  ON CONFLICT (id) DO NOTHING $$;

-- The workstations a desk may speak for: its own officer's.
CREATE FUNCTION drp_my_workstation(workstation text) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.hubworkstation w
                 WHERE w.id = workstation AND w.officer_id = session_user) $$;

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
  IF NOT public.drp_my_workstation(workstation) THEN
    RAISE EXCEPTION 'workstation % is not registered to %', workstation, me
      USING ERRCODE = '42501';
  END IF;
  PERFORM set_config('drp.origin', workstation, true);
  RETURN QUERY
  WITH staged AS (
    DELETE FROM public.hubstage_event s WHERE s.login = me RETURNING s.*
  ), judged AS (
    SELECT s.*, coalesce(public.drp_event_rule(me, my_role, s.kind, s.officer_id, s.case_id,
                                               a.case_id IS NOT NULL),
                         public.drp_time_rule(s.kind, s.at, now())) AS why
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
    SELECT md5(workstation || 'event ' || j.id || ' ' || j.why), workstation, me, j.case_id,
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
  before jsonb := CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END;
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
  ELSE
    reason := drp_officer_rule(TG_TABLE_NAME, j, before, session_user);
  END IF;
  IF reason IS NOT NULL THEN
    NULL;
  ELSIF TG_TABLE_NAME = 'payment' AND TG_OP = 'INSERT' THEN
    -- The debt's payments are read under the feed lock, which the insert's feed trigger takes
    -- anyway: two sessions reversing one payment at once are judged one after the other.
    PERFORM public.drp_feed_lock();
    reason := drp_payment_rule(
      (j->>'amount')::numeric,
      (SELECT e.payload::jsonb FROM hubevent e
       WHERE e.kind = 'payment.recorded' AND e.officer_id = session_user
         AND e.case_id = about AND e.payload::jsonb->>'payment' = NEW.id LIMIT 1),
      ARRAY(SELECT p.amount::numeric FROM payment p WHERE p.debt_id = j->>'debt_id'));
  ELSIF TG_TABLE_NAME = 'promise' THEN
    reason := drp_promise_rule(j, before, my_role);
  ELSIF TG_TABLE_NAME = 'writeoffrequest' THEN
    reason := drp_writeoff_rule(
      j, before, session_user, my_role,
      EXISTS (SELECT 1 FROM hubevent e
              WHERE e.kind = 'writeoff.' || (j->>'status') AND e.officer_id = session_user
                AND e.case_id = about AND e.payload::jsonb->>'request' = NEW.id));
  ELSIF TG_TABLE_NAME = 'complaint' THEN
    reason := drp_complaint_rule(j, before, session_user);
  ELSIF TG_TABLE_NAME = 'appointment' THEN
    reason := drp_appointment_rule(
      j, before, session_user, my_role,
      (SELECT k.officer_id FROM "case" k WHERE k.id = j->>'case_id'));
  END IF;
  IF reason IS NOT NULL THEN
    PERFORM drp_refused(TG_TABLE_NAME || ' ' || key, about, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;

-- A desk's own INSERT into hubevent: the same time rule as its staged push.
CREATE OR REPLACE FUNCTION drp_check_event() RETURNS trigger LANGUAGE plpgsql
SECURITY INVOKER SET search_path = public, pg_temp AS $$
DECLARE reason text;
BEGIN
  IF NOT drp_is_desk() OR (current_user <> session_user AND current_user = (
      SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
      WHERE c.oid = TG_RELID)) THEN
    RETURN NEW;
  END IF;
  reason := coalesce(drp_event_refusal(NEW.officer_id, NEW.kind, NEW.case_id),
                     drp_time_rule(NEW.kind, NEW.at, now()));
  IF reason IS NOT NULL THEN
    PERFORM drp_refused('event ' || NEW.id, NEW.case_id, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;

-- A desk's writes are fed with its own workstation as their origin, or none: checked once a
-- statement, on the feed entries it made.
CREATE FUNCTION drp_check_origins() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE named text;
BEGIN
  SELECT n.origin INTO named
  FROM (SELECT DISTINCT f.origin FROM fed f WHERE f.origin IS NOT NULL) n
  WHERE NOT EXISTS (SELECT 1 FROM public.hubworkstation w
                    WHERE w.id = n.origin AND w.officer_id = session_user)
  LIMIT 1;
  IF named IS NOT NULL THEN
    RAISE EXCEPTION 'workstation % is not registered to %', named, session_user
      USING ERRCODE = '42501';
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER drp_check_origins AFTER INSERT ON hubchange REFERENCING NEW TABLE AS fed
FOR EACH STATEMENT WHEN (drp_is_desk()) EXECUTE FUNCTION drp_check_origins();
"""

# h005 let a desk UPDATE a case row it may read, and a case moved away stays readable (the
# desk learns of the move from it): so the officer it moved from could still set its hold or
# next action. Now, as every other table's, only the officer's own cases (a supervisor's,
# their team's, which the row check then refuses unless ever allocated to them).
CASE_UPDATE = """
DROP POLICY desk_update ON "case";
CREATE POLICY desk_update ON "case" FOR UPDATE TO drp_desk
  USING (id IN (SELECT drp_my_cases())) WITH CHECK (true);
"""

# As h006: a function that runs as the hub's owner must not find a desk's own temporary
# table of the same name first. h012's hubanchor_forward was made after h006 with
# `search_path = public` only, which searches pg_temp first.
LAST_TEMP = (
    "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p "
    "WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace LOOP EXECUTE format("
    "'ALTER FUNCTION %s SET search_path = public, pg_temp', f); END LOOP; END $$"
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(RULES)
    op.execute(CHECKS)
    op.execute(CASE_UPDATE)
    op.execute(LAST_TEMP)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h018 is not undone: restore the hub from its backup")
