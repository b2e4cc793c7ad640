"""Packaging: the wheel carries the policy data; headless commands never import Textual."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

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


HEADLESS = [
    "calc aeo --net 400 --period weekly --json",
    "calc schedule --total 100 --frequency weekly --first 2026-12-01 --count 2 --on 2026-11-22",
    "policy check",
    "--help",
]


@pytest.mark.parametrize("command", HEADLESS)
def test_headless_commands_do_not_import_textual(command: str, tmp_path: Path) -> None:
    args = shlex.split(command)
    probe = (
        "import sys\n"
        "from drp_tui.cli.main import app\n"
        "try:\n"
        f"    app({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "loaded = sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'sqlmodel'})\n"
        "print('LOADED:' + ','.join(loaded), file=sys.stderr)\n"
    )
    env = {**os.environ, "DRP_CONFIG": str(tmp_path / "c.toml")}
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert "LOADED:" in done.stderr, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "LOADED:"


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
