"""Connecting to a hub already at the newest revision loads no migration machinery: Alembic
and its scripts cost about a quarter of a second of every `drp sync` and hub command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drp_tui.store.migrate import HUB_SCRIPT_LOCATION, head_revision
from drp_tui.sync.hub import HUB_SCHEMA_REVISION
from tests.hubteam import new_hub_file


def test_the_hub_schema_constant_is_the_hub_migrations_head() -> None:
    assert head_revision(HUB_SCRIPT_LOCATION) == HUB_SCHEMA_REVISION


def test_connecting_to_an_up_to_date_hub_imports_no_alembic(tmp_path: Path) -> None:
    hub = tmp_path / "hub.sqlite"
    new_hub_file(hub)
    script = (
        "import sys\n"
        "from drp_tui.sync.hub import connect, hub_url\n"
        f"connect(hub_url({str(hub)!r})).engine.dispose()\n"
        "print('alembic' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False"]


def test_a_hub_at_an_older_revision_is_still_named(tmp_path: Path) -> None:
    from sqlalchemy import text

    from drp_tui.sync.errors import HubError
    from drp_tui.sync.hub import connect, hub_url

    path = tmp_path / "hub.sqlite"
    new_hub_file(path)
    hub = connect(hub_url(str(path)))
    with hub.engine.begin() as connection:
        connection.execute(text("UPDATE hub_alembic_version SET version_num = 'h001_old'"))
    hub.engine.dispose()
    with pytest.raises(HubError, match=f"at hub schema h001_old, drp needs {HUB_SCHEMA_REVISION}"):
        connect(hub_url(str(path)))
