"""`drp demo --store PATH` replaces only a drp demo store (issue 18, finding 8)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.demo_store import is_demo_store
from drp_tui.store.engine import open_store
from tests.conftest import founded

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


@pytest.mark.parametrize(
    "name",
    ["a" * 250, "a" * 248, "a" * 256, "\u00e9" * 125, "f" * 300 + "/demo.sqlite"],
    ids=["250", "248", "256", "250-bytes-utf8", "long-folder"],
)
def test_a_store_name_too_long_for_sqlite_is_bad_input_naming_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """A 250-character name: SQLite cannot make NAME-journal (or the build's temporary
    file) beside it, and drp said 'unexpected error'."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "work.sqlite"))
    folder = tmp_path / "here"
    folder.mkdir()
    code, said = _demo(folder / name)
    assert code == 2, said
    assert "unexpected error" not in said
    assert len(said.strip().splitlines()) == 1
    assert said.startswith("drp: --store:")
    assert list(folder.iterdir()) == []  # nothing made, nothing left behind


def test_the_longest_store_name_sqlite_can_keep_is_built(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "work.sqlite"))
    path = tmp_path / ("b" * 247)
    code, said = _demo(path)
    assert code == 0, said
    assert is_demo_store(path)


def test_a_working_store_name_too_long_leaves_no_empty_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DRP_STORE with a 250-character name made an empty file there, then failed; then it
    was refused (exit 1) as if the store had failed, not the setting."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / ("c" * 250)))
    done = runner.invoke(app, ["queue", "show"])
    assert done.exit_code == 2, done.stdout
    assert done.stderr.startswith("drp: store:"), done.stderr
    assert "DRP_STORE" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_a_store_path_longer_than_the_system_allows_is_bad_input_in_one_short_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Folders of short names, 6,000 characters in all: 'cannot create the store', exit 1,
    and the whole path echoed back."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / ("a/" * 3000 + "x.sqlite")))
    done = runner.invoke(app, ["queue", "show"])
    assert done.exit_code == 2, done.stderr
    assert done.stderr.startswith("drp: store:"), done.stderr
    assert len(done.stderr) < 400, done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("length", [250, 256])
def test_rejects_and_out_with_long_names_are_written_or_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, length: int
) -> None:
    """A legal long name (250) is written; one the file system cannot hold (256) is one line,
    exit 2, naming the option; neither is an unexpected error."""
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person_ref,surname,debt_ref,debt_type,balance,stage\nP1,K,D1,council_tax,x,summons\n"
    )
    rejects = tmp_path / ("r" * length)
    done = runner.invoke(
        app, ["import", "cases", str(bad), "--mapping", "generic", "--rejects", str(rejects)]
    )
    assert "unexpected error" not in done.stderr
    if length <= 255:
        assert done.exit_code == 1, done.stderr
        assert rejects.is_file()
    else:
        assert done.exit_code == 2, done.stderr
        assert done.stderr.startswith("drp: --rejects:")
        assert len(done.stderr.strip().splitlines()) == 1
    out = tmp_path / ("o" * length)
    done = runner.invoke(app, ["export", "outcomes", "--out", str(out)])
    assert "unexpected error" not in done.stderr
    assert done.exit_code == (0 if length <= 255 else 2), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
