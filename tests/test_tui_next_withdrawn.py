"""Leaving while a case opens (services/opening.py): Esc or / typed on the case just finished,
Ctrl+Q while a case from the queue waits for the store. The case does not open, and no call
is left on it; keys typed for the next case (a note) still go to it (tests/test_review22e)."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

import pytest
from textual.widgets import Button

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.queue import QueueScreen
from screens.search import SearchModal
from tests.test_review22b_found import keys_handled
from tests.test_review22e_found import (
    lock_when_next_is_asked,
    outcome_chosen,
    send,
    until_the_next_case_waits,
)
from tests.test_tui_call_rules import call_mark, calls_after
from tests.test_tui_jobs import store_locked, until_a_write_waits
from tests.tui import app_for, settle


def test_esc_after_enter_on_save_goes_back_to_the_queue(demo_store: Store, tmp_path: Path) -> None:
    """Enter on Save (the key held for the next case), a sync holding the store as the next
    case is asked for, then Esc: the queue, and no call on the next case once it is free."""
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        with ExitStack() as lock:
            async with app.run_test(size=(120, 40)) as pilot:
                finished = await outcome_chosen(pilot)
                lock_when_next_is_asked(demo_store, finished, lock)
                app.screen.query_one("#save", Button).focus()
                await pilot.press("enter")
                await until_the_next_case_waits(pilot, finished)
                await pilot.press("escape")
                await keys_handled(pilot)
                assert isinstance(app.screen, QueueScreen), app.screen_stack
                lock.close()
                await settle(pilot)
                assert isinstance(app.screen, QueueScreen), app.screen_stack
        assert [s for (s,) in calls_after(demo_store, mark)] == ["ended"]

    asyncio.run(run())


@pytest.mark.parametrize("key", ["escape", "slash"])
def test_enter_then_esc_in_one_burst_opens_no_next_case(
    demo_store: Store, tmp_path: Path, key: str
) -> None:
    """`Enter Esc` (or `Enter /`) in one send-keys on Save, a sync taking the store as the
    next case is asked for: the key waits behind Enter, not for the next case, and takes
    the officer to the queue (or its search); the next case is not opened at all. (Without
    the sync the next case may be written before the key's turn: it is then left as not
    dialled, never shown; tests/test_opening.py.)"""
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        with ExitStack() as lock:
            async with app.run_test(size=(120, 40)) as pilot:
                finished = await outcome_chosen(pilot)
                lock_when_next_is_asked(demo_store, finished, lock)
                app.screen.query_one("#save", Button).focus()
                send(app, "enter", "/" if key == "slash" else "escape")
                await keys_handled(pilot)
                lock.close()
                await settle(pilot)
                expected = SearchModal if key == "slash" else QueueScreen
                assert isinstance(app.screen, expected), app.screen_stack
                assert not any(isinstance(s, DebtorScreen) for s in app.screen_stack)
        assert [s for (s,) in calls_after(demo_store, mark)] == ["ended"]

    asyncio.run(run())


def test_ctrl_q_while_a_case_opens_from_the_queue_leaves_no_call(
    demo_store: Store, tmp_path: Path
) -> None:
    """Enter on the queue while a sync holds the store, then Ctrl+Q: drp quits, and once the
    store is free no call is opened on the case (it would come back as cut off)."""
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        with ExitStack() as lock:
            async with app.run_test(size=(120, 40)) as pilot:
                await settle(pilot)
                lock.enter_context(store_locked(demo_store))
                await pilot.press("enter")
                await until_a_write_waits(pilot)
                await pilot.press("ctrl+q")
                await pilot.pause()
                assert not app.is_running

    asyncio.run(run())
    assert calls_after(demo_store, mark) == []
