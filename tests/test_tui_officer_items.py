"""Small things an officer notices (issue 22): the debtor footer names the keys that work
there and what ◆ means; the focused field is plainly marked; a history line opens in full;
an error line goes once the field it is about is changed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path

import pytest
from textual.widgets import Input, Select, Static

from drp_tui.services.queue import QueueEntry
from drp_tui.services.workstation import Workstation
from drp_tui.store.engine import Store
from screens.dialog import PromptModal
from screens.outcome import OutcomeModal
from tests.tui import app_for, open_first_case, pass_idv, settle


def test_an_outcome_error_line_goes_once_the_field_is_changed(
    demo_store: Store, tmp_path: Path
) -> None:
    """A promise saved with no amount says what is missing; typing the amount clears the
    line (it stayed, describing a form that was no longer so)."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("p")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, OutcomeModal)
            await pilot.click("#save")
            await pilot.pause()
            error = form.query_one("#error", Static)
            assert str(error.render()).strip(), "no error shown for a promise with no amount"
            form.query_one("#amount", Input).focus()
            await pilot.press("5")
            await pilot.pause()
            assert str(error.render()).strip() == ""

    asyncio.run(run())


def test_a_dialogs_error_line_goes_once_the_field_is_changed(
    demo_store: Store, tmp_path: Path
) -> None:
    """The note dialog: Save with nothing typed says "Write something first."; typing
    clears it."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("t")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, PromptModal)
            await pilot.press("enter")
            await pilot.pause()
            message = dialog.query_one("#message", Static)
            assert "Write something first" in str(message.render())
            await pilot.press("x")
            await pilot.pause()
            assert str(message.render()).strip() == ""

    asyncio.run(run())


def test_the_debtor_screen_names_its_other_keys_and_what_the_diamond_means(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 22: p t m e w n worked on the debtor screen but were named nowhere on it, and
    nothing said what ◆ means. One line above the footer names them, whole, at 120 and 80
    columns."""
    from tests.tui import text_of

    for size in ((120, 40), (80, 24)):

        async def run(size: tuple[int, int] = size) -> None:
            app = app_for(demo_store, tmp_path)
            async with app.run_test(size=size) as pilot:
                screen = await open_first_case(pilot)
                line = text_of(screen, "#more-keys")
                for key in (
                    "p Promise",
                    "t Note",
                    "m ",
                    "e Refer",
                    "w Write-off",
                    "l Letter",
                    "n Next",
                ):
                    assert key in line, (size, line)
                assert "◆ vulnerab" in line, (size, line)
                assert len(line.rstrip()) <= size[0] - 2, (size, line)

        asyncio.run(run())


def test_the_focused_field_stands_out(demo_store: Store, tmp_path: Path) -> None:
    """Issue 22: in the affordability form the focused field differed from the others by
    one grey step of background. It is now plainly another colour."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            focused = app.screen.query_one("#income__earnings", Input)
            other = app.screen.query_one("#income__benefits", Input)
            assert app.focused is focused
            _, lit = focused.background_colors
            _, plain = other.background_colors
            distance = sum(abs(a - b) for a, b in zip(lit.rgb, plain.rgb, strict=True))
            assert distance > 90, (lit, plain)

    asyncio.run(run())


def test_enter_on_a_history_line_shows_it_whole_at_80_columns(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 22: the history's detail column is cut at about 23 characters at 120 columns
    and gone at 80. Tab to the history, ↓ to a line, Enter: the line in full."""
    from screens.history import HistoryLineDialog

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press(
                "t", *"Spoke to her daughter, who says she is in hospital until", "enter"
            )
            await settle(pilot)
            assert screen.view is not None
            history = screen.view.history
            longest = max(range(len(history)), key=lambda n: len(history[n].detail))
            assert len(history[longest].detail) > 23
            screen.query_one("#history").focus()
            await pilot.press(*["down"] * longest, "enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, HistoryLineDialog)
            detail = str(dialog.query_one("#history-detail", Static).render())
            assert " ".join(detail.split()) == " ".join(history[longest].detail.split())
            await pilot.press("enter")  # OK: back to the case
            await settle(pilot)
            assert app.screen is screen

    asyncio.run(run())


def test_outcome_saved_then_next_case_reads_only_the_case_called(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: saving an outcome read the officer's whole queue again (10,000 cases scored
    on a big store) before the next case opened. Only the case just called changed: it is
    read again, the queue held is reordered, and the next callable case opens."""
    from screens.debtor import DebtorScreen
    from screens.queue import QueueScreen

    asked: list[object] = []

    queue = Workstation.queue

    def counted(self: Workstation, case_ids: Sequence[str] | None = None) -> list[QueueEntry]:
        asked.append(None if case_ids is None else list(case_ids))
        return queue(self, case_ids)

    monkeypatch.setattr(Workstation, "queue", counted)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            called = screen.case_id
            queue_screen = app.screen_stack[-2]
            assert isinstance(queue_screen, QueueScreen)
            before = [e.case_id for e in queue_screen.entries]
            asked.clear()
            await pass_idv(pilot)
            await pilot.press("o")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, OutcomeModal)
            form.query_one("#code", Select).value = "RPC"
            await pilot.pause()
            await pilot.click("#save")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert app.screen.case_id != called
            assert asked == [[called]], asked
            after = [e.case_id for e in queue_screen.entries]
            assert sorted(after) == sorted(before) or set(before) - set(after) == {called}
            callable_now = [e.case_id for e in queue_screen.shown if e.callable_now]
            assert app.screen.case_id == next(c for c in callable_now if c != called)

    asyncio.run(run())


def test_f1_lists_the_keys_of_the_history_the_diary_and_the_letters(
    demo_store: Store, tmp_path: Path
) -> None:
    """F1 said nothing of how to move along a case's history or open a line in full, nor
    of the diary's or the letter dialog's keys."""
    from screens.help import HelpScreen

    async def run() -> str:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("f1")
            await settle(pilot)
            assert isinstance(app.screen, HelpScreen)
            return str(app.screen.query_one(Static).render())

    text = asyncio.run(run())
    history = text.split("\nCase history\n", 1)[1].split("\n\n", 1)[0]
    for key in ("↑ Earlier line", "↓ Later line", "Enter Line in full"):
        assert key in history, history
    diary = text.split("\nDiary\n", 1)[1].split("\n\n", 1)[0]
    assert "Enter Open the case (a call)" in diary, diary
    assert "Letter" in text
    choice = text.split("(or type the first letter of one)\n", 1)[1].split("\n\n", 1)[0]
    assert "← Previous choice" in choice, choice  # the statement's frequencies
    assert "→ or Space Next choice" in choice, choice
