"""The hub numbers its own rows, and the refusal record is the hub's own (review 19e).

- `drp_desk_insert` took a desk-given `seq`: a change numbered far ahead moved every desk's
  pull cursor past all changes to come, and events numbered with the hub's next numbers made
  every other desk's push fail. A column the hub numbers (a sequence's default or an identity)
  is now left out of a desk's rows (the hub numbers the row; the attempt is recorded), and
  `drp_desk_update` does not set one. drp's own push never sends them. A table the desk may
  not write is refused up front (insufficient_privilege), as its INSERT or UPDATE was, even
  when the only column named is a number left out.
- The hub's record of a refusal (`drp_refused`) had an id a desk could compute and file first
  (md5 of its workstation, item and reason), its own or a colleague's: its id now starts with
  `hub-` (a desk may not file such an id) and covers the session's login. It named the
  workstation in the desk's own `drp.origin`: one registered to another officer (or a
  lookalike of one) is recorded as a claim, not as that workstation. A desk login may no
  longer call it (the desk write functions' writer may).
- A `hubrefusal` row a desk files may not name a lookalike of another officer's workstation
  (case, spaces and invisible characters ignored), and every refusal row written in a desk's
  session carries the hub's time and at most a few hundred characters of item, reason and case
  (a call of 10,000 refused rows with huge keys wrote megabytes).
- `drp_desk_insert` hid a clash on the primary key only: hubevent's key is `seq` (numbered by
  the hub), its `id` unique, so a desk asked whether any event id exists. The key a desk's
  row is judged by is now the primary key, or where the hub numbers that, the first unique
  key the desk writes. With `ignore` false, two rows of one key in a batch fail the call.

Not done (no sound way in PostgreSQL without an extension such as dblink): a refusal's record
is written in the desk's transaction, so it goes if the desk rolls back or the call fails. Nor
is a key another desk is inserting at that moment hidden (the batch waits for it and answers 0).

Functions start from their latest definitions (h026's `drp_desk_insert`, `drp_desk_update`,
`drp_keys_taken`, `drp_workstation_of_another`; h023's `drp_refused`) and keep every earlier
branch; CREATE OR REPLACE keeps owners and grants. Frozen: later changes are new migrations.

Revision ID: h027_review19e
Revises: h026_desk_refusals_kept
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h027_review19e"
down_revision = "h026_desk_refusals_kept"
branch_labels = None
depends_on = None

WRITER = "drp_desk_writer"
ORIGIN = "nullif(current_setting('drp.origin', true), '')"
HUB_TIME = """to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')"""

ROWS_CHECKED = """\
  IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array of objects'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF jsonb_array_length(rows) > 10000 THEN
    RAISE EXCEPTION 'a desk writes at most 10000 rows a call, not %', jsonb_array_length(rows)
      USING ERRCODE = 'invalid_parameter_value';
  END IF;"""

# Spaces and characters that print as nothing: a workstation name is compared without them.
INVISIBLE = (
    r"[[:space:]\u00a0\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180e"
    r"\u200b-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff]"
)

HELPERS = rf"""
-- A workstation's name as compared: lower case, without spaces or invisible characters.
CREATE FUNCTION drp_plain_name(name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$
  SELECT lower(regexp_replace(name, '{INVISIBLE}', '', 'g')) $$;

-- h026's, also true of a lookalike of another officer's workstation.
CREATE OR REPLACE FUNCTION drp_workstation_of_another(workstation text) RETURNS boolean
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
  SELECT EXISTS (SELECT 1 FROM public.hubworkstation w
                 WHERE w.officer_id <> session_user
                   AND (w.id = workstation
                        OR public.drp_plain_name(w.id) = public.drp_plain_name(workstation))) $$;

-- The columns of `target` the hub numbers (a sequence's default, or an identity).
CREATE FUNCTION drp_numbered_columns(target regclass) RETURNS text[] LANGUAGE sql STABLE
SET search_path = public, pg_temp AS $$
  SELECT coalesce(array_agg(a.attname::text ORDER BY a.attname), '{{}}')
  FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
  WHERE a.attrelid = target AND a.attnum > 0 AND NOT a.attisdropped
    AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%') $$;

-- The columns a desk's row of `target` is known by: the primary key's, or where the hub numbers
-- one of those, the first unique key's (no expression, no predicate) that it does not number.
CREATE FUNCTION drp_row_key(target regclass) RETURNS text[] LANGUAGE sql STABLE
SET search_path = public, pg_temp AS $$
  SELECT k.cols FROM (
    SELECT i.indisprimary,
           i.indexrelid,
           (SELECT array_agg(a.attname::text ORDER BY a.attname) FROM pg_attribute a
            WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)) AS cols
    FROM pg_index i
    WHERE i.indrelid = target AND i.indisunique AND i.indpred IS NULL AND i.indexprs IS NULL) k
  WHERE k.indisprimary OR NOT k.cols && public.drp_numbered_columns(target)
  ORDER BY (NOT k.cols && public.drp_numbered_columns(target)) DESC, k.indisprimary DESC,
           k.indexrelid
  LIMIT 1 $$;

-- Every refusal row written in a desk's session carries the hub's time and at most a few
-- hundred characters of item, reason and case (its length said).
CREATE FUNCTION drp_refusal_received() RETURNS trigger LANGUAGE plpgsql
SET search_path = public, pg_temp AS $$
BEGIN
  NEW.received_at := {HUB_TIME};
  IF length(NEW.item) > 300 THEN
    NEW.item := left(NEW.item, 300) || format('... (%s characters)', length(NEW.item));
  END IF;
  IF length(NEW.reason) > 300 THEN
    NEW.reason := left(NEW.reason, 300) || format('... (%s characters)', length(NEW.reason));
  END IF;
  IF length(NEW.case_id) > 100 THEN
    NEW.case_id := left(NEW.case_id, 100);
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER hubrefusal_received BEFORE INSERT ON hubrefusal FOR EACH ROW
  WHEN (public.drp_is_desk()) EXECUTE FUNCTION drp_refusal_received();

-- A desk files no refusal under the hub's own ids.
CREATE POLICY desk_insert_not_hubs_id ON hubrefusal AS RESTRICTIVE FOR INSERT TO drp_desk
  WITH CHECK (id NOT LIKE 'hub-%');
"""

# h023's, with an id a desk cannot file (`hub-`, covering the session's login), the workstation
# checked against the session's login, and closed to desk logins.
REFUSED = f"""
CREATE OR REPLACE FUNCTION drp_refused(item text, about text, reason text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  origin text := {ORIGIN};
  what text := coalesce(item, '(a row without its key)');
  workstation text;
BEGIN
  workstation := CASE
    WHEN origin IS NULL THEN '(unknown)'
    WHEN public.drp_workstation_of_another(origin)
      THEN format('(claimed, not %s''s: %s)', session_user, left(origin, 64))
    ELSE origin END;
  INSERT INTO public.hubrefusal
    (id, workstation_id, officer_id, case_id, item, reason, received_at)
  VALUES ('hub-' || md5(session_user || ' ' || coalesce(origin, '') || ' ' || what || ' '
                        || reason),
          workstation, session_user, about, what, reason, {HUB_TIME})
  ON CONFLICT (id) DO NOTHING;
END $$;
REVOKE ALL ON FUNCTION drp_refused(text, text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_refused(text, text, text) TO {WRITER};
"""

KEYS_TAKEN = """
-- h026's, by the columns a desk's row is known by (drp_row_key).
CREATE OR REPLACE FUNCTION drp_keys_taken(target regclass, rows jsonb) RETURNS text[]
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  named text;
  matched text;
  found text[];
BEGIN
  SELECT string_agg(format('s.%I::text', k), ' || '' '' || ' ORDER BY k),
         string_agg(format('t.%I = s.%I', k, k), ' AND ')
  INTO named, matched
  FROM unnest(public.drp_row_key(target)) k;
  EXECUTE format('SELECT coalesce(array_agg(%s), ''{}'') '
                 'FROM jsonb_populate_recordset(NULL::%s, $1) s '
                 'WHERE EXISTS (SELECT 1 FROM %s t WHERE %s)', named, target, target, matched)
    INTO found USING rows;
  RETURN found;
END $$;
"""

INSERT = """
CREATE OR REPLACE FUNCTION drp_desk_insert(tab text, rows jsonb, ignore boolean) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  own text := (SELECT c.relname FROM pg_class c WHERE c.oid = target);
  numbered text[] := public.drp_numbered_columns(target);
  given text;
  listed text;
  named text;
  matched text;
  readable boolean;
  policy text;
  batch jsonb;
  refused text[];
  refused_key text;
  taken text[];
  seen text[] := ARRAY[]::text[];
  hidden text[];
  twice text;
  one jsonb;
  one_key text;
  n bigint;
  done bigint := 0;
BEGIN
ROWS_CHECKED
  -- A table the desk may not write is refused as its INSERT would be, numbers or none.
  IF NOT has_any_column_privilege(target, 'INSERT') THEN
    RAISE EXCEPTION 'permission denied for table %', own USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The hub numbers its rows: a number a desk gives is left out, and the attempt recorded.
  IF cardinality(numbered) > 0 THEN
    FOR given IN SELECT DISTINCT c FROM jsonb_array_elements(rows) r, unnest(numbered) c
                 WHERE jsonb_typeof(r) = 'object' AND r ? c ORDER BY c LOOP
      PERFORM public.drp_refused(tab || ' ' || given, NULL,
                                 'a number the hub gives its rows (the hub numbered the row)');
    END LOOP;
    SELECT coalesce(jsonb_agg(CASE WHEN jsonb_typeof(r) = 'object' THEN r - numbered ELSE r END
                              ORDER BY x.n), '[]'::jsonb)
    INTO rows FROM jsonb_array_elements(rows) WITH ORDINALITY AS x(r, n);
  END IF;
  batch := rows;
  SELECT string_agg(format('%I', k.name), ', ' ORDER BY k.name) INTO listed
  FROM (SELECT DISTINCT jsonb_object_keys(r) AS name FROM jsonb_array_elements(rows) r) k;
  IF listed IS NULL THEN
    RETURN 0;
  END IF;
  SELECT string_agg(format('%I.%I::text', own, k), ' || '' '' || ' ORDER BY k),
         string_agg(format('t.%I = %I.%I', k, own, k), ' AND '),
         bool_and(has_column_privilege(target, k, 'SELECT'))
  INTO named, matched, readable
  FROM unnest(public.drp_row_key(target)) k;
  IF named IS NULL THEN
    RAISE EXCEPTION 'hub table % has no primary key', tab
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  -- Not ignoring: two rows of one key in the batch fail the call, as the owner's INSERT does.
  IF NOT ignore THEN
    EXECUTE format('SELECT k FROM (SELECT %s AS k FROM jsonb_populate_recordset(NULL::%s, $1) '
                   'AS %I) d WHERE k IS NOT NULL GROUP BY k HAVING count(*) > 1 LIMIT 1',
                   named, target, own) INTO twice USING rows;
    IF twice IS NOT NULL THEN
      RAISE EXCEPTION 'duplicate key: % % is in the rows twice', tab, twice
        USING ERRCODE = 'unique_violation';
    END IF;
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

UPDATE = """
CREATE OR REPLACE FUNCTION drp_desk_update(tab text, columns text[], rows jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  numbered text[] := public.drp_numbered_columns(target);
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
  -- A table the desk may not change is refused as its UPDATE would be, numbers or none.
  IF NOT has_any_column_privilege(target, 'UPDATE') THEN
    RAISE EXCEPTION 'permission denied for table %', target
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  -- The hub numbers its rows: a desk does not set a number.
  IF columns && numbered THEN
    PERFORM public.drp_refused(tab || ' ' || c, NULL,
                               'a number the hub gives its rows (left as the hub numbered it)')
    FROM unnest(columns) c WHERE c = ANY (numbered);
    columns := ARRAY(SELECT c FROM unnest(columns) c WHERE c <> ALL (numbered));
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
    op.execute(REFUSED)
    op.execute(KEYS_TAKEN)
    op.execute(INSERT.replace("ROWS_CHECKED", ROWS_CHECKED))
    op.execute(UPDATE.replace("ROWS_CHECKED", ROWS_CHECKED))


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h027 is not undone: restore the hub from its backup")
