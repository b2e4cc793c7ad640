"""`drp demo` reuses the demo it built while seed, size and schema match; a half-built demo is
never reused (issue 22, "the first minute")."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.demo import build_demo
from drp_tui.services.demo_store import finished_build, mark_demo, ready_demo
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import open_store
from tests.conftest import DEMO_NOW

runner = CliRunner()


def _demo(target: Path, *extra: str) -> dict[str, object]:
    result = runner.invoke(
        app,
        [
            "demo",
            "--people",
            "10",
            "--seed",
            "3",
            "--store",
            str(target),
            "--no-launch",
            "--json",
            *extra,
        ],
    )
    assert result.exit_code == 0, result.stderr
    summary: dict[str, object] = json.loads(result.stdout)
    return summary


def test_demo_reuses_the_store_it_built_for_the_same_seed_and_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    target = tmp_path / "demo.sqlite"
    first = _demo(target)
    assert first["reused"] is False
    inode = target.stat().st_ino
    again = _demo(target)
    assert again["reused"] is True
    assert target.stat().st_ino == inode  # the same file, not rebuilt
    assert {k: v for k, v in again.items() if k != "reused"} == {
        k: v for k, v in first.items() if k != "reused"
    }
    assert _demo(target, "--fresh")["reused"] is False
    assert target.stat().st_ino != inode
    other_seed = runner.invoke(
        app, ["demo", "--people", "10", "--seed", "4", "--store", str(target), "--no-launch"]
    )
    assert other_seed.exit_code == 0, other_seed.stderr
    assert "demo built" in other_seed.stdout
    reused = runner.invoke(
        app, ["demo", "--people", "10", "--seed", "4", "--store", str(target), "--no-launch"]
    )
    assert "demo reused" in reused.stdout
    assert "--fresh" in reused.stdout


class Killed(BaseException):
    """Stands for the process being killed: nothing after it runs in the build."""


def _kill_at(step: str) -> Callable[[str], None]:
    def progress(message: str) -> None:
        if message.startswith(step):
            raise Killed

    return progress


def test_a_demo_killed_mid_build_is_never_reused(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "demo.sqlite"
    with pytest.raises(Killed):
        ready_demo(
            target,
            policy,
            seed=3,
            people=10,
            now=DEMO_NOW,
            progress=_kill_at("thirty days"),
        )
    assert not target.exists()  # built beside its place, never in it
    # A demo store half built in place (people and debts, no history), marked as a demo as
    # drp marks each before it builds (an unmarked file is never replaced: test_demo_store_guard).
    store = open_store(target)
    mark_demo(store)
    with pytest.raises(Killed):
        build_demo(store, policy, seed=3, people=10, now=DEMO_NOW, progress=_kill_at("thirty days"))
    store.engine.dispose()
    assert finished_build(target) is None
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    rebuilt = _demo(target)
    assert rebuilt["reused"] is False
    assert int(str(rebuilt["contacts"])) > 0  # the history the half build never reached


def test_a_leftover_from_a_killed_build_is_cleared_and_another_schema_rebuilt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    target = tmp_path / "demo.sqlite"
    leftover = tmp_path / ".demo.sqlite.building-999999999"  # no such process
    leftover.write_bytes(b"half a store")
    _demo(target)
    assert not leftover.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".demo")] == []
    db = sqlite3.connect(target)
    db.execute("UPDATE alembic_version SET version_num = '0002_sync_bookkeeping'")
    db.commit()
    db.close()
    assert _demo(target)["reused"] is False
