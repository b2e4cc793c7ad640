"""The demo store on disk: built once, then reused while it matches what was asked for.

`drp demo` used to rebuild the portfolio on every launch (12-16 s of CPU before anything
showed). A demo is now built into a temporary file beside its place, its completion recorded
in the store as a `demo.built` event (seed, people, schema revision, generator version and
the summary), and only then renamed into place. So a build killed half way never sits where
a demo is looked for, and a store is reused only when it carries that record for the same
seed, size, schema and generator.

Only a store `drp demo` built is ever replaced: it marks its stores in SQLite's
`application_id` header field (outside the schema, so no migration touches it); anything
else at the path (another team's store, a hub file, a document, a folder, a symlink) is
refused, and kept.
"""

from __future__ import annotations

import glob
import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drp_tui.domain.errors import InputError
from drp_tui.store.anchors import anchor_path
from drp_tui.store.engine import SCHEMA_REVISION, Store, store_name_problem

if TYPE_CHECKING:
    from drp_tui.services.policy import PolicyBook

DEMO_APPLICATION_ID = 0x64727064  # "drpd"
_SQLITE_HEADER = b"SQLite format 3\x00"


def is_demo_store(path: Path) -> bool:
    """Whether `path` is a regular file holding a store `drp demo` built (read only)."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        with path.open("rb") as handle:
            if handle.read(len(_SQLITE_HEADER)) != _SQLITE_HEADER:
                return False
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            row = db.execute("PRAGMA application_id").fetchone()
        finally:
            db.close()
    except (OSError, sqlite3.Error):
        return False
    return row is not None and row[0] == DEMO_APPLICATION_ID


def clear_for_demo(path: Path, *, remove: bool = True) -> None:
    """Make way for a demo at `path`: nothing there, or a demo store (removed with its WAL
    files, unless not `remove`). Anything else is refused with exit 2 and left as it was."""
    problem = store_name_problem(path)
    if problem is not None:
        raise InputError("--store", f"{path.name[:40]}…: {problem}")
    try:
        os.lstat(path)
    except FileNotFoundError:
        return
    except OSError as exc:  # a folder name too long, a folder that cannot be searched
        raise InputError("--store", f"{path} cannot be used ({exc.strerror})") from None
    if not is_demo_store(path):
        raise InputError(
            "--store",
            f"{path} is not a drp demo store, so the demo will not replace it; "
            "give a new path (drp demo replaces only stores it built)",
        )
    if not remove:
        return
    for suffix in ("-wal", "-shm", "", ".anchors"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def mark_demo(store: Store) -> None:
    """Record in the store that it is a demo (before building, so a build cut short can
    still be replaced)."""
    from drp_tui.services.identity import DEMO, set_store_kind

    with store.writer.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        connection.commit()
    set_store_kind(store, DEMO)


# The generator (Faker, the importer, the services and the ORM) is loaded only to build: a
# reused demo opens the workstation without it.

# Bump when build_demo makes a different portfolio from the same seed and size: a demo built
# by an older generator is then rebuilt rather than reused.
DEMO_GENERATOR = 1
BUILT = "demo.built"  # the event that says the build finished


@dataclass(frozen=True)
class DemoBuild:
    """What a finished demo store records about its own build."""

    seed: int
    people: int
    schema: str
    generator: int
    built_at: str
    officer: str  # who the demo opens as
    supervisor: str
    summary: dict[str, int]  # rows of each kind (DemoSummary's fields)

    def matches(self, seed: int, people: int) -> bool:
        return (self.seed, self.people, self.schema, self.generator) == (
            seed,
            people,
            SCHEMA_REVISION,
            DEMO_GENERATOR,
        )


def finished_build(path: Path) -> DemoBuild | None:
    """The completed demo build recorded in the store at `path`; None when there is no file,
    it is not a readable drp store at the current schema, or no build finished in it."""
    if not path.is_file():
        return None
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        (revision,) = db.execute("SELECT version_num FROM alembic_version").fetchone() or ("",)
        row = db.execute(
            "SELECT payload FROM event WHERE kind = ? ORDER BY seq DESC LIMIT 1", (BUILT,)
        ).fetchone()
    except sqlite3.Error:
        return None
    finally:
        db.close()
    if row is None or revision != SCHEMA_REVISION:
        return None
    return _build_from(row[0])


def _build_from(payload_text: str) -> DemoBuild | None:
    import json

    try:
        payload: dict[str, Any] = json.loads(payload_text)
        return DemoBuild(
            seed=int(payload["seed"]),
            people=int(payload["people"]),
            schema=str(payload["schema"]),
            generator=int(payload["generator"]),
            built_at=str(payload["built_at"]),
            officer=str(payload["officer"]),
            supervisor=str(payload["supervisor"]),
            summary={str(k): int(v) for k, v in dict(payload["summary"]).items()},
        )
    except (ValueError, KeyError, TypeError):
        return None


@dataclass(frozen=True)
class DemoReady:
    build: DemoBuild
    reused: bool


def ready_demo(
    path: Path,
    policy: PolicyBook,
    *,
    seed: int,
    people: int,
    now: datetime,
    fresh: bool = False,
    progress: Callable[[str], None] | None = None,
) -> DemoReady:
    """The demo store at `path` for this seed and size: the one already there if it finished
    building for the same seed, size, schema and generator (unless `fresh`), else a new one
    built beside it and renamed into place."""
    clear_for_demo(path, remove=False)  # only a store drp demo built is ever replaced
    found = None if fresh else finished_build(path)
    if found is not None and found.matches(seed, people):
        return DemoReady(found, reused=True)
    _remove_abandoned_builds(path)
    building = path.with_name(f"{_building_prefix(path)}{os.getpid()}")
    _remove_store_files(building)
    try:
        build = _build(building, policy, seed=seed, people=people, now=now, progress=progress)
        if path.exists():  # a demo store (clear_for_demo): its -wal must not be replayed
            _remove_store_files(path)
        os.replace(building, path)
        if anchor_path(building).exists():  # the chain's anchors go with it
            os.replace(anchor_path(building), anchor_path(path))
    finally:
        _remove_store_files(building)
    return DemoReady(build, reused=False)


def _build(
    path: Path,
    policy: PolicyBook,
    *,
    seed: int,
    people: int,
    now: datetime,
    progress: Callable[[str], None] | None,
) -> DemoBuild:
    from drp_tui.services.demo import DEMO_OFFICER, SUPERVISOR, build_demo
    from drp_tui.store.engine import open_store
    from drp_tui.store.events import append_event

    store = open_store(path)
    mark_demo(store)
    try:
        summary = build_demo(store, policy, seed=seed, people=people, now=now, progress=progress)
        build = DemoBuild(
            seed,
            people,
            SCHEMA_REVISION,
            DEMO_GENERATOR,
            now.isoformat(),
            DEMO_OFFICER,
            SUPERVISOR,
            asdict(summary),
        )
        with store.write() as session:
            append_event(
                session,
                officer_id=SUPERVISOR,
                kind=BUILT,
                at=now,
                payload=asdict(build),
            )
    finally:
        store.engine.dispose()
    # Everything into the main file (the last connection to close checkpoints and removes
    # the -wal), so the file alone is the whole store when it is renamed.
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        db.close()
    return build


def _building_prefix(path: Path) -> str:
    """The start of the name a build of `path` is made under (the process id follows): short
    whatever the store's name, so that it and its -journal fit wherever the store does."""
    if len(os.fsencode(path.name)) <= 200:
        return f".{path.name}.building-"
    digest = hashlib.sha256(os.fsencode(path.name)).hexdigest()[:12]
    return f".{path.name[:40]}.{digest}.building-"


def _remove_store_files(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".anchors"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _remove_abandoned_builds(path: Path) -> None:
    """Temporary files of builds that were killed (their process is gone)."""
    for leftover in path.parent.glob(f"{glob.escape(_building_prefix(path))}*"):
        pid_text = leftover.name.rsplit("-", 1)[-1]
        if not pid_text.isdigit():
            continue  # a -wal or -shm: goes with its main file
        if int(pid_text) != os.getpid() and _running(int(pid_text)):
            continue  # another build in progress
        _remove_store_files(leftover)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
