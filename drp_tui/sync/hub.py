"""Opening the team hub: a PostgreSQL database for a team, a SQLite file for one office.

A hub holds the store's own tables (so the supervisor's import and allocation run against it
as they do against a store) and the hub tables in `schema.py`. Its address is a SQLAlchemy
URL; the password in it is never shown: `Hub.shown` is the address to print.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError, ProgrammingError

from drp_tui.domain.errors import InputError
from drp_tui.store.engine import Store, current_revision, private_file, sqlite_engine
from drp_tui.store.errors import StoreError
from drp_tui.sync.errors import HubError, HubUnreachable
from drp_tui.sync.schema import hub_origin

HUB_SCHEMA_REVISION = "h027_review19e"  # the hub migrations' head; a test keeps them equal
CONNECT_TIMEOUT_S = 5
# No desk can stall the hub (issue 19): a write transaction left idle (a desk frozen mid-push,
# a laptop lid closed on the VPN) is ended by the server after IDLE_IN_TRANSACTION_S, which
# frees the feed lock it held; a session waiting for a lock gives up after LOCK_TIMEOUT_S and
# the sync retries. The wait outlasts the idle limit, so a frozen holder is cut first. A read
# holds no lock a desk or supervisor waits for: it may sit idle longer (a desk applying a big
# pull between reads), and is ended only after READ_IDLE_S.
IDLE_IN_TRANSACTION_S = 10
LOCK_TIMEOUT_S = 20
# A desk's own login may set its own idle limit to none and keep open a transaction that took
# the feed lock (inside the hub's functions): whoever waits for the lock ends such a session
# once it is idle in its transaction for STALLED_S, or has been in it for IDLE_IN_TRANSACTION_S
# (hub revision h011). The hub owner's sessions keep their idle limit.
STALLED_S = 2
READ_IDLE_S = 120
SESSION_OPTIONS = (
    f"-c idle_in_transaction_session_timeout={READ_IDLE_S * 1000} "
    f"-c lock_timeout={LOCK_TIMEOUT_S * 1000}"
)
# lock_not_available (lock_timeout) and query_canceled: the hub was busy, try again.
BUSY_STATES = ("55P03", "57014")
# The server refused the login itself (libpq gives no SQLSTATE for a failed connection): a
# refusal, not a hub out of reach, so it is not tried again (each try may count to a lockout).
LOGIN_REFUSED = ("authentication failed", "no pg_hba.conf entry", "no password supplied")
SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
# Until hub revision h008 every write that feeds the change feed held this advisory lock; any
# login may take an advisory lock, so a desk role could hold it. The feed lock is now the table
# `hubfeedlock` (h008), which only the hub's owner may lock.
FEED_LOCK = 7_262_001


# A password in an address would be in the process list (argv) or the environment for every
# local user to read (issue 19, item 5).
PASSWORD_IN_ADDRESS = (
    "a password in the hub address is refused (every local user can read it); leave it out "
    "and put it in a libpq password file (~/.pgpass, or the file PGPASSFILE names, mode 0600), "
    "or give a service from a service file (PGSERVICEFILE): --hub 'postgresql:///?service=drp'"
)


def hub_url(address: str) -> URL:
    """A hub address as typed: a PostgreSQL URL, a sqlite:/// URL or a plain file path."""
    cleaned = address.strip()
    if not cleaned:
        raise InputError("--hub", "is empty; give a postgresql:// URL or a SQLite file path")
    if "://" not in cleaned:
        return URL.create("sqlite", database=str(Path(cleaned).expanduser()))
    try:
        url = make_url(cleaned)
    except ArgumentError:
        raise InputError("--hub", f"{_hide(cleaned)} is not a database URL") from None
    except ValueError:  # the port is not a number
        raise InputError(
            "--hub", f"{_hide(cleaned)}: the port must be a number from 1 to 65535"
        ) from None
    if url.port is not None and not 1 <= url.port <= 65535:
        raise InputError("--hub", f"{_hide(cleaned)}: the port must be from 1 to 65535")
    if url.get_backend_name() in ("postgresql", "postgres"):
        if url.password is not None or "password" in {key.lower() for key in url.query}:
            raise InputError("--hub", PASSWORD_IN_ADDRESS)
        sslmode = url.query.get("sslmode")
        if sslmode is not None and sslmode not in SSLMODES:
            raise InputError(
                "--hub",
                f"{_hide(cleaned)}: sslmode must be one of {', '.join(SSLMODES)} (got {sslmode!r})",
            )
        return url.set(drivername="postgresql+psycopg")
    if url.get_backend_name() == "sqlite" and url.database:
        return url
    raise InputError("--hub", f"{_hide(cleaned)}: a hub is PostgreSQL or a SQLite file")


def _hide(address: str) -> str:
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", address)


@dataclass(frozen=True)
class Hub:
    url: URL
    engine: Engine

    @property
    def shown(self) -> str:
        return self.url.render_as_string(hide_password=True)

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def as_store(self) -> Store:
        """The hub's store tables, for the services a supervisor runs against the hub. As on
        a desk, its writer is one at a time (see `_one_writer_at_a_time`)."""
        writer = self.engine.execution_options(drp_write=True)
        return Store(Path(self.url.database or ""), self.engine, writer)

    @contextmanager
    def write(self, origin: str | None = None) -> Iterator[Connection]:
        """One hub transaction. Feed numbers follow commit order (the feed lock); `origin`
        marks the changes as coming from that workstation."""
        writer = self.as_store().writer
        with self.translate(), writer.begin() as connection:
            if origin is not None and self.is_postgresql:  # this transaction's own (h008)
                connection.execute(text("SELECT set_config('drp.origin', :o, true)"), {"o": origin})
            elif origin is not None:
                connection.execute(update(hub_origin).values(workstation_id=origin))
            yield connection
            if origin is not None and not self.is_postgresql:
                connection.execute(update(hub_origin).values(workstation_id=None))

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.translate(), self.engine.connect() as connection:
            yield connection

    @contextmanager
    def translate(self) -> Iterator[None]:
        """Database errors as one line naming the hub, never its password."""
        try:
            yield
        except DBAPIError as exc:
            state = getattr(exc.orig, "sqlstate", None)
            refused = any(words in str(exc.orig) for words in LOGIN_REFUSED)
            dropped = (
                isinstance(exc, OperationalError)
                and (state is None or state.startswith(("08", "57P")))
                and not refused
            ) or state in BUSY_STATES
            raise (HubUnreachable if dropped else HubError)(self.problem(exc)) from None

    def problem(self, exc: DBAPIError) -> str:
        detail = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        if self.url.password:
            detail = detail.replace(str(self.url.password), "***")
        return f"hub {self.shown}: {detail}"


def desk_login(connection: Connection) -> str | None:
    """The officer role this PostgreSQL hub session logged in as, when it is a desk's (a
    member of drp_desk, hub revision h005); None for the hub's owner or a SQLite hub."""
    if connection.dialect.name != "postgresql":
        return None
    known = connection.info  # the database connection's own: its login never changes
    if "drp_desk_login" not in known:
        login, is_desk = connection.execute(text("SELECT session_user, drp_is_desk()")).one()
        known["drp_desk_login"] = str(login) if is_desk else None
    found: str | None = known["drp_desk_login"]
    return found


def _one_writer_at_a_time(connection: Connection) -> None:
    """A write transaction on a PostgreSQL hub first takes the feed lock, as a desk's SQLite
    write begins IMMEDIATE: a supervisor's read-then-write (allocation, numbering imported
    cases) or a push's (a placement against the one on the hub) cannot race another, and
    feed numbers follow commit order. The lock is the hub's own (h008: no login takes it but
    through `drp_feed_lock`), and a desk session holding it while others wait is ended
    (h011)."""
    if connection.get_execution_options().get("drp_write", False):
        connection.exec_driver_sql(
            f"SET LOCAL idle_in_transaction_session_timeout = {IDLE_IN_TRANSACTION_S * 1000}"
        )
        connection.exec_driver_sql("SELECT drp_feed_lock()")


def connect(address: URL, *, check_schema: bool = True) -> Hub:
    """Open the hub and check it answers (and, unless `check_schema` is off, that `drp hub
    init` has made it)."""
    if address.get_backend_name() == "sqlite":
        path = Path(address.database or "")
        if not path.exists() and check_schema:
            raise HubError(f"hub {path} does not exist; make it with 'drp hub init --hub {path}'")
        # Every desk's people and every person's keys: the owner's alone, as a store is
        # (folders drp makes 0700, the file 0600; an existing one closed up to 0600).
        try:
            private_file(path)
        except OSError as exc:
            raise HubError(f"cannot create the hub {path}: {exc.strerror}") from None
        except StoreError as exc:
            raise HubError(str(exc).replace("drp store", "drp hub")) from None
        engine = sqlite_engine(path)
    else:
        engine = create_engine(
            address,
            pool_pre_ping=True,
            connect_args={
                "connect_timeout": CONNECT_TIMEOUT_S,
                "application_name": "drp",
                "options": SESSION_OPTIONS,
            },
        )
        event.listen(engine, "begin", _one_writer_at_a_time)
    hub = Hub(address, engine)
    with hub.read() as connection:
        connection.execute(text("SELECT 1"))
    if check_schema:
        wanted = HUB_SCHEMA_REVISION
        found = hub_revision(hub)
        if found != wanted:
            raise HubError(
                f"hub {hub.shown} is at hub schema {found or 'none'}, drp needs {wanted}: "
                f"run 'drp hub init --hub {hub.shown}'"
            )
    return hub


def hub_revision(hub: Hub) -> str | None:
    with hub.read() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM hub_alembic_version")).first()
        except (OperationalError, ProgrammingError):
            return None
    return None if row is None else str(row[0])


@dataclass(frozen=True)
class HubSchema:
    store_revision: str | None
    hub_revision: str | None
    created: bool


def init_hub(address: URL) -> tuple[Hub, HubSchema]:
    """Create the hub's schema, or bring it up to date; safe to run again."""
    from drp_tui.store.migrate import HUB_SCRIPT_LOCATION, upgrade_to_head

    hub = connect(address, check_schema=False)
    before = hub_revision(hub)
    with hub.translate():
        upgrade_to_head(hub.engine)
        upgrade_to_head(hub.engine, script_location=HUB_SCRIPT_LOCATION)
        store_revision = current_revision(hub.engine)
    return hub, HubSchema(store_revision, hub_revision(hub), created=before is None)
