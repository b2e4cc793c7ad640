"""Complaints, appointments and phones' consent to texts on the hub, closed where review 21d
found them open (issue 21):

- a change to a row the hub has was never judged: a desk's own login (or a desk whose file was
  edited) could mark a future appointment kept, move one to 03:00, put a complaint's reply off
  a year or mark a debtor's mobile for texts, with no event. Every step drp takes on these rows
  is an event stating the row as it left the step; now a change is taken only if one of the
  sender's own events on the row states its decided columns (`drp_diary_change_rule`, the
  twin of sync/diary_rules.py `change_refusal`; tests/test_hub_rules_parity.py runs both),
  and a cancelled, kept or missed appointment or a closed complaint is final;
- `drp_appointment_rule` let an officer book into the calendar of the case's officer, so a
  desk could book into the calendar of the officer its case moved to: an officer books in
  their own calendar only (a supervisor in anyone's), as the desk's service does; and a
  change is from the officer the appointment is with, its case's officer or a supervisor;
- an appointment stays in its officer's calendar when its case moves (h017), but that officer
  could neither read its changes nor record it kept: their login now reads and updates the
  appointments in their own calendar, those appointments' feed entries and the events they
  sent themselves.

`drp_check_row` is h018's with one block added, marked "h019". Frozen: later changes are new
migrations.

Revision ID: h019_diary_rows
Revises: h018_review19c
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h019_diary_rows"
down_revision = "h018_review19c"
branch_labels = None
depends_on = None

# sync/diary_rules.py DECIDED and INSTANT
DECIDED = """CASE tab
      WHEN 'complaint' THEN ARRAY['stage', 'stage_started_on', 'pauses_recovery', 'reply_due',
                                  'status', 'outcome', 'closed_on']
      WHEN 'appointment' THEN ARRAY['starts_at', 'status']
      WHEN 'phone' THEN ARRAY['sms_consent_at']
      ELSE ARRAY[]::text[] END"""
INSTANT = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?"
    r"[+-][0-9]{2}:[0-9]{2}$"
)

RULES = f"""
-- An instant as drp writes or states one, or NULL (diary_rules.py instant).
CREATE FUNCTION drp_instant(at text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
BEGIN
  IF at IS NULL OR at COLLATE "C" !~ '{INSTANT}' THEN RETURN NULL; END IF;
  RETURN at::timestamptz;
EXCEPTION WHEN others THEN RETURN NULL;
END $$;

-- Whether an event's payload (`stated`, with the event's `at`) states `new`'s decided columns.
CREATE FUNCTION drp_diary_states(tab text, new jsonb, stated jsonb) RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT NOT EXISTS (
    SELECT 1 FROM unnest({DECIDED}) AS c
    WHERE CASE WHEN c IN ('starts_at', 'sms_consent_at') THEN
        public.drp_instant(stated ->> CASE c WHEN 'sms_consent_at' THEN 'at' ELSE c END) IS NULL
        OR public.drp_instant(stated ->> CASE c WHEN 'sms_consent_at' THEN 'at' ELSE c END)
           IS DISTINCT FROM public.drp_instant(new ->> c)
      ELSE (stated ->> c) IS DISTINCT FROM (new ->> c) END) $$;

-- A change to a `tab` row the hub has (`before`), as the desk sends it (`new`); `events` the
-- sender's events on the row, each its payload with the event's `at` (diary_rules.py
-- change_refusal).
CREATE FUNCTION drp_diary_change_rule(tab text, new jsonb, before jsonb, events jsonb)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  latest jsonb;
BEGIN
  IF NOT EXISTS (SELECT 1 FROM unnest({DECIDED}) AS c
                 WHERE (new ->> c) IS DISTINCT FROM (before ->> c)) THEN
    RETURN NULL;
  END IF;
  IF tab = 'phone' THEN
    IF new ->> 'sms_consent_at' IS NULL THEN RETURN NULL; END IF;
    SELECT e INTO latest FROM jsonb_array_elements(coalesce(events, '[]'::jsonb)) AS e
    ORDER BY coalesce(e ->> 'at', '') COLLATE "C" DESC LIMIT 1;
    IF latest IS NULL OR (latest -> 'given') IS DISTINCT FROM 'true'::jsonb
       OR NOT public.drp_diary_states(tab, new, latest) THEN
      RETURN 'no phone.sms_consent event explains the consent to texts';
    END IF;
    RETURN NULL;
  END IF;
  IF (before ->> 'status') IS DISTINCT FROM
     (CASE tab WHEN 'complaint' THEN 'open' WHEN 'appointment' THEN 'booked' END) THEN
    RETURN 'the ' || tab || ' is ' || coalesce(before ->> 'status', 'without a status')
           || ': that is final';
  END IF;
  IF NOT EXISTS (SELECT 1 FROM jsonb_array_elements(coalesce(events, '[]'::jsonb)) AS e
                 WHERE public.drp_diary_states(tab, new, e)) THEN
    RETURN 'no ' || tab || ' event explains the change';
  END IF;
  RETURN NULL;
END $$;

-- h017's, with an officer booking in their own calendar only, and who may change one.
CREATE OR REPLACE FUNCTION drp_appointment_rule(new jsonb, before jsonb, sender text,
                                                sender_role text, case_officer text)
RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN before IS NOT NULL THEN CASE
      WHEN sender IN (before ->> 'officer_id', case_officer)
           OR public.drp_may(sender_role, 'supervise') THEN NULL
      ELSE 'an appointment is changed by the officer it is with, its case''s or a supervisor'
      END
    WHEN new ->> 'booked_by' IS DISTINCT FROM sender
      THEN 'an appointment booked in the name of another officer ('
           || coalesce(new ->> 'booked_by', '') || ')'
    WHEN new ->> 'officer_id' IS DISTINCT FROM sender
         AND NOT public.drp_may(sender_role, 'supervise')
      THEN 'an appointment in ' || coalesce(new ->> 'officer_id', '')
           || '''s calendar is for a supervisor to book'
  END $$;
"""

CHECKS = """
-- The sender's events on a row, judged by drp_diary_change_rule (called by drp_check_row).
CREATE FUNCTION drp_diary_change(tab text, new jsonb, before jsonb, sender text) RETURNS text
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  found jsonb;
BEGIN
  SELECT coalesce(jsonb_agg(e.payload::jsonb || jsonb_build_object('at', e.at)), '[]'::jsonb)
  INTO found
  FROM hubevent e
  WHERE e.officer_id = sender
    AND CASE WHEN tab = 'phone' THEN e.kind = 'phone.sms_consent'
             ELSE starts_with(e.kind, tab || '.') AND e.case_id = new ->> 'case_id' END
    AND jsonb_typeof(e.payload::jsonb) = 'object'
    AND e.payload::jsonb ->> tab = new ->> 'id';
  RETURN public.drp_diary_change_rule(tab, new, before, found);
END $$;
REVOKE EXECUTE ON FUNCTION drp_diary_change(text, jsonb, jsonb, text) FROM PUBLIC;

-- The appointments in the desk officer's own calendar on cases they once had (so their desk
-- has the case), whoever has those cases now.
CREATE FUNCTION drp_my_appointments() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public, pg_temp AS $$
  SELECT a.id FROM public.appointment a
  WHERE a.officer_id = session_user AND a.case_id IN (
    SELECT h.case_id FROM public.huballocation h WHERE h.officer_id = session_user) $$;

-- h018's, with the h019 block.
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
  -- h019 (review 21d): a change to a complaint, an appointment or a phone's consent to texts
  -- the hub has is judged against the sender's events that state it.
  IF reason IS NULL AND TG_OP = 'UPDATE'
     AND TG_TABLE_NAME IN ('complaint', 'appointment', 'phone') THEN
    reason := drp_diary_change(TG_TABLE_NAME, j, before, session_user);
  END IF;
  -- end h019
  IF reason IS NOT NULL THEN
    PERFORM drp_refused(TG_TABLE_NAME || ' ' || key, about, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
"""

# An appointment stays in its officer's calendar when its case moves on (h017): that officer
# reads it and its feed entries, and records its outcome (a stale one, on an appointment
# settled meanwhile, is fed back to them as any settled row); and reads the events they sent
# themselves, so their push finds the one that explains the outcome (their personal fields are
# sealed with the person's key, which a desk reads only on its own cases).
CALENDAR = """
CREATE POLICY desk_read_own ON hubevent FOR SELECT TO drp_desk
  USING (officer_id = session_user);
CREATE POLICY desk_read_calendar ON appointment FOR SELECT TO drp_desk
  USING (officer_id = session_user);
CREATE POLICY desk_update_calendar ON appointment FOR UPDATE TO drp_desk
  USING (officer_id = session_user) WITH CHECK (true);
CREATE POLICY desk_read_calendar ON hubchange FOR SELECT TO drp_desk
  USING (table_name = 'appointment' AND row_key IN (SELECT drp_my_appointments()));
CREATE POLICY desk_insert_calendar ON hubchange FOR INSERT TO drp_desk
  WITH CHECK (table_name = 'appointment' AND row_key IN (SELECT drp_my_appointments()));
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(RULES)
    op.execute(CHECKS)
    op.execute(CALENDAR)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h019 is not undone: restore the hub from its backup")
