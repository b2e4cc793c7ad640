"""The hub feeds complaints and appointments (issue 21; store revision 0013_diary_rows_sync):
recorded on a desk, they reach the hub, where a supervisor sees them, and the officer's other
desks at their next sync; a case moved to another officer goes with them.

On PostgreSQL a desk's own login reads those on its officer's cases only, inserts them and
changes only the columns a desk may change (tables.py), each row through `drp_check_row` as
any row a desk sends: on the sender's own allocated cases, and now also in the sender's own
name. The rules are the pure SQL functions `drp_complaint_rule` and `drp_appointment_rule`,
word for word the Python of drp_tui/sync/rules.py (tests/test_hub_rules_parity.py runs both);
`drp_check_row` is h009's with the two tables added. Frozen: later changes are new migrations.

Revision ID: h017_complaints_appointments
Revises: h016_erasure_supervisors_only
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h017_complaints_appointments"
down_revision = "h016_erasure_supervisors_only"
branch_labels = None
depends_on = None

# Every write that feeds the change feed takes the hub's feed lock, and says which
# workstation it came from (as h013).
FEED_LOCK = "PERFORM public.drp_feed_lock();"
ORIGINS = {
    "postgresql": "nullif(current_setting('drp.origin', true), '')",
    "sqlite": "(SELECT workstation_id FROM huborigin WHERE id = 1)",
}
FED = {"complaint": "{row}.case_id", "appointment": "{row}.case_id"}  # fed from here on
COLUMNS = {
    "complaint": (
        "id",
        "case_id",
        "received_on",
        "channel",
        "stage",
        "stage_started_on",
        "summary",
        "debt_ids",
        "pauses_recovery",
        "reply_due",
        "status",
        "outcome",
        "remedy",
        "closed_on",
        "recorded_by",
        "recorded_at",
    ),
    "appointment": (
        "id",
        "case_id",
        "officer_id",
        "kind",
        "place",
        "starts_at",
        "minutes",
        "reason",
        "why_face_to_face",
        "status",
        "note",
        "booked_by",
        "booked_at",
    ),
}
# What a desk's own login may change of a row the hub has (tables.py).
PUSHED_COLUMNS = {
    "complaint": (
        "stage",
        "stage_started_on",
        "pauses_recovery",
        "reply_due",
        "status",
        "outcome",
        "remedy",
        "closed_on",
    ),
    "appointment": ("starts_at", "status", "note"),
}

RULES = """
-- `new` as the desk sends it, `before` the hub's copy (NULL: new).
CREATE FUNCTION drp_complaint_rule(new jsonb, before jsonb, sender text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN before IS NULL AND new ->> 'recorded_by' IS DISTINCT FROM sender
      THEN 'a complaint recorded in the name of another officer ('
           || coalesce(new ->> 'recorded_by', '') || ')'
  END $$;

-- `case_officer`: who has the appointment's case on the hub.
CREATE FUNCTION drp_appointment_rule(new jsonb, before jsonb, sender text, sender_role text,
                                     case_officer text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN before IS NOT NULL THEN NULL
    WHEN new ->> 'booked_by' IS DISTINCT FROM sender
      THEN 'an appointment booked in the name of another officer ('
           || coalesce(new ->> 'booked_by', '') || ')'
    WHEN new ->> 'officer_id' IS DISTINCT FROM sender
         AND new ->> 'officer_id' IS DISTINCT FROM case_officer
         AND NOT public.drp_may(sender_role, 'supervise')
      THEN 'an appointment in ' || coalesce(new ->> 'officer_id', '')
           || '''s calendar is for a supervisor to book'
  END $$;
"""


def check_row(extra: str) -> str:
    """h009's drp_check_row, with `extra` branches judging further tables."""
    return f"""
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
                AND e.payload::jsonb->>'request' = NEW.id));{extra}
  END IF;
  IF reason IS NOT NULL THEN
    PERFORM drp_refused(TG_TABLE_NAME || ' ' || key, about, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
"""


DIARY_ROWS = """
  ELSIF TG_TABLE_NAME = 'complaint' THEN
    reason := drp_complaint_rule(
      j, CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END, session_user);
  ELSIF TG_TABLE_NAME = 'appointment' THEN
    reason := drp_appointment_rule(
      j, CASE WHEN TG_OP = 'UPDATE' THEN to_jsonb(OLD) END, session_user, my_role,
      (SELECT k.officer_id FROM "case" k WHERE k.id = j->>'case_id'));"""


def _feed_select(table: str, row: str, dialect: str) -> str:
    return (
        "INSERT INTO hubchange (table_name, row_key, case_id, origin, moved_from, moved_to) "
        f"SELECT '{table}', {row}.id, {FED[table].format(row=row)}, {ORIGINS[dialect]}, NULL, "
        "NULL"
    )


def _sqlite_feed(table: str) -> None:
    op.execute(
        f"CREATE TRIGGER hubchange_{table}_insert AFTER INSERT ON {table} BEGIN "
        f"{_feed_select(table, 'NEW', 'sqlite')}; END"
    )
    changed = " OR ".join(f'OLD."{c}" IS NOT NEW."{c}"' for c in COLUMNS[table])
    op.execute(
        f"CREATE TRIGGER hubchange_{table}_update AFTER UPDATE ON {table} WHEN {changed} "
        f"BEGIN {_feed_select(table, 'NEW', 'sqlite')}; END"
    )


def _postgresql_feed(table: str) -> None:
    feed = _feed_select(table, "n", "postgresql")
    bodies = {
        "insert": f"{feed} FROM new_rows n;",
        "update": f"{feed} FROM new_rows n JOIN old_rows o ON o.id = n.id "
        "WHERE n IS DISTINCT FROM o;",
    }
    for action, body in bodies.items():
        name = f"hubchange_{table}_{action}"
        tables = "NEW TABLE AS new_rows" + (" OLD TABLE AS old_rows" if action == "update" else "")
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
            f"SET search_path = public, pg_temp AS $$ BEGIN "
            f"{FEED_LOCK} {body} RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {name} AFTER {action.upper()} ON {table} "
            f"REFERENCING {tables} FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
        )


def _desk_access(table: str) -> None:
    """What a desk's own login may do with `table`: as any table a desk creates rows of."""
    mine = "case_id IN (SELECT drp_my_cases())"
    listed = ", ".join(f'"{c}"' for c in PUSHED_COLUMNS[table])
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(f"GRANT SELECT, INSERT ON {table} TO drp_desk")
    op.execute(f"GRANT UPDATE ({listed}) ON {table} TO drp_desk")
    op.execute(f"CREATE POLICY desk_read ON {table} FOR SELECT TO drp_desk USING ({mine})")
    op.execute(f"CREATE POLICY desk_insert ON {table} FOR INSERT TO drp_desk WITH CHECK (true)")
    op.execute(
        f"CREATE POLICY desk_update ON {table} FOR UPDATE TO drp_desk USING ({mine}) "
        "WITH CHECK (true)"
    )
    op.execute(
        f"CREATE TRIGGER drp_check_desk BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW "
        "WHEN (drp_is_desk()) EXECUTE FUNCTION drp_check_row()"
    )


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for table in FED:
            _sqlite_feed(table)
        return
    op.execute(RULES)
    op.execute(check_row(DIARY_ROWS))
    for table in FED:
        _postgresql_feed(table)
        _desk_access(table)


def downgrade() -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in FED:
        for action in ("insert", "update"):
            name = f"hubchange_{table}_{action}"
            if postgresql:
                op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                op.execute(f"DROP FUNCTION IF EXISTS {name}()")
            else:
                op.execute(f"DROP TRIGGER IF EXISTS {name}")
        if postgresql:
            op.execute(f"DROP TRIGGER IF EXISTS drp_check_desk ON {table}")
            for policy in ("desk_read", "desk_insert", "desk_update"):
                op.execute(f"DROP POLICY IF EXISTS {policy} ON {table}")
            op.execute(f"REVOKE ALL ON {table} FROM drp_desk")
            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")
    if postgresql:
        op.execute(check_row(""))
        op.execute("DROP FUNCTION IF EXISTS drp_complaint_rule(jsonb, jsonb, text)")
        op.execute("DROP FUNCTION IF EXISTS drp_appointment_rule(jsonb, jsonb, text, text, text)")
