"""The diary on the workstation (d from the queue), driven through the real app: what is due
today, and Enter opens the case as a call, recorded as opened from the diary."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from drp_tui.store.engine import Store
from drp_tui.store.models import Debt
from screens.debtor import DebtorScreen
from screens.dialog import PromptModal
from screens.diary import DiaryModal
from screens.queue import QueueScreen
from tests.test_diary import NOW, diary_store
from tests.tui import app_for, one, settle


def test_d_shows_the_diary_and_enter_opens_the_case_as_a_call(tmp_path: Path) -> None:
    store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, DiaryModal)
            table = app.screen.query_one("#diary-entries", DataTable)
            rows = [table.get_row_at(n) for n in range(table.row_count)]
            assert [(str(r[1]), str(r[2])) for r in rows] == [
                ("Callback due", "C1"),
                ("Promise due today", "C2"),
                ("Promise broken", "C3"),
                ("Instalment missed", "C4"),
                ("Vulnerability review due", "C5"),
                ("Breathing Space ending", "C6"),
                ("Dispute awaiting an answer", "C7"),
            ]
            assert "7 due" in str(app.screen.query_one("#diary-title", Static).render())
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert app.screen.case_id == "c1"
        assert one(store, "SELECT opened_from, reason FROM call WHERE case_id = 'c1'") == (
            "diary",
            "diary: callback due",
        )

    asyncio.run(run())


def test_a_case_on_hold_opens_from_the_diary_though_it_is_not_queued(tmp_path: Path) -> None:
    """A dispute awaiting an answer is not in the queue (its hold keeps it out) but is the
    officer's business: the diary opens it; the debtor screen keeps the hold's refusals."""
    store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("d", *["down"] * 6, "enter")  # in one burst: keys go in order
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert app.screen.case_id == "c7"
        assert one(store, "SELECT opened_from FROM call WHERE case_id = 'c7'") == ("diary",)

    asyncio.run(run())


def test_escape_leaves_the_diary_and_nothing_is_recorded(tmp_path: Path) -> None:
    store: Store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await pilot.press("d", "escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
        assert one(store, "SELECT count(*) FROM call") == (0,)

    asyncio.run(run())


def test_a_broken_promise_opens_with_the_follow_up_script(tmp_path: Path) -> None:
    store = diary_store(tmp_path)
    with store.write() as session:
        session.add(
            Debt(
                id="d3", host_system="h", host_ref="CT3", case_id="c3", debt_type="council_tax",
                original_amount=Decimal("500"), balance=Decimal("500"), stage="reminder",
            )
        )  # fmt: skip

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("d", "down", "down", "enter")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert app.screen.case_id == "c3"
            script = str(app.screen.query_one("#script", Static).render())
            assert "Script (follow-up)" in script
            assert "The payment they promised was not made." in script
            assert "agree an arrangement they can afford (r)" in script

    asyncio.run(run())


def test_keys_typed_after_enter_in_the_diary_go_to_the_case_it_opens(tmp_path: Path) -> None:
    """tmux, 80x24: `d Enter t hello` in one burst opened the case, but `t` (a note) was
    lost and the `e` of hello reached the case as Refer. The keys after Enter are for the
    case: `t` opens the note, and hello goes into it."""
    from tests.test_tui_input_integrity import burst

    store = diary_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            await burst(pilot, "d", "enter", "t", "hello")
            note = app.screen
            assert isinstance(note, PromptModal), app.screen_stack
            assert note.query_one("#text", Input).value == "hello"

    asyncio.run(run())
