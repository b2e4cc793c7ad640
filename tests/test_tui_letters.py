"""A letter from a call (l on the debtor screen), driven through the real app: refused before
ID&V (its preview shows the account), then the templates with those ruled out shown why, the
highlighted one previewed, Enter queues it for the print run and records it on the case."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import OptionList, Static

from screens.debtor import DebtorScreen
from screens.letters import LetterModal
from tests.test_diary import NOW
from tests.test_letters import events, letter_store
from tests.tui import app_for, look_at, pass_idv, settle


def test_a_letter_is_previewed_and_queued_from_a_call(tmp_path: Path) -> None:
    store = letter_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c1")
            await pilot.press("l")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)  # not before ID&V
            await pass_idv(pilot)
            await pilot.press("l")
            await settle(pilot)
            assert isinstance(app.screen, LetterModal)
            options = app.screen.query_one("#letter-choices", OptionList)
            labels = [
                str(options.get_option_at_index(n).prompt) for n in range(options.option_count)
            ]
            assert labels[0] == "Arrangement confirmation — letter"
            assert any("Final reminder" in label and "complaint" not in label for label in labels)
            preview = str(app.screen.query_one("#letter-preview", Static).render())
            assert "Your payment arrangement for C1" in preview
            assert "1. Tuesday 1 December 2026: £100.00" in preview
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen
        [queued] = events(store, "letter.queued")
        assert queued.payload["template"] == "arrangement_confirmation"
        assert queued.case_id == "c1"

    asyncio.run(run())
