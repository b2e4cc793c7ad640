"""A desk role's events go up staged (issue 19, items 3, 4 and 6): the desk COPYs a batch into
`hubstage_event` (no lock taken: nothing is fed), then one call of the SECURITY DEFINER
function `drp_push_events` judges the whole batch at once on the server (the rules of
drp_tui/sync/rules.py, the officer from `session_user`), appends what passes to `hubevent`,
records each refusal in `hubrefusal`, and returns the verdicts. The feed lock is taken only
inside that one call. h005's row-by-row check stays for rows a desk role inserts into
`hubevent` itself; it stands aside only inside the hub owner's own functions. Every function
that runs as the hub's owner searches pg_temp last, so a desk's temporary table cannot stand
in for a hub table. Frozen: later changes are new migrations.

Revision ID: h006_staged_push
Revises: h005_desk_roles
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h006_staged_push"
down_revision = "h005_desk_roles"
branch_labels = None
depends_on = None

SUPERVISOR_KINDS = (
    "('writeoff.approved', 'writeoff.refused', 'officer.added', 'officer.changed', "
    "'officer.updated')"
)
COLUMNS = "id, officer_id, at, case_id, kind, payload, prev_hash, hash"
REASON = f"""CASE
      WHEN NOT known THEN 'no officer ''' || me || ''' on the hub'
      WHEN s.officer_id IS DISTINCT FROM me
        THEN s.kind || ': in the name of another officer (' || s.officer_id || ')'
      WHEN s.kind IN {SUPERVISOR_KINDS} AND NOT supervisor
        THEN s.kind || ': only a supervisor may send it'
      WHEN s.kind IN ('writeoff.approved', 'writeoff.refused') AND s.case_id IS NULL
        THEN s.kind || ': a write-off decision needs its case'
      WHEN s.case_id IS NOT NULL AND a.case_id IS NULL
        THEN s.kind || ': case never allocated to this officer'
    END"""

SQL = f"""
CREATE UNLOGGED TABLE hubstage_event (
  login text NOT NULL, id text NOT NULL, officer_id text NOT NULL, at text NOT NULL,
  case_id text, kind text NOT NULL, payload text NOT NULL, prev_hash text NOT NULL,
  hash text NOT NULL);
CREATE INDEX ix_hubstage_event_login ON hubstage_event (login);

-- Whatever a desk writes in `login`, the row is staged as its own.
CREATE FUNCTION drp_stage_as_session() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN NEW.login := session_user; RETURN NEW; END $$;
CREATE TRIGGER drp_stage_as_session BEFORE INSERT ON hubstage_event
FOR EACH ROW EXECUTE FUNCTION drp_stage_as_session();

CREATE FUNCTION drp_event_refusal(sender text, kind text, about text) RETURNS text
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT CASE
    WHEN NOT EXISTS (SELECT 1 FROM officer WHERE id = session_user)
      THEN 'no officer ''' || session_user || ''' on the hub'
    WHEN sender IS DISTINCT FROM session_user
      THEN kind || ': in the name of another officer (' || sender || ')'
    WHEN kind IN {SUPERVISOR_KINDS} AND NOT drp_is_supervisor()
      THEN kind || ': only a supervisor may send it'
    WHEN kind IN ('writeoff.approved', 'writeoff.refused') AND about IS NULL
      THEN kind || ': a write-off decision needs its case'
    WHEN about IS NOT NULL AND NOT drp_allocated(about)
      THEN kind || ': case never allocated to this officer'
  END $$;

-- Runs as its caller now, so current_user is the hub's owner only inside the owner's own
-- functions (drp_push_events, which has judged its rows already).
CREATE OR REPLACE FUNCTION drp_check_event() RETURNS trigger LANGUAGE plpgsql
SECURITY INVOKER SET search_path = public, pg_temp AS $$
DECLARE reason text;
BEGIN
  IF NOT drp_is_desk() OR (current_user <> session_user AND current_user = (
      SELECT r.rolname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
      WHERE c.oid = TG_RELID)) THEN
    RETURN NEW;
  END IF;
  reason := drp_event_refusal(NEW.officer_id, NEW.kind, NEW.case_id);
  IF reason IS NOT NULL THEN
    PERFORM drp_refused('event ' || NEW.id, NEW.case_id, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION drp_push_events(workstation text, received text)
RETURNS TABLE (pushed_id text, refusal text) LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public, pg_temp AS $$
DECLARE
  me text := session_user;
  known boolean := EXISTS (SELECT 1 FROM public.officer o WHERE o.id = session_user);
  supervisor boolean := public.drp_is_supervisor();
BEGIN
  IF NOT public.drp_is_desk() THEN
    RAISE EXCEPTION 'drp_push_events is for a desk''s own login' USING ERRCODE = '42501';
  END IF;
  UPDATE public.huborigin SET workstation_id = workstation WHERE id = 1;
  RETURN QUERY
  WITH staged AS (
    DELETE FROM public.hubstage_event s WHERE s.login = me RETURNING s.*
  ), judged AS (
    SELECT s.*, {REASON} AS why
    FROM staged s
    LEFT JOIN public.huballocation a ON a.case_id = s.case_id AND a.officer_id = me
  ), appended AS (
    INSERT INTO public.hubevent ({COLUMNS}, workstation_id, received_at)
    SELECT {COLUMNS}, workstation, received FROM judged WHERE judged.why IS NULL
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
  UPDATE public.huborigin SET workstation_id = NULL WHERE id = 1;
END $$;

REVOKE ALL ON FUNCTION drp_push_events(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_push_events(text, text) TO drp_desk;
GRANT INSERT ON hubstage_event TO drp_desk;
"""
# A function that runs as the hub's owner must not find a desk's own temporary table of the
# same name first: pg_temp goes last on the search path of every one of them.
LAST_TEMP = (
    "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p "
    "WHERE p.prosecdef AND p.pronamespace = 'public'::regnamespace LOOP EXECUTE format("
    "'ALTER FUNCTION %s SET search_path = public, pg_temp', f); END LOOP; END $$"
)


# Whether the session is a desk's: asked once a row by every check, so it must be cheap (h005's
# asked the catalogue each time: a millisecond a row, on the owner's imports too). A desk's
# role is in drp_desk and is not (nor a member of) the hub's owner, who runs this migration.
CHEAP_IS_DESK = (
    "DO $$ BEGIN EXECUTE format('CREATE OR REPLACE FUNCTION drp_is_desk() RETURNS boolean "
    "LANGUAGE sql STABLE SECURITY INVOKER RESET search_path AS $f$ "
    "SELECT pg_has_role(session_user, ''drp_desk'', ''MEMBER'') "
    "AND NOT pg_has_role(session_user, %L, ''MEMBER'') $f$', current_user); END $$"
)

# ...and the checks do not even start for anyone else's session (the owner's import, a push
# by the owner's credential): each trigger fires only WHEN the session is a desk's.
ONLY_FOR_DESKS = """
DO $$ DECLARE t record; BEGIN
  FOR t IN SELECT tgrelid::regclass::text AS tab, tgname AS name FROM pg_trigger
           WHERE tgname IN ('drp_check_desk', 'drp_desk_payment') LOOP
    EXECUTE format('DROP TRIGGER %I ON %s', t.name, t.tab);
    IF t.name = 'drp_desk_payment' THEN
      EXECUTE format('CREATE TRIGGER drp_desk_payment AFTER INSERT ON %s FOR EACH ROW '
                     'WHEN (drp_is_desk()) EXECUTE FUNCTION drp_desk_payment()', t.tab);
    ELSIF t.tab = 'hubevent' THEN
      EXECUTE 'CREATE TRIGGER drp_check_desk BEFORE INSERT ON hubevent FOR EACH ROW '
              'WHEN (drp_is_desk()) EXECUTE FUNCTION drp_check_event()';
    ELSE
      EXECUTE format('CREATE TRIGGER drp_check_desk BEFORE INSERT OR UPDATE ON %s '
                     'FOR EACH ROW WHEN (drp_is_desk()) EXECUTE FUNCTION drp_check_row()',
                     t.tab);
    END IF;
  END LOOP;
END $$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(CHEAP_IS_DESK)
    op.execute(SQL)
    op.execute(LAST_TEMP)
    op.execute(ONLY_FOR_DESKS)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h006 is not undone: restore the hub from its backup")
