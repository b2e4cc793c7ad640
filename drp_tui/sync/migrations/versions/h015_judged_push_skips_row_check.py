"""A staged push no longer runs the row-by-row event check on rows it has already judged
(issue 19: sync speed).

`drp_push_events` (h006, h009) judges a desk's whole batch in one set-based statement and
appends what passes to `hubevent` as the hub's owner. The row trigger `drp_check_desk` still
fired for each of those rows (its `WHEN drp_is_desk()` looks at the session's login, which
inside the owner's function is still the desk's), and `drp_check_event` then looked up the
table's owner in the catalogue, row by row, only to let the row through: measured with
`auto_explain`, 51 ms of a 106 ms call for 2,000 events, half the server's work of a push.

The trigger's `WHEN` now first asks, without a catalogue read, whether the statement runs in
the hub owner's own function (current_user is the owner of `hubevent`, named here as the
catalogue has it when this migration runs, and is not the session's login): then the row was
judged already, exactly the case in which `drp_check_event` returned it untouched. Every
other insert into `hubevent` by a desk (its own `INSERT`, whatever role it has SET) is
checked as before, by the same function. If the table's owner changes later, the test is
simply false for the new owner and the function's own catalogue check decides, as before.
The helper is plain SQL with every operator and function named in pg_catalog, so the
planner inlines it into the `WHEN` and no search path can stand in for it. Frozen: later
changes are new migrations.

Revision ID: h015_judged_push_skips_row_check
Revises: h014_sms_consent
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h015_judged_push_skips_row_check"
down_revision = "h014_sms_consent"
branch_labels = None
depends_on = None

SQL = """
DO $$ DECLARE owner name := (SELECT r.rolname FROM pg_catalog.pg_class c
                             JOIN pg_catalog.pg_roles r ON r.oid = c.relowner
                             WHERE c.oid = 'public.hubevent'::regclass);
BEGIN
  EXECUTE format($f$
    CREATE FUNCTION public.drp_outside_owner_functions() RETURNS boolean LANGUAGE sql STABLE
    SECURITY INVOKER AS $b$
      SELECT NOT (current_user OPERATOR(pg_catalog.<>) session_user
                  AND current_user OPERATOR(pg_catalog.=) %L::pg_catalog.name) $b$
  $f$, owner);
END $$;
DROP TRIGGER drp_check_desk ON hubevent;
CREATE TRIGGER drp_check_desk BEFORE INSERT ON hubevent FOR EACH ROW
WHEN (public.drp_outside_owner_functions() AND public.drp_is_desk())
EXECUTE FUNCTION drp_check_event();
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(SQL)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    raise NotImplementedError("h015 is not undone: restore the hub from its backup")
