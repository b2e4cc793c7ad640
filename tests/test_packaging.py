"""Packaging: the wheel carries the policy data; headless commands never import Textual."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from drp_tui.store.engine import Store
from tests.conftest import REPO


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Build a wheel from a copy of the checkout, as a release would."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "drp_tui", "screens", "data"):
        origin = REPO / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(origin, source / name)
    out = tmp_path_factory.mktemp("dist")
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(out),
            str(source),
        ],
        cwd=source,
    )
    (built,) = out.glob("drp-*.whl")
    return built


def test_wheel_carries_both_packages_and_the_policy_tables(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert "drp_tui/data/policy/ctaeo.toml" in names
    assert "drp_tui/data/sfs/example-guidelines.toml" in names
    assert "screens/__init__.py" in names
    assert "screens/queue.tcss" in names  # a screen's stylesheet ships beside it
    assert "drp_tui/store/migrations/versions/0001_first_schema.py" in names
    assert not any(name.startswith("tests/") for name in names)


def test_installed_wheel_answers_drp_calc_away_from_the_checkout(
    wheel: Path, tmp_path: Path
) -> None:
    target = tmp_path / "site"
    run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--target",
            str(target),
            str(wheel),
        ],
        cwd=tmp_path,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "PYTHONPATH": str(target), "DRP_CONFIG": str(tmp_path / "c.toml")}
    where = run(
        [sys.executable, "-c", "import drp_tui, sys; print(drp_tui.__file__)"],
        cwd=elsewhere,
        env=env,
    )
    assert where.startswith(str(target))
    out = run(
        [
            sys.executable,
            "-m",
            "drp_tui",
            "calc",
            "aeo",
            "--net",
            "400",
            "--period",
            "weekly",
            "--json",
        ],
        cwd=elsewhere,
        env=env,
    )
    assert json.loads(out)["deduction"] == "68.00"
    located = json.loads(
        run([sys.executable, "-m", "drp_tui", "locate", "--json"], cwd=elsewhere, env=env)
    )
    assert located["shipped_data"].startswith(str(target))


# Commands that need neither the store nor the TUI load neither; commands on the store may
# load the database libraries but never Textual.
WITHOUT_STORE = [
    "calc aeo --net 400 --period weekly --json",
    "calc schedule --total 100 --frequency weekly --first 2026-12-01 --count 2 --on 2026-11-22",
    "policy check",
    "--help",
]
WITH_STORE = [
    "import cases docs/import/generic.csv --mapping generic --dry-run --quiet",
    "report daily --format json",
    "queue orphans --json",
    "audit verify",
]


def loaded_after(command: str, tmp_path: Path, **extra_env: str) -> set[str]:
    probe = (
        "import sys\n"
        "from drp_tui.cli.main import app\n"
        "try:\n"
        f"    app({shlex.split(command)!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "print('LOADED:' + ','.join(sorted({m.split('.')[0] for m in sys.modules})), "
        "file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "DRP_CONFIG": str(tmp_path / "c.toml"),
        "DRP_STORE": str(tmp_path / "s.sqlite"),
        "DRP_DATA_HOME": str(tmp_path),
        **extra_env,
    }
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("LOADED:"), done.stderr
    return set(last.removeprefix("LOADED:").split(","))


@pytest.mark.parametrize("command", WITHOUT_STORE)
def test_calculators_and_help_load_neither_textual_nor_the_store(
    command: str, tmp_path: Path
) -> None:
    assert not loaded_after(command, tmp_path) & {"textual", "sqlmodel", "sqlalchemy"}


@pytest.mark.parametrize("command", WITH_STORE)
def test_headless_store_commands_never_load_textual(command: str, tmp_path: Path) -> None:
    loaded = loaded_after(command, tmp_path)
    assert "sqlalchemy" in loaded  # the probe really ran the command
    assert "textual" not in loaded


def test_sync_never_loads_textual(tmp_path: Path) -> None:
    from tests.hubteam import allocate, desk, team_hub

    hub_file = tmp_path / "hub.sqlite"
    allocate(team_hub(str(hub_file)), 1, "asmith")
    desk(tmp_path, "s").engine.dispose()  # DRP_STORE: a training desk, so DRP_OFFICER picks
    loaded = loaded_after(f"sync --hub {hub_file} --json", tmp_path, DRP_OFFICER="asmith")
    assert "sqlalchemy" in loaded
    assert "textual" not in loaded
    with sqlite3.connect(tmp_path / "s.sqlite") as synced:  # the probe really synced
        assert synced.execute('SELECT count(*) FROM "case"').fetchone() == (1,)


def test_domain_never_imports_ui_or_cli_libraries() -> None:
    probe = (
        "import sys, pkgutil, importlib\n"
        "import drp_tui.domain as d\n"
        "for m in pkgutil.iter_modules(d.__path__):\n"
        "    importlib.import_module('drp_tui.domain.' + m.name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'textual', 'rich', 'typer', 'sqlmodel', 'sqlalchemy'})\n"
        "print(','.join(bad))\n"
    )
    assert run([sys.executable, "-c", probe], cwd=REPO).strip() == ""


def test_drp_reads_the_queue_ahead_before_loading_the_orm_and_textual(
    demo_store: Store, tmp_path: Path
) -> None:
    """The second process is forked as early as the store allows: what the parent has
    loaded by then, the child has to have loaded too before it can start reading."""
    probe = (
        "import sys\n"
        "import drp_tui.read_ahead as read_ahead\n"
        "at_fork = []\n"
        "def start(store, read):\n"
        "    at_fork.extend(m for m in sorted(sys.modules) if m.split('.')[0] in "
        "{'textual', 'sqlmodel'} or m in {'drp_tui.store.models', 'sqlalchemy.orm'})\n"
        "    return None\n"
        "read_ahead.QueueReadAhead.start = staticmethod(start)\n"
        "from drp_tui.cli.main import desk_app\n"
        "from drp_tui.settings import load_settings\n"
        "app = desk_app(load_settings())\n"
        "print(type(app).__name__, 'textual' in sys.modules, ','.join(at_fork))\n"
    )
    env = {
        **os.environ,
        "DRP_CONFIG": str(tmp_path / "c.toml"),
        "DRP_STORE": str(demo_store.path),
        "DRP_DATA_HOME": str(tmp_path),
        "DRP_OFFICER": "jmorgan",
    }
    assert run([sys.executable, "-c", probe], cwd=REPO, env=env).split() == ["DrpApp", "True"]
