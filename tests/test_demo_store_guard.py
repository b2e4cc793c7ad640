"""`drp demo --store PATH` replaces only a drp demo store (issue 18, finding 8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.demo_store import is_demo_store
from drp_tui.store.engine import open_store

runner = CliRunner()


def _demo(path: Path) -> tuple[int, str]:
    done = runner.invoke(
        app, ["demo", "--store", str(path), "--people", "10", "--no-launch", "--json"]
    )
    return done.exit_code, done.stdout + done.stderr


@pytest.mark.parametrize("kind", ["document", "store", "hub-like", "symlink", "folder"])
def test_anything_but_a_demo_store_is_refused_and_kept(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "target.sqlite"
    if kind == "document":
        path.write_text("the minutes of the meeting\n")
    elif kind in ("store", "hub-like"):
        open_store(path).engine.dispose()
        if kind == "hub-like":
            db = sqlite3.connect(path)
            db.execute("CREATE TABLE hubthing (x)")
            db.commit()
            db.close()
    elif kind == "symlink":
        other = tmp_path / "other.txt"
        other.write_text("keep\n")
        path.symlink_to(other)
    else:
        path.mkdir()
    before = path.read_bytes() if path.is_file() else None
    code, said = _demo(path)
    assert code == 2, said
    assert said.strip().splitlines()[-1].startswith("drp: --store:"), said
    assert "not a drp demo store" in said
    assert (path.read_bytes() if path.is_file() else None) == before
    assert path.exists()


def test_a_demo_store_is_marked_and_may_be_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "demo.sqlite"
    code, said = _demo(path)
    assert code == 0, said
    assert is_demo_store(path)
    code, said = _demo(path)
    assert code == 0, said
    assert is_demo_store(path)
