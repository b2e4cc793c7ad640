"""Every refusal of a desk's write stays on the record, and a desk's write tells it nothing of
rows it cannot see (issue 19, left from review 19d).

- A row refused by a row-security policy failed the whole statement, and the refusal's record
  went with it. `drp_desk_insert` now judges each row against the INSERT policies that apply
  to its writer (the same expressions, read from `pg_policy`: permissive ones OR'd, restrictive
  ones AND'd) before inserting: a row that fails is recorded (`drp_refused`) and left out, as
  the check triggers' refusals are. The policies themselves are unchanged and still judge the
  INSERT, so nothing they refuse gets in by any other road.
- `drp_desk_update` without the feed lock matched nothing (h020's restrictive policy) and said
  nothing: it is now refused, each row recorded, and changes nothing.
- `INSERT ... ON CONFLICT DO NOTHING` answered 0 for a row whose key a row the desk cannot see
  already holds, 1 for a fresh key: a desk could ask whether an id exists anywhere on the hub.
  A row that passes every check but clashes with such a row is now recorded as a refusal and
  counted as a fresh key's row is, so the answer is the same whether or not the hidden row is
  there (a clash with a row the desk can read answers as before: it reads that row anyway).
- A desk may no longer file a `hubrefusal` row naming another officer's workstation (a
  restrictive INSERT policy; a workstation registered to no one stays allowed, as the refusal
  of a desk whose officer the hub does not know names its unregistered workstation).
- `drp_desk_insert(tab, rows, ignore)`: with `ignore` false, a row whose key the desk can read
  on the hub fails the call (unique_violation) before anything is written, as the owner's
  plain INSERT does; `drp_desk_insert(tab, rows)` is `ignore` true, as before.

Functions start from their latest definitions (h025's `drp_desk_insert` and `drp_desk_update`)
and keep every earlier branch; CREATE OR REPLACE keeps the owner (`drp_desk_writer`) and the
grants; the new three-argument function is handed to `drp_desk_writer` as h023 handed the
others. Frozen: later changes are new migrations.

Revision ID: h026_desk_refusals_kept
Revises: h025_review19d
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h026_desk_refusals_kept"
down_revision = "h025_review19d"
branch_labels = None
depends_on = None

WRITER = "drp_desk_writer"

# h025's batch checks, shared by both write functions.
ROWS_CHECKED = """\
  IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array of objects'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(rows) > 10000 THEN
    RAISE EXCEPTION 'a desk writes at most 10000 rows a call, not %', jsonb_array_length(rows)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;"""

HELPERS = """
-- Whether `workstation` is registered to an officer other than the session's (the desk reads
-- only its own workstations, so this looks with the owner's eyes). For the policy below, which
-- the writer's INSERT runs; a desk's login may not ask it (an oracle of others' workstations).
CREATE FUNCTION drp_workstation_of_another(workstation text) RETURNS boolean LANGUAGE sql STABLE
SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.hubworkstation w
                 WHERE w.id = workstation AND w.officer_id <> session_user) $$;
REVOKE ALL ON FUNCTION drp_workstation_of_another(text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_workstation_of_another(text) TO drp_desk_writer;

CREATE POLICY desk_insert_own_workstation ON hubrefusal AS RESTRICTIVE FOR INSERT TO drp_desk
  WITH CHECK (NOT public.drp_workstation_of_another(workstation_id));

-- What a row of `target` must satisfy for the INSERT policies that apply to the current role
-- (permissive ones OR'd, restrictive ones AND'd, NULL failing, no permissive one: nothing), as
-- an expression over the row's columns; NULL if the table has no row security.
CREATE FUNCTION drp_insert_policy(target regclass) RETURNS text LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp AS $$
DECLARE
  permitted text;
  restricted text;
BEGIN
  IF NOT (SELECT c.relrowsecurity FROM pg_class c WHERE c.oid = target) THEN
    RETURN NULL;
  END IF;
  SELECT string_agg(format('(%s)', e.expr), ' OR ') FILTER (WHERE e.permissive),
         string_agg(format('(%s)', e.expr), ' AND ') FILTER (WHERE NOT e.permissive)
  INTO permitted, restricted
  FROM (SELECT p.polpermissive AS permissive,
               coalesce(pg_get_expr(p.polwithcheck, p.polrelid),
                        pg_get_expr(p.polqual, p.polrelid), 'true') AS expr
        FROM pg_policy p
        WHERE p.polrelid = target AND p.polcmd IN ('a', '*')
          AND EXISTS (SELECT 1 FROM unnest(p.polroles) r
                      WHERE r = 0 OR pg_has_role(current_user, r, 'MEMBER'))) e;
  RETURN format('coalesce((%s)%s, false)', coalesce(permitted, 'false'),
                coalesce(' AND ' || restricted, ''));
END $$;
"""

INSERT = """
-- The keys (as recorded: primary key columns in name order, space-separated) of `rows` that a
-- row of `target` already holds, seen with the owner's eyes. For drp_desk_insert alone: its
-- writer may run it, a desk's login may not (it would be the very oracle it closes).
CREATE FUNCTION drp_keys_taken(target regclass, rows jsonb) RETURNS text[] LANGUAGE plpgsql
STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  named text;
  matched text;
  found text[];
BEGIN
  SELECT string_agg(format('s.%I::text', a.attname), ' || '' '' || ' ORDER BY a.attname),
         string_agg(format('t.%I = s.%I', a.attname, a.attname), ' AND ')
  INTO named, matched
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = target AND i.indisprimary;
  EXECUTE format('SELECT coalesce(array_agg(%s), ''{}'') '
                 'FROM jsonb_populate_recordset(NULL::%s, $1) s '
                 'WHERE EXISTS (SELECT 1 FROM %s t WHERE %s)', named, target, target, matched)
    INTO found USING rows;
  RETURN found;
END $$;
REVOKE ALL ON FUNCTION drp_keys_taken(regclass, jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_keys_taken(regclass, jsonb) TO WRITER;

CREATE FUNCTION drp_desk_insert(tab text, rows jsonb, ignore boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  own text := (SELECT c.relname FROM pg_class c WHERE c.oid = target);
  listed text;
  named text;
  matched text;
  readable boolean;
  policy text;
  batch jsonb := rows;
  refused text[];
  refused_key text;
  taken text[];
  seen text[] := ARRAY[]::text[];
  hidden text[];
  one jsonb;
  one_key text;
  n bigint;
  done bigint := 0;
BEGIN
ROWS_CHECKED
  SELECT string_agg(format('%I', k.name), ', ' ORDER BY k.name) INTO listed
  FROM (SELECT DISTINCT jsonb_object_keys(r) AS name FROM jsonb_array_elements(rows) r) k;
  IF listed IS NULL THEN
    RETURN 0;
  END IF;
  SELECT string_agg(format('%I.%I::text', own, a.attname), ' || '' '' || ' ORDER BY a.attname),
         string_agg(format('t.%I = %I.%I', a.attname, own, a.attname), ' AND '),
         bool_and(has_column_privilege(target, a.attname, 'SELECT'))
  INTO named, matched, readable
  FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
  WHERE i.indrelid = target AND i.indisprimary;
  IF named IS NULL THEN
    RAISE EXCEPTION 'hub table % has no primary key', tab
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- The keys already on the hub (seen with the owner's eyes), and of those the ones in rows the
  -- desk can read (it could read them anyway); the rest only rows it cannot read hold.
  taken := public.drp_keys_taken(target, rows);
  IF readable AND cardinality(taken) > 0 THEN
    EXECUTE format('SELECT coalesce(array_agg(%s), ''{}'') '
                   'FROM jsonb_populate_recordset(NULL::%s, $1) AS %I '
                   'WHERE %s = ANY ($2) AND EXISTS (SELECT 1 FROM %s t WHERE %s)',
                   named, target, own, named, target, matched) INTO seen USING rows, taken;
  END IF;
  SELECT coalesce(array_agg(k), '{}') INTO hidden FROM unnest(taken) k WHERE k <> ALL (seen);
  -- Not ignoring: such a key fails the call, before anything is written, as the owner's does.
  IF NOT ignore AND cardinality(seen) > 0 THEN
    RAISE EXCEPTION 'duplicate key: % % is already on the hub', tab, seen[1]
      USING ERRCODE = 'unique_violation';
  END IF;
  -- Row security judged first, row by row: a refused row is recorded and left out.
  policy := public.drp_insert_policy(target);
  IF policy IS NOT NULL THEN
    EXECUTE format('SELECT coalesce(jsonb_agg(e.drp_row ORDER BY e.drp_no) FILTER (WHERE e.ok), '
                   '''[]''::jsonb), array_agg(e.drp_key) FILTER (WHERE NOT e.ok) '
                   'FROM (SELECT x.drp_row, x.drp_no, %s AS drp_key, %s AS ok '
                   'FROM jsonb_array_elements($1) WITH ORDINALITY AS x(drp_row, drp_no) '
                   'CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, x.drp_row) AS %I) e',
                   named, policy, target, own) INTO batch, refused USING rows;
    FOREACH refused_key IN ARRAY coalesce(refused, ARRAY[]::text[]) LOOP
      PERFORM public.drp_refused(tab || ' ' || refused_key, NULL,
                                 'not a row this officer may add (the hub''s row security)');
    END LOOP;
  END IF;
  -- A row whose key only rows the desk cannot read hold goes alone, below.
  IF cardinality(hidden) = 0 THEN
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1) '
                   'ON CONFLICT DO NOTHING', target, listed, listed, target) USING batch;
    GET DIAGNOSTICS done = ROW_COUNT;
    RETURN done;
  END IF;
  EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1) AS %I '
                 'WHERE %s <> ALL ($2) ON CONFLICT DO NOTHING',
                 target, listed, listed, target, own, named) USING batch, hidden;
  GET DIAGNOSTICS done = ROW_COUNT;
  -- A row whose key only a row the desk cannot read holds answers as a fresh key's row does:
  -- tried alone, refused by a check (recorded by it) it counts nothing, else it counts one and
  -- the attempt is on the record (where the desk reads no key of the table at all, its own
  -- earlier rows clash so too: counted, not recorded).
  FOR one, one_key IN EXECUTE format(
      'SELECT x.drp_row, %s FROM jsonb_array_elements($1) AS x(drp_row) '
      'CROSS JOIN LATERAL jsonb_populate_record(NULL::%s, x.drp_row) AS %I WHERE %s = ANY ($2)',
      named, target, own, named) USING batch, hidden LOOP
    BEGIN
      EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM jsonb_populate_record(NULL::%s, $1)',
                     target, listed, listed, target) USING one;
      GET DIAGNOSTICS n = ROW_COUNT;
      done := done + n;
    EXCEPTION WHEN unique_violation THEN
      IF readable THEN
        PERFORM public.drp_refused(tab || ' ' || one_key, NULL,
                                   'its key is taken by a row this officer cannot read');
      END IF;
      done := done + 1;
    END;
  END LOOP;
  RETURN done;
END $$;
"""

INSERT += """
CREATE OR REPLACE FUNCTION drp_desk_insert(tab text, rows jsonb) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  RETURN public.drp_desk_insert(tab, rows, true);
END $$;

REVOKE ALL ON FUNCTION drp_desk_insert(text, jsonb, boolean) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_desk_insert(text, jsonb, boolean) TO drp_desk;
GRANT CREATE ON SCHEMA public TO WRITER;
ALTER FUNCTION drp_desk_insert(text, jsonb, boolean) OWNER TO WRITER;
REVOKE CREATE ON SCHEMA public FROM WRITER;
"""

UPDATE = """
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
  locked boolean;
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
  SELECT string_agg(format('s.%I::text', k), ' || '' '' || ' ORDER BY k) INTO named
  FROM unnest(keys) k;
  locked := public.drp_holds_feed_lock();  -- before the change feed's trigger takes it
  -- The keys of rows the desk cannot see (row security: not its own): refused, on the record.
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
  -- Without the feed lock a desk changes nothing (h020): refused, each row it sees recorded.
  IF NOT locked THEN
    FOR unseen_key IN EXECUTE format('SELECT %s FROM jsonb_populate_recordset(NULL::%s, $1) s',
                                     named, target) USING rows LOOP
      CONTINUE WHEN unseen_key = ANY (coalesce(unseen, ARRAY[]::text[]));
      PERFORM public.drp_refused(tab || ' ' || unseen_key, NULL,
                                 'changed without the hub''s feed lock (drp_feed_lock)');
    END LOOP;
  END IF;
  RETURN done;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(HELPERS)
    op.execute(INSERT.replace("ROWS_CHECKED", ROWS_CHECKED).replace("WRITER", WRITER))
    op.execute(UPDATE.replace("ROWS_CHECKED", ROWS_CHECKED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h026 is not undone: restore the hub from its backup")
