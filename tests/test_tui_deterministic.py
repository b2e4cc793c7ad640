"""What keeps the Textual tests deterministic on a loaded machine: no text field blinks (a
snapshot or an assertion would otherwise catch the cursor drawn or not depending on the
moment), and `settle` returns only once every worker and every thread it started is done."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, ClassVar

from textual import work
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input

from drp_tui.app import create_app
from drp_tui.store.engine import Store
from tests.tui import app_for, open_first_case, pass_idv, settings_for, settle

# The forms with text fields, each opened by its key from the case screen (/ from the queue).
FORMS = ("a", "r", "p", "t", "w")


async def focus_every_field(pilot: Pilot[Any]) -> list[bool]:
    """Give each text field on the current screen focus in turn; whether each blinks, both
    before it has focus and after (a field must never blink, not even for the moment
    between getting focus and the app hearing of it)."""
    blinks = []
    for field in pilot.app.screen.query(Input):
        blinks.append(field.cursor_blink)
        field.focus()
        await pilot.pause()
        assert field.has_focus
        blinks.append(field.cursor_blink)
    return blinks


async def fields_as_built(pilot: Pilot[Any]) -> list[bool]:
    return [field.cursor_blink for field in pilot.app.screen.query(Input)]


async def fields_on_every_form(
    pilot: Pilot[Any], look: Callable[[Pilot[Any]], Awaitable[list[bool]]] = focus_every_field
) -> dict[str, list[bool]]:
    """Open each form with text fields and `look` at its fields (by default, focus all of
    them): whether each blinks, by key."""
    seen: dict[str, list[bool]] = {}
    await settle(pilot)
    await pilot.press("slash")
    await settle(pilot)
    seen["/"] = await look(pilot)
    await pilot.press("escape")
    await open_first_case(pilot)
    await pass_idv(pilot)  # the forms open only after ID&V on the call
    for key in FORMS:
        await pilot.press(key)
        await settle(pilot)
        seen[key] = await look(pilot)
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
    """The check above would catch a blinking field: with the setting on, every field does
    (as built: focusing each one again, as above, adds nothing to this)."""
    settings = settings_for(demo_store, tmp_path).model_copy(update={"cursor_blink": True})

    async def run() -> dict[str, list[bool]]:
        app = create_app(settings)
        async with app.run_test(size=(120, 40)) as pilot:
            return await fields_on_every_form(pilot, fields_as_built)

    seen = asyncio.run(run())
    assert all(blink for blinks in seen.values() for blink in blinks), seen


class Writer(App[None]):
    """A write in a thread worker that the next worker in its group cancels mid-flight,
    as an exclusive write in the debtor screen's group is by the next key's read."""

    def __init__(self) -> None:
        super().__init__()
        self.started, self.gate = threading.Event(), threading.Event()
        self.written = False

    @work(thread=True, exclusive=True, group="case")
    def write(self) -> None:
        self.started.set()
        self.gate.wait()
        self.written = True

    @work(thread=True, exclusive=True, group="case")
    def read(self) -> None:
        pass


def test_settle_waits_for_the_thread_of_a_cancelled_write() -> None:
    async def run() -> None:
        app = Writer()
        async with app.run_test() as pilot:
            write = app.write()
            await asyncio.to_thread(app.started.wait)
            app.read()  # cancels the write's worker; its thread is still waiting at the gate
            await pilot.pause()
            assert write.is_cancelled
            assert write not in app.workers  # waiting for the workers alone would return now
            settling = asyncio.create_task(settle(pilot))
            try:
                for _ in range(5):
                    await pilot.pause()
                    assert not settling.done()  # it cannot be: the thread is still at the gate
            finally:
                app.gate.set()  # never leave the thread waiting: the loop's end joins it
            await settling
            assert app.written

    asyncio.run(run())


def test_settle_waits_for_work_that_a_result_starts_and_for_failed_workers() -> None:
    class Chain(App[None]):
        steps: ClassVar[list[str]] = []

        @work(thread=True, exit_on_error=False)
        def fail(self) -> None:
            self.steps.append("failed")
            self.call_from_thread(self.after)
            raise OSError("disk I/O error")

        def after(self) -> None:
            self.call_after_refresh(self.reload)

        @work(thread=True)
        def reload(self) -> None:
            self.steps.append("reloaded")

    async def run() -> list[str]:
        app = Chain()
        async with app.run_test() as pilot:
            app.fail()
            await settle(pilot)  # a failed worker is no error here: the screen reports it
            return list(app.steps)

    assert asyncio.run(run()) == ["failed", "reloaded"]


def test_every_text_field_drp_builds_is_a_text_field_that_takes_the_setting() -> None:
    """The forms above are opened and checked; every other form's fields must be built the
    same way, or they blink from mount until the app hears of their focus."""
    screens = Path(__file__).parent.parent / "screens"
    bare = [
        f"{source.name}:{number}"
        for source in sorted(screens.glob("*.py"))
        for number, line in enumerate(source.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"(?<![\w.])Input\(", line)
    ]
    assert not bare, f"build text fields as screens.widgets.TextField: {bare}"
