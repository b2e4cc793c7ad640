"""New stores in tests are copies of one store migrated once per test process.

Migrating a new store through every revision (each one a commit) costs about a fifth of a
second of CPU, and the suite makes over a thousand stores: minutes of CI. The template is made
by the real migrations, and a store is copied from it only when it is brand new (no tables at
all) and is being taken to the head revision; every other upgrade (an older store, a hub's own
tables, a named revision) runs the migrations themselves."""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, text

from drp_tui.store import migrate

Upgrade = Callable[..., None]

_template: Path | None = None


def _brand_new(engine: Engine) -> bool:
    if engine.dialect.name != "sqlite":
        return False
    with engine.connect() as connection:
        tables: int = connection.execute(text("SELECT count(*) FROM sqlite_master")).scalar_one()
        return tables == 0


def _template_store(upgrade: Upgrade) -> Path:
    global _template
    if _template is None:
        from drp_tui.store.engine import sqlite_engine

        folder = Path(tempfile.mkdtemp(prefix="drp-store-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "store.sqlite"
        engine = sqlite_engine(path)
        upgrade(engine)
        engine.dispose()  # the last connection closing folds the -wal into the file
        _template = path
    return _template


def copying_upgrade(upgrade: Upgrade) -> Upgrade:
    """`migrate.upgrade_to_head`, copying the template into a brand-new store."""

    def upgrade_to_head(
        engine: Engine, revision: str = "head", script_location: str = migrate.SCRIPT_LOCATION
    ) -> None:
        to_head = revision == "head" and script_location == migrate.SCRIPT_LOCATION
        if not (to_head and _brand_new(engine)):
            upgrade(engine, revision, script_location)
            return
        source = sqlite3.connect(_template_store(upgrade))
        try:
            with engine.connect() as connection:
                target = connection.connection.driver_connection
                assert isinstance(target, sqlite3.Connection)
                source.backup(target)
        finally:
            source.close()

    return upgrade_to_head
