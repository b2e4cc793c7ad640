"""Shared helpers for driving the real app with Pilot in tests."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input

from drp_tui.app import DrpApp, create_app
from drp_tui.settings import Settings
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW


def app_for(
    store: Store,
    tmp_path: Path,
    officer: str = "jmorgan",
    home: Path | None = None,
    now: datetime = DEMO_NOW,
    keymap: dict[str, str] | None = None,
) -> DrpApp:
    """The workstation on `store` as `officer`, at the demo's fixed time unless told."""
    return create_app(
        Settings(
            store=store.path,
            officer=officer,
            now=now,
            data_home=home or tmp_path / "home",
            keymap=keymap or {},
        )
    )


async def settle(pilot: Pilot[Any]) -> None:
    """Let every worker finish and the screen catch up."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def open_first_case(pilot: Pilot[Any]) -> None:
    """From the queue, open the case at the top."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


async def fill(pilot: Pilot[Any], screen: Screen[Any], **values: str) -> None:
    """Type into the screen's inputs by id, then let the screen react."""
    for key, value in values.items():
        screen.query_one(f"#{key}", Input).value = value
    await pilot.pause()
