"""Ctrl+Q on a call: typed straight after Enter on Save, it quits once the outcome is saved;
when leaving the call cannot be written (the store busy, a full disk) drp says what happened
and what the next Ctrl+Q does, and that one quits; the call, still open, comes back as cut
off when drp next starts."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual import events
from textual.widgets import Button

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from tests.test_review22e_found import outcome_chosen
from tests.test_tui_call_rules import call_mark, calls_after
from tests.test_tui_jobs import refuse
from tests.tui import app_for, open_first_case, settle


def test_ctrl_q_when_the_call_cannot_be_closed_says_so_and_again_quits(
    demo_store: Store, tmp_path: Path
) -> None:
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40), notifications=True) as pilot:
            await open_first_case(pilot)
            refuse(demo_store, "event", "NEW.kind = 'call.not_dialled'")  # as a busy store
            await pilot.press("ctrl+q")
            await settle(pilot)
            assert app.is_running
            assert isinstance(app.screen, DebtorScreen)  # no dialog to close first
            told = " ".join(str(t.render()) for t in app.screen.query("Toast"))
            assert "Call not closed" in told
            assert "disk I/O error" in told  # what happened
            assert "Ctrl+Q again quits" in told  # what to do next
            assert "cut off" in told  # and what becomes of the call
            await pilot.press("ctrl+q")
            await pilot.pause()
            assert not app.is_running

    asyncio.run(run())
    assert [s for (s,) in calls_after(demo_store, mark)] == ["open"]  # cut off at next start


def test_enter_on_save_then_ctrl_q_in_one_burst_saves_the_outcome_then_quits(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux, demo store, idle machine: outcome NA chosen, focus on Save, `Enter C-q` in one
    send-keys (or Ctrl+Q 50 ms after Enter): drp quit with the call marked not dialled and
    no NA recorded. Ctrl+Q, never waiting, ran before the Enter had reached Save: it closed
    the outcome form and left the call. With 300 ms between them, the outcome was saved and
    drp quit. Expected: the outcome saved, then drp quits, no other call left open."""
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await outcome_chosen(pilot)
            app.screen.query_one("#save", Button).focus()
            app.post_message(events.Key("enter", "\r"))
            app.post_message(events.Key("ctrl+q", None))
            for _ in range(2000):
                await pilot.pause()
                if not app.is_running:
                    break
            assert not app.is_running

    asyncio.run(run())
    ended, *rest = calls_after(demo_store, mark)
    assert ended == ("ended",)
    # The next case, if it opened meanwhile, is left as not dialled: no call is left open.
    assert all(status == ("not_dialled",) for status in rest)
