"""Officers' own PostgreSQL login roles on a team hub (issue 19, item 3).

Each officer's desk connects as a role named after the officer's id, a member of `drp_desk`
(hub revision h005: what that group may read and write). `drp officer add ID --hub URL` makes
the role, unable to log in until `drp hub password ID` gives it a password, read from standard
input and sent to the server already hashed (SCRAM), so it is in no process list, shell
history or server log. Roles belong to the PostgreSQL cluster: one officer id is one role on
every hub database of that cluster.
"""

from __future__ import annotations

import psycopg
from psycopg import sql
from sqlalchemy import Connection, text

from drp_tui.domain.errors import InputError
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub

DESK_GROUP = "drp_desk"
# The role the hub's desk write functions run as (hub revision h023): it holds the write
# privileges desks once held, so no officer may ever log in as it.
DESK_WRITER = "drp_desk_writer"


def _role(connection: Connection, name: str) -> str:
    """The role name as a quoted identifier."""
    return str(connection.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar_one())


def _exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def _not_a_desk(connection: Connection, name: str) -> str | None:
    """Why the existing role `name` is not an officer's desk login drp may take on, or None.
    Roles are the cluster's: an officer id may already name the hub's owner, a superuser or
    another application's role, and making that a desk (or setting its password) would hand
    an officer its powers (review 19c)."""
    row = connection.execute(
        text(
            "SELECT rolsuper OR rolbypassrls OR rolcreaterole OR rolcreatedb OR rolreplication, "
            "pg_has_role(rolname, current_user, 'MEMBER'), "
            f"pg_has_role(rolname, '{DESK_GROUP}', 'MEMBER') "
            "FROM pg_roles WHERE rolname = :n"
        ),
        {"n": name},
    ).first()
    if row is None:
        return None
    if name == DESK_GROUP:
        return "the group of every desk login"
    if name == DESK_WRITER:
        return "the role the hub's desk write functions run as"
    privileged, owner, desk = row
    if privileged or owner:
        return "a role with powers on the hub (its owner, a superuser or an administrator)"
    if not desk:
        return f"a role that is not an officer's desk login (not in {DESK_GROUP})"
    return None


def _refuse(hub: Hub, officer_id: str, why: str) -> HubError:
    return HubError(
        f"hub {hub.shown}: {officer_id!r} is already {why} on this PostgreSQL cluster; drp "
        "will not make it a desk login nor set its password: give the officer another id"
    )


def check_login_role(hub: Hub, officer_id: str) -> None:
    """Refuse (`HubError`) an officer id that already names a role drp may not take on."""
    if not hub.is_postgresql:
        return
    with hub.translate(), hub.engine.connect() as connection:
        why = _not_a_desk(connection, officer_id)
    if why is not None:
        raise _refuse(hub, officer_id, why)


def ensure_login_role(hub: Hub, officer_id: str) -> bool:
    """The officer's desk role (NOLOGIN until it has a password), in the desk group. Returns
    whether it was made now. A SQLite hub has no roles: nothing to do. An existing role is
    taken on only if it is already a desk login (another hub on the cluster made it)."""
    if not hub.is_postgresql:
        return False
    with hub.translate(), hub.engine.begin() as connection:
        role = _role(connection, officer_id)
        made = not _exists(connection, officer_id)
        why = None if made else _not_a_desk(connection, officer_id)
        if why is not None:
            raise _refuse(hub, officer_id, why)
        if made:
            connection.execute(text(f"CREATE ROLE {role} NOLOGIN"))
        connection.execute(text(f"GRANT {DESK_GROUP} TO {role}"))
    return made


def set_password(hub: Hub, officer_id: str, password: str) -> None:
    """Let the officer's role log in with `password`, hashed here before it is sent."""
    if not hub.is_postgresql:
        raise InputError("--hub", "a SQLite hub has no logins: its folder's permissions guard it")
    if not password or "\n" in password:
        raise InputError("password", "give one line on standard input, not empty")
    with hub.translate(), hub.engine.begin() as connection:
        if not _exists(connection, officer_id):
            raise HubError(
                f"hub {hub.shown}: no login role {officer_id!r}; add the officer first "
                f"('drp officer add {officer_id} ... --hub')"
            )
        why = _not_a_desk(connection, officer_id)
        if why is not None:
            raise _refuse(hub, officer_id, why)
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection)
        hashed = raw.pgconn.encrypt_password(  # libpq's PQencryptPasswordConn
            password.encode(), officer_id.encode(), b"scram-sha-256"
        ).decode()
        statement = sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(officer_id), sql.Literal(hashed)
        )
        raw.execute(statement)
