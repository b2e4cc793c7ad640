"""Opening the store: one SQLite file, WAL, foreign keys on, a busy timeout, created or
migrated to the current schema on first use."""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DatabaseError, OperationalError, ProgrammingError

from drp_tui.domain.errors import InputError
from drp_tui.store.errors import StoreError

if TYPE_CHECKING:
    from sqlmodel import Session

# The newest migration. Checked against the migration scripts by a test, so opening an
# up-to-date store needs one query and no Alembic import.
SCHEMA_REVISION = "0016_removal_cursor"
BUSY_TIMEOUT_MS = 10_000


@dataclass(frozen=True)
class Store:
    path: Path
    engine: Engine  # reads (deferred transactions)
    writer: Engine  # writes (BEGIN IMMEDIATE, so read-then-write cannot race)

    # SQLModel is imported on first use: the officer's queue is read without it at start-up
    # (drp_tui.read_ahead).
    def read(self) -> Session:
        from sqlmodel import Session

        return Session(self.engine)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session in one write transaction: committed if the block ends normally, rolled
        back (leaving the store exactly as it was) if it raises."""
        from sqlmodel import Session

        with Session(self.writer, expire_on_commit=False) as session, session.begin():
            yield session


def sqlite_engine(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's begin event decide how each transaction starts.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        # What a write removes or replaces (a key erased, a name blanked, by the sync's pull as
        # much as by an erasure) is overwritten, not left in the page's free space (issue 20).
        cursor.execute("PRAGMA secure_delete = FAST")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        immediate = connection.get_execution_options().get("drp_write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        try:
            row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
        except (OperationalError, ProgrammingError):
            return None
    return None if row is None else str(row[0])


SQLITE_HEADER = b"SQLite format 3\x00"


# SQLite keeps NAME-journal (the longest of -journal, -wal, -shm) beside a store.
SIDECAR_ROOM = len("-journal")


def store_name_problem(path: Path) -> str | None:
    """Why SQLite could not keep a store at `path`, or None: its name, with `-journal` added,
    must fit the folder's file-name limit (255 bytes on most file systems)."""
    folder = path.parent
    while not os.path.isdir(folder) and folder != folder.parent:
        folder = folder.parent
    try:
        limit = os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        limit = 255
    for part in path.parent.parts:
        if len(os.fsencode(part)) > limit:
            return f"the folder name {part[:40]}… is longer than the {limit} bytes a name may have"
    size = len(os.fsencode(path.name))
    if size + SIDECAR_ROOM <= limit:
        return None
    return (
        f"the file name is {size} bytes, longer than the {limit - SIDECAR_ROOM} a store may "
        f"have (SQLite keeps the name with -journal added beside it); give a shorter name"
    )


def private_file(path: Path) -> None:
    """Make `path` (and any folders above it drp has to make) the user's alone: folders 0700,
    the file 0600, whatever the umask. SQLite gives a database's -wal and -shm files its
    mode. An existing file is closed up to 0600; an existing folder is left as it is."""
    if path.exists():  # (a symlink to a store is followed)
        found = path.stat()
        if not stat.S_ISREG(found.st_mode):
            raise StoreError(f"{path} is not a drp store (not a regular file); it is left as it is")
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_HEADER))
        if head and head != SQLITE_HEADER:
            raise StoreError(f"{path} is not a drp store (not a SQLite file); it is left as it is")
        if stat.S_IMODE(found.st_mode) & 0o077:
            path.chmod(0o600)
        return
    problem = store_name_problem(path)
    if problem is not None:  # nothing is made that SQLite could not then use
        raise bad_store_name(path, problem)
    missing = [p for p in (path.parent, *path.parent.parents) if not p.exists()]
    for folder in reversed(missing):
        folder.mkdir(mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is masked by the umask
    os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_RDWR | os.O_NOFOLLOW, 0o600))


def bad_store_name(path: Path, problem: str) -> InputError:
    """The store setting names a file SQLite cannot keep: bad input (the setting), not a
    failing store; the path shown cut to a line."""
    shown = str(path) if len(str(path)) <= 80 else f"{str(path)[:40]}…{str(path)[-30:]}"
    return InputError("store", f"{shown}: {problem} (set by DRP_STORE or the config file)")


def open_store(path: Path, *, upgrade: bool = True) -> Store:
    """Open (creating if need be) the store at `path`, migrating it to the current schema."""
    try:
        private_file(path)
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            raise bad_store_name(path, "the path is longer than this system allows") from None
        raise StoreError(f"cannot create the store {path}: {exc.strerror}") from None
    engine = sqlite_engine(path)
    try:
        revision = current_revision(engine)
    except DatabaseError as exc:
        raise StoreError(f"{path} is not a drp store or cannot be read ({exc.orig})") from None
    if revision != SCHEMA_REVISION:
        if not upgrade:
            raise StoreError(f"{path} is at schema {revision or 'none'}; run 'drp db upgrade'")
        from drp_tui.store.migrate import upgrade_to_head

        upgrade_to_head(engine)
    from drp_tui.store.anchors import watch

    watch(engine, path)
    return Store(path, engine, engine.execution_options(drp_write=True))
