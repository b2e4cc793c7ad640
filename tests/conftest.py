from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drp_tui.services.policy import PolicyBook, data_dir, load_policy
from drp_tui.store.engine import Store

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def policy() -> PolicyBook:
    """The shipped policy tables, loaded and validated once."""
    return load_policy(data_dir() / "policy")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config or data folder."""
    monkeypatch.setenv("DRP_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DRP_DATA_HOME", str(tmp_path / "data-home"))
    for name in ("DRP_POLICY_DIR", "DRP_TODAY"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path


DEMO_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)  # a Monday morning


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, policy: PolicyBook) -> Path:
    """A small demo store built once per test session, at a fixed time."""
    from drp_tui.services.demo import build_demo
    from drp_tui.store.engine import open_store

    path = tmp_path_factory.mktemp("demo") / "demo.sqlite"
    store = open_store(path)
    build_demo(store, policy, seed=11, people=240, now=DEMO_NOW)
    store.engine.dispose()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Store:
    """A private copy of the demo store that a test may change."""
    from drp_tui.store.engine import open_store

    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, copy)
    return open_store(copy)
