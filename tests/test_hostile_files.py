"""The hostile-file corpus (tests/hostile/manifest.toml): each extract or remittance drp must
refuse, naming line and column, with nothing written; or read exactly, with nothing lost."""

from __future__ import annotations

import shutil
import sqlite3
import tomllib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from tests.conftest import DEMO_NOW, REPO, founded

HOSTILE = REPO / "tests" / "hostile"
MANIFEST: list[dict[str, Any]] = tomllib.loads((HOSTILE / "manifest.toml").read_text())["file"]
runner = CliRunner()


def _generated(name: str, folder: Path) -> Path:
    assert name == "long_field.csv", name
    path = folder / name
    with path.open("w", encoding="utf-8") as handle:
        handle.write("person_ref,surname,debt_ref,debt_type,balance,stage\n")
        handle.write("P1,Khan,D1,council_tax,10.00,summons\n")
        handle.write("P2," + "A" * 10_000_000 + ",D2,council_tax,10.00,summons\n")
    return path


def _counts(path: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(path)
    try:
        found = tuple(
            db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("person", "payment", "event")
        )
    finally:
        db.close()
    return found[0], found[1], found[2]


@pytest.mark.parametrize(
    "entry",
    MANIFEST,
    ids=[
        f"{e['name']}{'-' + '-'.join(e.get('args', [])) if e.get('args') else ''}" for e in MANIFEST
    ],
)
def test_each_hostile_file_does_what_the_manifest_says(
    entry: dict[str, Any],
    tmp_path: Path,
    demo_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    source = HOSTILE / entry["name"]
    path = (
        _generated(entry["name"], tmp_path)
        if "generate" in entry
        else Path(shutil.copy(source, tmp_path / entry["name"]))
    )
    if entry["command"] == "cases":
        store = founded(tmp_path / "drp.sqlite")
        args = ["import", "cases", str(path), "--mapping", "generic"]
    else:
        store = Path(shutil.copy(demo_template, tmp_path / "demo.sqlite"))
        args = ["import", "payments", str(path), "--agency", "marlowe"]
        monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_STORE", str(store))
    before = _counts(store) if store.exists() else (0, 0, 0)
    rejects = tmp_path / "rejects.csv"
    extra = ["--rejects", str(rejects)] if entry["command"] == "cases" else []
    done = runner.invoke(app, [*args, *entry.get("args", []), *extra])
    said = done.stdout + done.stderr
    assert done.exit_code == entry["exit"], said
    assert "Traceback" not in said
    assert "unexpected error" not in said
    for fragment in entry.get("says", []):
        assert fragment in said, said
    if entry["exit"] == 2:
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    if entry["exit"] != 0:
        after = _counts(store) if store.exists() else (0, 0, 0)
        assert after == before, "a refused file wrote to the store"
    if entry["exit"] == 1 and entry["command"] == "cases":
        assert rejects.exists()  # the rejects, by line and column, for the officer to fix
    if "stored" in entry:
        db = sqlite3.connect(store)
        names = [n for (n,) in db.execute("SELECT surname FROM person ORDER BY surname")]
        assert names == entry["stored"]


def test_every_corpus_file_is_in_the_manifest() -> None:
    named = {e["name"] for e in MANIFEST}
    kept = {p.name for p in HOSTILE.iterdir() if p.suffix == ".csv"}
    assert kept <= named
    assert {e["name"] for e in MANIFEST if "generate" not in e} <= kept
