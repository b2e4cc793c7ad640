"""Hostile review of issue 16 (round 16): Ctrl+Q with a call open asks for its outcome; going
Back from that question keeps the officer on the call, but drp remembers the quit, and the
next outcome saved with `o` (which should open the next case) closes drp."""

from __future__ import annotations

import asyncio
from pathlib import Path

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.outcome import OutcomeModal
from tests.test_tui_call import choose, save
from tests.test_tui_call_rules import press
from tests.tui import app_for, open_first_case, pass_idv, settle


def test_going_back_from_the_quit_question_forgets_the_quit(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            first = await open_first_case(pilot)
            first_case = first.case_id
            await pass_idv(pilot)
            await press(pilot, "ctrl+q")
            assert isinstance(app.screen, OutcomeModal)
            await press(pilot, "escape")  # Back: the officer stays on the call
            back: object = app.screen
            assert back is first
            await press(pilot, "o")
            assert isinstance(app.screen, OutcomeModal)
            await choose(pilot, "RPC")
            await save(pilot)
            await settle(pilot)
            assert app.is_running
            next_case = app.screen
            assert isinstance(next_case, DebtorScreen)  # the next case, as `o` promises
            assert next_case.case_id != first_case  # (one debtor screen, reused)

    asyncio.run(run())
