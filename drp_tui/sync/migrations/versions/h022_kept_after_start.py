"""An appointment recorded kept or missed before it has started, closed where review 21e found
it open (issue 21): h019's `drp_diary_change_rule` took a change to kept or missed when any of
the sender's events stated it, never comparing with the appointment's time, so a desk that
wrote its own `appointment.kept` event the day before marked a future appointment kept on the
hub (appointments kept and missed are a daily figure). Now such a change is taken only once
the appointment has started: by the time of an event that states it, and by the hub's clock
allowing a desk's clock an hour ahead (as `drp_time_rule`, h018). The rule takes the hub's
clock as an argument, so tests/test_hub_rules_parity.py runs it with Python's
(sync/diary_rules.py `change_refusal`); `drp_diary_change` passes `now()`.

`drp_diary_change_rule` is h019's with one block added, marked "h022". Frozen: later changes
are new migrations.

Revision ID: h022_kept_after_start
Revises: h021_removed_cases
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h022_kept_after_start"
down_revision = "h021_removed_cases"
branch_labels = None
depends_on = None

# sync/diary_rules.py DECIDED (as h019)
DECIDED = """CASE tab
      WHEN 'complaint' THEN ARRAY['stage', 'stage_started_on', 'pauses_recovery', 'reply_due',
                                  'status', 'outcome', 'closed_on']
      WHEN 'appointment' THEN ARRAY['starts_at', 'status']
      WHEN 'phone' THEN ARRAY['sms_consent_at']
      ELSE ARRAY[]::text[] END"""

RULES = f"""
-- A change to a `tab` row the hub has (`before`), as the desk sends it (`new`); `events` the
-- sender's events on the row, each its payload with the event's `at`; `received` the hub's
-- clock (diary_rules.py change_refusal).
CREATE FUNCTION drp_diary_change_rule(tab text, new jsonb, before jsonb, events jsonb,
                                      received timestamptz)
RETURNS text LANGUAGE plpgsql STABLE AS $$
DECLARE
  latest jsonb;
  stating jsonb;
  start timestamptz;
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
  SELECT coalesce(jsonb_agg(e), '[]'::jsonb) INTO stating
  FROM jsonb_array_elements(coalesce(events, '[]'::jsonb)) AS e
  WHERE public.drp_diary_states(tab, new, e);
  IF jsonb_array_length(stating) = 0 THEN
    RETURN 'no ' || tab || ' event explains the change';
  END IF;
  -- h022 (review 21e): kept or missed only once the appointment has started, by the time of
  -- an event that states it and by the hub's clock (a desk's an hour ahead allowed).
  IF tab = 'appointment' AND (new ->> 'status') IN ('kept', 'missed') THEN
    start := public.drp_instant(new ->> 'starts_at');
    IF start IS NULL OR received + interval '1 hour' < start
       OR NOT EXISTS (SELECT 1 FROM jsonb_array_elements(stating) AS e
                      WHERE public.drp_instant(e ->> 'at') >= start) THEN
      RETURN 'an appointment is recorded ' || (new ->> 'status')
             || ' only once it has started';
    END IF;
  END IF;
  -- end h022
  RETURN NULL;
END $$;

-- h019's, judging with the hub's clock.
CREATE OR REPLACE FUNCTION drp_diary_change(tab text, new jsonb, before jsonb, sender text)
RETURNS text LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
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
  RETURN public.drp_diary_change_rule(tab, new, before, found, now());
END $$;
REVOKE EXECUTE ON FUNCTION drp_diary_change(text, jsonb, jsonb, text) FROM PUBLIC;

DROP FUNCTION drp_diary_change_rule(text, jsonb, jsonb, jsonb);
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(RULES)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h022 is not undone: restore the hub from its backup")
