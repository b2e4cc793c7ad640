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


def _role(connection: Connection, name: str) -> str:
    """The role name as a quoted identifier."""
    return str(connection.execute(text("SELECT quote_ident(:n)"), {"n": name}).scalar_one())


def _exists(connection: Connection, name: str) -> bool:
    found = connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name})
    return found.first() is not None


def ensure_login_role(hub: Hub, officer_id: str) -> bool:
    """The officer's desk role (NOLOGIN until it has a password), in the desk group. Returns
    whether it was made now. A SQLite hub has no roles: nothing to do."""
    if not hub.is_postgresql:
        return False
    with hub.translate(), hub.engine.begin() as connection:
        role = _role(connection, officer_id)
        made = not _exists(connection, officer_id)
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
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection)
        hashed = raw.pgconn.encrypt_password(  # libpq's PQencryptPasswordConn
            password.encode(), officer_id.encode(), b"scram-sha-256"
        ).decode()
        statement = sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
            sql.Identifier(officer_id), sql.Literal(hashed)
        )
        raw.execute(statement)
