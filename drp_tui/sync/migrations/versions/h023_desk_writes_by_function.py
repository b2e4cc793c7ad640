"""A desk's own login writes no hub table itself (issue 19, item 3: "desks ... cannot write hub
tables directly: a push goes through a server-side path").

Until now a desk login INSERTed and UPDATEd rows (cases, payments, write-offs, its refusals,
conflicts, feed entries, its workstation, anchors) under its own privileges, row security,
the check triggers and the feed-lock policy. Now every INSERT, UPDATE, DELETE and TRUNCATE
privilege a desk had on a hub table (and the use of the feed's sequences) moves to
`drp_desk_writer`, a role no one logs in as, and the desk writes through two SECURITY
DEFINER functions that role owns:

- `drp_desk_insert(tab, rows)`: inserts `rows` (a JSON array of objects, the columns named by
  their keys) into `tab`, leaving a row already there (ON CONFLICT DO NOTHING), one statement
  for the whole batch;
- `drp_desk_update(tab, columns, rows)`: writes `columns` of `rows` over the rows of `tab`
  with the same primary key (the key only: an update names its rows), one statement.

Inside them the session's login is still the desk's (`session_user`), and the role writing is
`drp_desk_writer`, a member of `drp_desk` holding exactly the privileges desks held: so every
check stays as it was, run by the database on each row: the INSERT policies, the column
privileges (what a desk may change of a row the hub has), the UPDATE policies (the officer's
own rows, under the feed lock, h020), the check triggers (`drp_check_row`,
`drp_check_instalment`, `drp_check_origins`, the anchors' forward rule), each refusal
recorded in `hubrefusal` as before; a payment's balance is still the trigger's. Nothing a desk
could not write before can be written through them, and a desk can no longer lock a hub row
(`SELECT ... FOR UPDATE` needs UPDATE). Events go up staged as before (h006): the staging
table keeps the one INSERT a desk login has.

`drp_refused` (h018's) now also records a refused row sent without its key (item "(a row
without its key)"); the record used to fail with the statement.

The hub's owner hands the functions to `drp_desk_writer`, so must be a member of it (made so
here if it is not a superuser). `drp_desk_writer` is never an officer's login (roles.py). On a
SQLite hub nothing changes: its trust boundary is the shared folder's permissions, and the
push applies the same rules in Python. Frozen: later changes are new migrations.

Revision ID: h023_desk_writes_by_function
Revises: h022_kept_after_start
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h023_desk_writes_by_function"
down_revision = "h022_kept_after_start"
branch_labels = None
depends_on = None

WRITER = "drp_desk_writer"
STAGING = "hubstage_event"

ROLE = f"""
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{WRITER}') THEN
    CREATE ROLE {WRITER} NOLOGIN;
  END IF;
  IF NOT (SELECT r.rolsuper FROM pg_roles r WHERE r.rolname = current_user)
     AND NOT pg_has_role(current_user, '{WRITER}', 'MEMBER') THEN
    EXECUTE format('GRANT {WRITER} TO %I', current_user);
  END IF;
END $$;
GRANT drp_desk TO {WRITER};
"""

# Every write privilege drp_desk holds on a hub table, its columns and the feed's sequences
# moves to drp_desk_writer; the staging table keeps its INSERT.
MOVE = f"""
DO $$ DECLARE r record; BEGIN
  FOR r IN SELECT c.oid::regclass AS tab, a.privilege_type AS privilege
           FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
             AND a.grantee = 'drp_desk'::regrole
             AND a.privilege_type IN ('INSERT', 'UPDATE', 'DELETE', 'TRUNCATE')
             AND c.relname <> '{STAGING}'
  LOOP
    EXECUTE format('GRANT %s ON %s TO {WRITER}', r.privilege, r.tab);
    EXECUTE format('REVOKE %s ON %s FROM drp_desk', r.privilege, r.tab);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS tab, t.attname AS col, a.privilege_type AS privilege
           FROM pg_class c JOIN pg_attribute t ON t.attrelid = c.oid
           CROSS JOIN LATERAL aclexplode(t.attacl) a
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
             AND a.grantee = 'drp_desk'::regrole
             AND a.privilege_type IN ('INSERT', 'UPDATE')
             AND c.relname <> '{STAGING}'
  LOOP
    EXECUTE format('GRANT %s (%I) ON %s TO {WRITER}', r.privilege, r.col, r.tab);
    EXECUTE format('REVOKE %s (%I) ON %s FROM drp_desk', r.privilege, r.col, r.tab);
  END LOOP;
  FOR r IN SELECT c.oid::regclass AS seq
           FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'S'
             AND a.grantee = 'drp_desk'::regrole AND a.privilege_type = 'USAGE'
  LOOP
    EXECUTE format('GRANT USAGE ON SEQUENCE %s TO {WRITER}', r.seq);
    EXECUTE format('REVOKE USAGE ON SEQUENCE %s FROM drp_desk', r.seq);
  END LOOP;
END $$;
"""

FUNCTIONS = f"""
-- The hub table `tab` names, for a desk's write (a table of the hub's own schema).
CREATE FUNCTION drp_desk_table(tab text) RETURNS regclass LANGUAGE plpgsql STABLE
SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := to_regclass(format('public.%I', tab));
BEGIN
  IF NOT public.drp_is_desk() THEN
    RAISE EXCEPTION 'the desk write functions are for a desk''s own login'
      USING ERRCODE = 'insufficient_privilege';
  END IF;
  IF target IS NULL THEN
    RAISE EXCEPTION 'no hub table %', tab USING ERRCODE = 'undefined_table';
  END IF;
  RETURN target;
END $$;

CREATE FUNCTION drp_desk_insert(tab text, rows jsonb) RETURNS bigint LANGUAGE plpgsql
SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  listed text;
  done bigint;
BEGIN
  IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array of objects'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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

CREATE FUNCTION drp_desk_update(tab text, columns text[], rows jsonb) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
  target regclass := public.drp_desk_table(tab);
  keys text[];
  sets text;
  matched text;
  done bigint;
BEGIN
  IF jsonb_typeof(rows) IS DISTINCT FROM 'array' THEN
    RAISE EXCEPTION 'rows must be a JSON array of objects'
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
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
  EXECUTE format('UPDATE %s t SET %s FROM jsonb_populate_recordset(NULL::%s, $1) s WHERE %s',
                 target, sets, target, matched) USING rows;
  GET DIAGNOSTICS done = ROW_COUNT;
  RETURN done;
END $$;

REVOKE ALL ON FUNCTION drp_desk_insert(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION drp_desk_update(text, text[], jsonb) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION drp_desk_insert(text, jsonb) TO drp_desk;
GRANT EXECUTE ON FUNCTION drp_desk_update(text, text[], jsonb) TO drp_desk;

-- Owned by drp_desk_writer, they write with its privileges only (CREATE on the schema is
-- needed for the hand-over alone).
GRANT CREATE ON SCHEMA public TO {WRITER};
ALTER FUNCTION drp_desk_insert(text, jsonb) OWNER TO {WRITER};
ALTER FUNCTION drp_desk_update(text, text[], jsonb) OWNER TO {WRITER};
REVOKE CREATE ON SCHEMA public FROM {WRITER};
"""


ORIGIN = "nullif(current_setting('drp.origin', true), '')"
UNKEYED = "coalesce(item, '(a row without its key)')"

# h018's, recording too the refusal of a row sent without its key: its item was NULL, so the
# record failed (NOT NULL) with the statement, and the security record lost the attempt.
REFUSED = f"""
CREATE OR REPLACE FUNCTION drp_refused(item text, about text, reason text) RETURNS void
LANGUAGE sql SECURITY DEFINER SET search_path = public, pg_temp AS $$
  INSERT INTO hubrefusal (id, workstation_id, officer_id, case_id, item, reason, received_at)
  VALUES (md5(coalesce({ORIGIN}, '') || {UNKEYED} || ' ' || reason),
          coalesce({ORIGIN}, '(unknown)'),
          session_user, about, {UNKEYED}, reason,
          to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'))
  ON CONFLICT (id) DO NOTHING $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(ROLE)
    op.execute(MOVE)
    op.execute(FUNCTIONS)
    op.execute(REFUSED)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h023 is not undone: restore the hub from its backup")
