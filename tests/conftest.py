from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drp_tui.services.policy import PolicyBook, data_dir, load_policy
from drp_tui.store.engine import Store
from tests.hubteam import new_hub_file
from tests.postgres import PostgresCluster
from tests.threads import CountedThreadsPolicy

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def policy() -> PolicyBook:
    """The shipped policy tables, loaded and validated once."""
    return load_policy(data_dir() / "policy")


@pytest.fixture(scope="session", autouse=True)
def counted_threads() -> Iterator[None]:
    """Event loops whose threads `tests.tui.settle` can wait for (tests/threads.py)."""
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(CountedThreadsPolicy())
    yield
    asyncio.set_event_loop_policy(previous)


@pytest.fixture(scope="session", autouse=True)
def stores_copied_from_a_template() -> Iterator[None]:
    """A brand-new store is a copy of one migrated once (tests/storetemplate.py)."""
    from drp_tui.store import migrate
    from tests.storetemplate import copying_upgrade

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(migrate, "upgrade_to_head", copying_upgrade(migrate.upgrade_to_head))
        yield


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No test reads the developer's own config or data folder."""
    monkeypatch.setenv("DRP_CONFIG", str(tmp_path / "config.toml"))
    monkeypatch.setenv("DRP_DATA_HOME", str(tmp_path / "data-home"))
    for name in ("DRP_POLICY_DIR", "DRP_TODAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DRP_CURSOR_BLINK", "false")  # an app built any way: a steady cursor
    return tmp_path


DEMO_NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)  # a Monday morning


def founded(path: Path) -> Path:
    """A new working store at `path`, founded as a council founds theirs: its first
    supervisor (psharma) is the login running the tests, so commands act as psharma."""
    from drp_tui.services.login import os_login
    from drp_tui.store.engine import open_store
    from drp_tui.store.models import Officer

    store = open_store(path)
    with store.write() as session:
        session.add(Officer(id="psharma", name="Priya Sharma", role="supervisor", login=os_login()))
    store.engine.dispose()
    return path


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory, policy: PolicyBook) -> Path:
    """A small demo store built once per test session, at a fixed time. It is a demo store
    (as `drp demo` marks it): DRP_OFFICER and DRP_NOW may pick who and when on it. The login
    running the tests is its supervisor's (psharma), as whoever builds a store founds it.
    Under xdist the workers share one build (it takes seconds): the first to need it builds
    it while the others wait for it."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build_demo_template(tmp_path_factory.mktemp("demo") / "demo.sqlite", policy)
    shared = tmp_path_factory.getbasetemp().parent / "demo-template"  # this run's, not another's
    shared.mkdir(exist_ok=True)
    path, built = shared / "demo.sqlite", shared / "built"
    with open(shared / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():  # a worker killed mid-build leaves no store the others take
            for leftover in shared.glob("demo.sqlite*"):
                leftover.unlink()
            build_demo_template(path, policy)
            built.touch()
    return path


def build_demo_template(path: Path, policy: PolicyBook) -> Path:
    from sqlalchemy import update
    from sqlmodel import col

    from drp_tui.services.demo import SUPERVISOR, build_demo
    from drp_tui.services.demo_store import mark_demo
    from drp_tui.services.login import os_login
    from drp_tui.store.engine import open_store
    from drp_tui.store.models import Officer

    store = open_store(path)
    mark_demo(store)
    build_demo(store, policy, seed=11, people=240, now=DEMO_NOW)
    with store.write() as session:
        mapped = update(Officer).where(col(Officer.id) == SUPERVISOR).values(login=os_login())
        session.execute(mapped)
    store.engine.dispose()
    return path


@pytest.fixture
def demo_store(demo_template: Path, tmp_path: Path) -> Store:
    """A private copy of the demo store that a test may change."""
    from drp_tui.store.engine import open_store

    copy = tmp_path / "demo.sqlite"
    shutil.copy(demo_template, copy)
    return open_store(copy)


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresCluster]:
    """A throwaway PostgreSQL cluster for the session. Skipped with the reason if it cannot
    start, unless DRP_REQUIRE_POSTGRES is set (as .ci/run does): then the tests fail."""
    cluster = PostgresCluster()
    try:
        cluster.start()
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        reason = f"PostgreSQL could not be started: {exc}"
        if os.environ.get("DRP_REQUIRE_POSTGRES"):
            pytest.fail(reason)
        pytest.skip(reason)
    yield cluster
    cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def hub_address(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A new, empty hub at the newest revision: a SQLite file, then a database on the
    PostgreSQL cluster."""
    if request.param == "sqlite":
        path = tmp_path / "hub.sqlite"
        new_hub_file(path)
        return str(path)
    cluster: PostgresCluster = request.getfixturevalue("postgres")
    return cluster.url(cluster.new_hub())
