"""Which files `drp demo` may replace: only a store it built, which it marks as a demo.

The mark is SQLite's `application_id` header field (outside the schema, so no migration
touches it). `drp demo --store PATH` builds at a path that is empty, or replaces a file
carrying the mark; anything else (another team's store, a hub file, a document, a folder, a
symlink) is refused, and kept.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

from drp_tui.domain.errors import InputError
from drp_tui.store.engine import Store

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


def clear_for_demo(path: Path) -> None:
    """Make way for a demo at `path`: nothing there, or a demo store (removed with its WAL
    files). Anything else is refused with exit 2 and left as it was."""
    try:
        os.lstat(path)
    except FileNotFoundError:
        return
    if not is_demo_store(path):
        raise InputError(
            "--store",
            f"{path} is not a drp demo store, so the demo will not replace it; "
            "give a new path (drp demo replaces only stores it built)",
        )
    for suffix in ("-wal", "-shm", ""):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def mark_demo(store: Store) -> None:
    """Record in the store that it is a demo (before building, so a build cut short can
    still be replaced)."""
    with store.writer.connect() as connection:
        connection.exec_driver_sql(f"PRAGMA application_id = {DEMO_APPLICATION_ID}")
        connection.commit()
