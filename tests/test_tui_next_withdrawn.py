"""Leaving while a case opens (services/opening.py): Esc or / typed on the case just finished,
Ctrl+Q while a case from the queue waits for the store. The case does not open, and no call
is left on it; keys typed for the next case (a note) still go to it (tests/test_review22e)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

import pytest
from textual.widgets import Button

from drp_tui.services.calls import CallInfo
from drp_tui.services.opening import CaseOpening
from drp_tui.services.workstation import Workstation
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


def test_enter_esc_in_one_burst_with_the_store_free_audits_no_view_of_the_next_case(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Enter Esc` in one burst on Save, no sync holding the store: the next case's call is
    written before Esc's turn (here made certain: its job waits until Esc has withdrawn it).
    The call is left as not dialled and never shown, and, the officer never having seen the
    case, no `case.viewed` is audited for it."""
    mark = call_mark(demo_store)
    written: list[str] = []
    withdrawn = threading.Event()
    real_open = Workstation.open_call_unless

    def open_then_esc(
        self: Workstation, case_id: str, reason: str, opening: CaseOpening
    ) -> CallInfo | None:
        call = real_open(self, case_id, reason, opening)
        if call is not None:
            written.append(call.id)
            withdrawn.wait(10)  # Esc is handled now, between the write and the case shown
        return call

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await outcome_chosen(pilot)
            queue = app.screen_stack[1]
            assert isinstance(queue, QueueScreen)
            real_withdraw = queue.withdraw

            def withdraw(*then: Callable[[], None]) -> None:
                real_withdraw(*then)
                withdrawn.set()

            monkeypatch.setattr(queue, "withdraw", withdraw)
            monkeypatch.setattr(Workstation, "open_call_unless", open_then_esc)
            app.screen.query_one("#save", Button).focus()
            send(app, "enter")
            for _ in range(2000):  # until the next case's call is written
                await pilot.pause()
                if written:
                    break
            send(app, "escape")
            await settle(pilot)
            assert withdrawn.is_set()
            assert isinstance(app.screen, QueueScreen), app.screen_stack
        assert [s for (s,) in calls_after(demo_store, mark)] == ["ended", "not_dialled"]
        with sqlite3.connect(demo_store.path) as db:
            seen = db.execute(
                "SELECT count(*) FROM event WHERE kind = 'case.viewed' "
                "AND json_extract(payload, '$.call') = ?",
                (written[0],),
            ).fetchone()[0]
        assert seen == 0

    asyncio.run(run())


def test_an_opening_taken_back_once_its_viewing_is_audited_is_not_shown(
    demo_store: Store, tmp_path: Path
) -> None:
    """CI, on a busy machine: Save then Esc in one burst showed the next case after all when
    the Esc came while that case's viewing was being written (the job had claimed it). Taken
    back then, the case is not shown and its call is left as not dialled; its viewing stays
    recorded (more recorded than seen, never seen and not recorded)."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            opening = CaseOpening()
            case_id = queue.entries[0].case_id
            opened = await asyncio.to_thread(queue._open_case, case_id, "queue", None, opening)
            assert opened is not None  # claimed and viewed
            assert opened.view.call is not None
            assert opening.withdraw() is None  # claimed: leaving it is the screen's
            queue._arrived(opening, opened)
            await settle(pilot)
            assert app.screen is queue
            db = sqlite3.connect(demo_store.path)
            status = db.execute(
                "SELECT status FROM call WHERE id = ?", (opened.view.call.id,)
            ).fetchone()
            viewed = db.execute(
                "SELECT count(*) FROM event WHERE kind = 'case.viewed' AND case_id = ?",
                (case_id,),
            ).fetchone()
            assert status == ("not_dialled",)
            assert viewed[0] >= 1

    asyncio.run(run())
