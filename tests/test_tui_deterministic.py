"""What keeps the Textual tests deterministic on a loaded machine: no text field blinks (a
snapshot or an assertion would otherwise catch the cursor drawn or not depending on the
moment)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from drp_tui.app import create_app
from drp_tui.store.engine import Store
from tests.tui import app_for, open_first_case, settings_for, settle

# The forms with text fields, each opened by its key from the case screen (/ from the queue).
FORMS = ("a", "r", "p", "t", "w")


async def focus_every_field(pilot: Pilot[Any]) -> list[bool]:
    """Give each text field on the current screen focus in turn; whether each then blinks."""
    blinks = []
    for field in pilot.app.screen.query(Input):
        field.focus()
        await pilot.pause()
        assert field.has_focus
        blinks.append(field.cursor_blink)
    return blinks


async def fields_on_every_form(pilot: Pilot[Any]) -> dict[str, list[bool]]:
    """Open each form with text fields and focus all of them: whether each blinks, by key."""
    seen: dict[str, list[bool]] = {}
    await settle(pilot)
    await pilot.press("slash")
    await settle(pilot)
    seen["/"] = await focus_every_field(pilot)
    await pilot.press("escape")
    await open_first_case(pilot)
    for key in FORMS:
        await pilot.press(key)
        await settle(pilot)
        seen[key] = await focus_every_field(pilot)
        await pilot.press("escape")
        await settle(pilot)
    return seen


def test_no_text_field_blinks_under_test(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> dict[str, list[bool]]:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            return await fields_on_every_form(pilot)

    seen = asyncio.run(run())
    assert all(seen.values()), f"a form with no text field: {seen}"
    assert not any(blink for blinks in seen.values() for blink in blinks), seen


def test_the_officer_setting_is_what_turns_the_blink_off(demo_store: Store, tmp_path: Path) -> None:
    """The check above would catch a blinking field: with the setting on, every field does."""
    settings = settings_for(demo_store, tmp_path).model_copy(update={"cursor_blink": True})

    async def run() -> dict[str, list[bool]]:
        app = create_app(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            return await fields_on_every_form(pilot)

    seen = asyncio.run(run())
    assert all(blink for blinks in seen.values() for blink in blinks), seen
