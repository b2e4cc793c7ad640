"""Personal data on disk is for the officer alone: the store and its -wal/-shm files are
created 0600 and the folder drp makes for them 0700 (issue 20: they were 0644 and 0755, so
every local user could read every debtor's details)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from drp_tui.store.engine import open_store
from drp_tui.store.models import Officer


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_store_and_its_folder_are_the_officers_alone(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a usual login's umask
    try:
        path = tmp_path / "data" / "drp" / "drp.sqlite"
        store = open_store(path)
        with store.write() as session:
            session.add(Officer(id="asmith", name="Alex Smith"))
        assert mode(path.parent) == 0o700
        assert mode(path) == 0o600
        for companion in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert companion.exists()
            assert mode(companion) == 0o600, companion
    finally:
        os.umask(old)


def test_an_existing_store_left_readable_is_closed_up(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    path = folder / "drp.sqlite"
    open_store(path).engine.dispose()
    path.chmod(0o644)
    open_store(path)
    assert mode(path) == 0o600
    assert mode(folder) == 0o755  # a folder drp did not make is left as it is
