"""Each officer's desk connects to a PostgreSQL hub as the officer's own login role, a member
of the group `drp_desk` (issue 19, item 3), and the database enforces what a desk may do:

- reading: row-level security shows a desk role only its officer's cases (a supervisor's,
  their team's) and what belongs to them; the team's officers and agencies to all;
- writing: no DELETE anywhere, INSERT only into the tables a desk creates rows of, UPDATE only
  of the columns a desk may change (tables.py), nothing on debts, cases' allocation, officers;
- every row and event a desk role writes passes a SECURITY DEFINER trigger that takes the
  officer from `session_user` and applies the rules of drp_tui/sync/rules.py: a refused one is
  skipped and recorded in `hubrefusal` (a security event), the rest of the push goes on;
- a payment a desk role sends takes its amount off the debt's balance by trigger (the desk
  cannot write balances); the change-feed triggers run as the hub's owner.

The hub's owner (the supervisor's --hub connection, `drp hub init`) is not a desk role and is
not limited. On a SQLite hub nothing changes: its trust boundary is the shared folder's
permissions, and the rules are applied in Python by the push. Frozen: later changes are new
migrations.

Revision ID: h005_desk_roles
Revises: h004_append_only_events
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h005_desk_roles"
down_revision = "h004_append_only_events"
branch_labels = None
depends_on = None

SUPERVISORS = "('supervisor', 'manager', 's151')"
SUPERVISOR_KINDS = (
    "('writeoff.approved', 'writeoff.refused', 'officer.added', 'officer.changed', "
    "'officer.updated')"
)
# Set-returning, so a query's policy reads the officer's cases once, not once a row.
BY_CASE = "case_id IN (SELECT drp_my_cases())"
BY_PERSON = "person_id IN (SELECT drp_my_persons())"
BY_DEBT = "debt_id IN (SELECT drp_my_debts())"
BY_ARRANGEMENT = "arrangement_id IN (SELECT drp_my_arrangements())"
# What a desk role may read of each replicated table.
READ = {
    "officer": "true",
    "agency": "true",
    "person": "id IN (SELECT drp_my_persons())",
    "address": BY_PERSON,
    "phone": BY_PERSON,
    # A case moved away stays readable (its row says who has it now), nothing else of it.
    "case": "id IN (SELECT drp_my_cases()) OR id IN (SELECT drp_my_allocations())",
    "debt": BY_CASE,
    "debtparty": BY_DEBT,
    "contactattempt": BY_CASE,
    "promise": BY_CASE,
    "arrangement": BY_CASE,
    "arrangement_debt": BY_ARRANGEMENT,
    "instalment": BY_ARRANGEMENT,
    "assessment": BY_CASE,
    "placement": BY_DEBT,
    "payment": BY_DEBT,
    "vulnerability": BY_PERSON,
    "breathingspace": BY_PERSON,
    "thirdpartyauthority": BY_PERSON,
    "writeoffrequest": BY_DEBT,
    "event": f"case_id IS NULL OR {BY_CASE}",
    "hubevent": f"case_id IS NULL OR {BY_CASE}",
    "hubchange": f"table_name IN ('officer', 'agency') OR moved_from = session_user OR {BY_CASE}",
    "huballocation": "officer_id = session_user",
    "hubworkstation": "officer_id = session_user",
}
CREATED_ON_DESK = (
    "contactattempt",
    "promise",
    "arrangement",
    "arrangement_debt",
    "instalment",
    "assessment",
    "placement",
    "payment",
    "vulnerability",
    "breathingspace",
    "thirdpartyauthority",
    "writeoffrequest",
)
PUSHED_COLUMNS = {
    "person": ("deceased_on",),
    "phone": ("status",),
    "case": ("hold_kind", "hold_reason", "hold_until", "next_action_due", "updated_at"),
    "contactattempt": (
        "ended_at",
        "outcome_code",
        "right_party",
        "idv_result",
        "abandon_reason",
        "notes",
    ),
    "promise": ("status",),
    "arrangement": ("status", "status_reason", "status_changed_at"),
    "instalment": ("paid",),
    "placement": ("status", "returned_on", "return_reason"),
    "vulnerability": ("review_on", "notes"),
    "breathingspace": ("end", "treatment_end"),
    "thirdpartyauthority": ("ended_at", "ended_by", "end_reason"),
    "writeoffrequest": ("status", "approved_by", "approved_at"),
}

FUNCTIONS = f"""
CREATE FUNCTION drp_is_desk() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid
                 JOIN pg_roles u ON u.oid = m.member
                 WHERE g.rolname = 'drp_desk' AND u.rolname = session_user) $$;

CREATE FUNCTION drp_is_supervisor() RETURNS boolean LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM officer WHERE id = session_user AND role IN {SUPERVISORS}) $$;

CREATE FUNCTION drp_my_cases() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT k.id FROM "case" k WHERE k.officer_id = session_user OR k.officer_id IN (
    SELECT o.id FROM officer me JOIN officer o ON o.team = me.team
    WHERE me.id = session_user AND me.role IN {SUPERVISORS}) $$;

CREATE FUNCTION drp_my_persons() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT k.person_id FROM "case" k WHERE k.id IN (SELECT drp_my_cases()) $$;

CREATE FUNCTION drp_my_debts() RETURNS SETOF text LANGUAGE sql STABLE SECURITY DEFINER
SET search_path = public AS $$
  SELECT d.id FROM debt d WHERE d.case_id IN (SELECT drp_my_cases()) $$;

CREATE FUNCTION drp_my_arrangements() RETURNS SETOF text LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public AS $$
  SELECT a.id FROM arrangement a WHERE a.case_id IN (SELECT drp_my_cases()) $$;

CREATE FUNCTION drp_my_allocations() RETURNS SETOF text LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public AS $$
  SELECT case_id FROM huballocation WHERE officer_id = session_user $$;

CREATE FUNCTION drp_allocated(wanted text) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public AS $$
  SELECT EXISTS (SELECT 1 FROM huballocation
                 WHERE case_id = wanted AND officer_id = session_user) $$;

CREATE FUNCTION drp_refused(item text, about text, reason text) RETURNS void LANGUAGE sql
SECURITY DEFINER SET search_path = public AS $$
  INSERT INTO hubrefusal (id, workstation_id, officer_id, case_id, item, reason, received_at)
  VALUES (md5(coalesce((SELECT workstation_id FROM huborigin WHERE id = 1), '') || item),
          coalesce((SELECT workstation_id FROM huborigin WHERE id = 1), '(unknown)'),
          session_user, about, item, reason,
          to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
  ON CONFLICT (id) DO NOTHING $$;

CREATE FUNCTION drp_check_event() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
DECLARE reason text;
BEGIN
  IF NOT drp_is_desk() THEN RETURN NEW; END IF;
  reason := CASE
    WHEN NOT EXISTS (SELECT 1 FROM officer WHERE id = session_user)
      THEN 'no officer ''' || session_user || ''' on the hub'
    WHEN NEW.officer_id IS DISTINCT FROM session_user
      THEN NEW.kind || ': in the name of another officer (' || NEW.officer_id || ')'
    WHEN NEW.kind IN {SUPERVISOR_KINDS} AND NOT drp_is_supervisor()
      THEN NEW.kind || ': only a supervisor may send it'
    WHEN NEW.kind IN ('writeoff.approved', 'writeoff.refused') AND NEW.case_id IS NULL
      THEN NEW.kind || ': a write-off decision needs its case'
    WHEN NEW.case_id IS NOT NULL AND NOT drp_allocated(NEW.case_id)
      THEN NEW.kind || ': case never allocated to this officer'
  END;
  IF reason IS NOT NULL THEN
    PERFORM drp_refused('event ' || NEW.id, NEW.case_id, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION drp_check_row() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
DECLARE
  j jsonb := to_jsonb(NEW);
  about text;
  allowed boolean;
  reason text;
  explaining jsonb;
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
  IF NOT EXISTS (SELECT 1 FROM officer WHERE id = session_user) THEN
    reason := 'no officer ''' || session_user || ''' on the hub';
  ELSIF NOT allowed THEN
    reason := 'case never allocated to this officer';
  ELSIF TG_TABLE_NAME = 'payment' AND TG_OP = 'INSERT' THEN
    SELECT e.payload::jsonb INTO explaining FROM hubevent e
    WHERE e.kind = 'payment.recorded' AND e.officer_id = session_user
      AND e.payload::jsonb->>'payment' = NEW.id LIMIT 1;
    IF explaining IS NULL THEN
      reason := 'no payment.recorded event explains it';
    ELSIF (explaining->>'amount')::numeric * 100 <> (j->>'amount')::numeric THEN
      reason := 'the amount is not its payment.recorded event''s';
    ELSIF (j->>'amount')::numeric < 0 AND NOT (
        coalesce(explaining->'reversal' = 'true'::jsonb, false) AND EXISTS (
          SELECT 1 FROM payment p WHERE p.debt_id = j->>'debt_id'
          AND p.amount = -(j->>'amount')::numeric)) THEN
      reason := 'a negative amount not the reversal of an earlier payment';
    END IF;
  ELSIF TG_TABLE_NAME = 'writeoffrequest' AND j->>'status' IN ('approved', 'refused')
      AND (TG_OP = 'INSERT' OR to_jsonb(OLD)->>'status' IS DISTINCT FROM j->>'status') THEN
    IF NOT drp_is_supervisor() THEN
      reason := CASE j->>'status' WHEN 'approved' THEN 'an' ELSE 'a' END || ' '
        || (j->>'status') || ' write-off only from a supervisor';
    ELSIF NOT EXISTS (
        SELECT 1 FROM hubevent e WHERE e.kind = 'writeoff.' || (j->>'status')
        AND e.officer_id = session_user AND e.payload::jsonb->>'request' = NEW.id) THEN
      reason := 'no writeoff.' || (j->>'status') || ' event explains it';
    END IF;
  END IF;
  IF reason IS NOT NULL THEN
    PERFORM drp_refused(TG_TABLE_NAME || ' ' || key, about, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;

CREATE FUNCTION drp_desk_payment() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
SET search_path = public AS $$
BEGIN
  IF drp_is_desk() THEN
    UPDATE debt SET balance = balance - NEW.amount WHERE id = NEW.debt_id;
  END IF;
  RETURN NULL;
END $$;
"""


def _quoted(table: str) -> str:
    return f'"{table}"'


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'drp_desk') "
        "THEN CREATE ROLE drp_desk NOLOGIN; END IF; END $$"
    )
    op.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    op.execute(FUNCTIONS)
    # The change feed's triggers write hubchange and huballocation whoever changed the row.
    op.execute(
        "DO $$ DECLARE f regprocedure; BEGIN FOR f IN SELECT p.oid::regprocedure FROM pg_proc p "
        "WHERE p.proname LIKE 'hubchange\\_%' LOOP EXECUTE format("
        "'ALTER FUNCTION %s SECURITY DEFINER SET search_path = public', f); END LOOP; END $$"
    )
    for table, visible in READ.items():
        quoted = _quoted(table)
        op.execute(f"ALTER TABLE {quoted} ENABLE ROW LEVEL SECURITY")
        op.execute(f"GRANT SELECT ON {quoted} TO drp_desk")
        op.execute(f"CREATE POLICY desk_read ON {quoted} FOR SELECT TO drp_desk USING ({visible})")
    for table in CREATED_ON_DESK:
        op.execute(f"GRANT INSERT ON {_quoted(table)} TO drp_desk")
        op.execute(
            f"CREATE POLICY desk_insert ON {_quoted(table)} FOR INSERT TO drp_desk "
            "WITH CHECK (true)"
        )
    for table, columns in PUSHED_COLUMNS.items():
        listed = ", ".join(f'"{c}"' for c in columns)
        op.execute(f"GRANT UPDATE ({listed}) ON {_quoted(table)} TO drp_desk")
        op.execute(
            f"CREATE POLICY desk_update ON {_quoted(table)} FOR UPDATE TO drp_desk "
            f"USING ({READ[table]}) WITH CHECK (true)"
        )
    for table in sorted(set(CREATED_ON_DESK) | set(PUSHED_COLUMNS)):
        op.execute(
            f"CREATE TRIGGER drp_check_desk BEFORE INSERT OR UPDATE ON {_quoted(table)} "
            "FOR EACH ROW EXECUTE FUNCTION drp_check_row()"
        )
    op.execute(
        "CREATE TRIGGER drp_desk_payment AFTER INSERT ON payment "
        "FOR EACH ROW EXECUTE FUNCTION drp_desk_payment()"
    )
    # Events: appended through the check; the hub's own `event` is read-only to desks.
    op.execute("GRANT INSERT ON hubevent TO drp_desk")
    op.execute("CREATE POLICY desk_insert ON hubevent FOR INSERT TO drp_desk WITH CHECK (true)")
    op.execute(
        "CREATE TRIGGER drp_check_desk BEFORE INSERT ON hubevent "
        "FOR EACH ROW EXECUTE FUNCTION drp_check_event()"
    )
    # The feed entries a push adds itself (a clashed placement sent back): its own cases only.
    op.execute("GRANT INSERT ON hubchange TO drp_desk")
    op.execute(
        f"CREATE POLICY desk_insert ON hubchange FOR INSERT TO drp_desk WITH CHECK ({BY_CASE})"
    )
    for table in ("hubevent", "hubchange"):
        op.execute(f"GRANT USAGE ON SEQUENCE {table}_seq_seq TO drp_desk")
    # Its own workstation's row; conflicts and refusals it flags; the push's origin marker.
    op.execute("GRANT INSERT, UPDATE ON hubworkstation TO drp_desk")
    op.execute(
        "CREATE POLICY desk_write ON hubworkstation FOR INSERT TO drp_desk "
        "WITH CHECK (officer_id = session_user)"
    )
    op.execute(
        "CREATE POLICY desk_update ON hubworkstation FOR UPDATE TO drp_desk "
        "USING (officer_id = session_user) WITH CHECK (officer_id = session_user)"
    )
    for table, check in (("hubconflict", "true"), ("hubrefusal", "officer_id = session_user")):
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"GRANT INSERT ON {table} TO drp_desk")
        op.execute(
            f"CREATE POLICY desk_insert ON {table} FOR INSERT TO drp_desk WITH CHECK ({check})"
        )
    op.execute("GRANT SELECT, UPDATE ON huborigin TO drp_desk")
    op.execute("GRANT SELECT ON hub_alembic_version, alembic_version TO drp_desk")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h005 is not undone: restore the hub from its backup")
