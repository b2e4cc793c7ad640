"""What review 19d found a desk's own login could still do through h023's write functions:

- put an event on the hub under another officer's workstation (or one registered to no one):
  `drp_desk_insert('hubevent', ...)` writes with the INSERT on `hubevent` desks had, and
  `drp_check_event` judged the officer, kind, case and time but not `workstation_id`, which
  `drp_push_events` always takes from the desk's own registered workstation. The hub's log
  check pairs anchors with events by workstation and hash, so another desk's chain could be
  muddled. Such an event is now refused and recorded, as its other refusals are.
- keep the hub busy and flood the security record: one call took a batch of any size (20,000
  refused payments: ~6 s and 20,000 refusal records). A call now takes at most 10,000 rows
  (a push sends at most BATCH, 2,000, a call), refused before any row is read.
- change nothing silently: an update of a row the desk cannot see (another officer's case)
  matched no row and left no record. `drp_desk_update` now records each such key as a refusal
  (a desk's push only sends updates for rows its login reads, so a legitimate push never does).

The functions start from their latest definitions (h018's `drp_check_event`, h023's
`drp_desk_insert` and `drp_desk_update`) and keep every earlier branch; CREATE OR REPLACE
keeps the owner (`drp_desk_writer`) and grants. Frozen: later changes are new migrations.

Revision ID: h025_review19d
Revises: h024_removal_feed
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h025_review19d"
down_revision = "h024_removal_feed"
branch_labels = None
depends_on = None

EVENT = """
-- A desk's own INSERT into hubevent: the same rules as its staged push, its workstation too.
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
                     drp_time_rule(NEW.kind, NEW.at, now()),
                     CASE WHEN NOT public.drp_my_workstation(NEW.workstation_id)
                          THEN 'workstation ' || coalesce(NEW.workstation_id, '(none)')
                               || ' is not registered to ' || session_user END);
  IF reason IS NOT NULL THEN
    PERFORM drp_refused('event ' || NEW.id, NEW.case_id, reason);
    RETURN NULL;
  END IF;
  RETURN NEW;
END $$;
"""

# Both write functions refuse the same batches before reading any row.
ROWS_CHECKED = """\
  IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array of objects'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(rows) > 10000 THEN
    RAISE EXCEPTION 'a desk writes at most 10000 rows a call, not %', jsonb_array_length(rows)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;"""

UPDATE = """
CREATE OR REPLACE FUNCTION drp_desk_insert(tab text, rows jsonb) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  listed text;
  done bigint;
BEGIN
ROWS_CHECKED
  SELECT string_agg(format('%I', k.name), ', ' ORDER BY k.name) INTO listed
  FROM (SELECT DISTINCT jsonb_object_keys(r) AS name FROM jsonb_array_elements(rows) r) k;
  IF listed IS NULL THEN
    RETURN 0;
  END IF;
  EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1) '
                 'ON CONFLICT DO NOTHING', target, listed, listed, target) USING rows;
  GET DIAGNOSTICS done = ROW_COUNT;
  RETURN done;
END $$;
CREATE OR REPLACE FUNCTION drp_desk_update(tab text, columns text[], rows jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  keys text[];
  sets text;
  matched text;
  named text;
  unseen text[];
  unseen_key text;
  done bigint;
BEGIN
ROWS_CHECKED
  SELECT array_agg(a.attname::text ORDER BY a.attname) INTO keys
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = target AND i.indisprimary;
  IF keys IS NULL OR EXISTS (
      SELECT 1 FROM jsonb_array_elements(rows) r, unnest(keys) k WHERE NOT r ? k) THEN
    RAISE EXCEPTION 'an update names its rows by the primary key of % (%)', tab, keys
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF coalesce(cardinality(columns), 0) = 0 OR jsonb_array_length(rows) = 0 THEN
    RETURN 0;
  END IF;
  SELECT string_agg(format('%I = s.%I', c, c), ', ') INTO sets FROM unnest(columns) c;
  SELECT string_agg(format('t.%I = s.%I', k, k), ' AND ') INTO matched FROM unnest(keys) k;
  -- The keys of rows the desk cannot see (row security: not its own): refused, on the record.
  SELECT string_agg(format('s.%I::text', k), ' || '' '' || ' ORDER BY k) INTO named
  FROM unnest(keys) k;
  EXECUTE format('SELECT array_agg(%s) FROM jsonb_populate_recordset(NULL::%s, $1) s '
                 'WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE %s)',
                 named, target, target, matched) INTO unseen USING rows;
  FOREACH unseen_key IN ARRAY coalesce(unseen, ARRAY[]::text[]) LOOP
    PERFORM public.drp_refused(tab || ' ' || unseen_key, NULL,
                               'not a row of this officer''s to change');
  END LOOP;
  EXECUTE format('UPDATE %s t SET %s FROM jsonb_populate_recordset(NULL::%s, $1) s WHERE %s',
                 target, sets, target, matched) USING rows;
  GET DIAGNOSTICS done = ROW_COUNT;
  RETURN done;
END $$;
""".replace("ROWS_CHECKED", ROWS_CHECKED)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(EVENT)
    op.execute(UPDATE)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h025 is not undone: restore the hub from its backup")
