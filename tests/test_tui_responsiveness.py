"""What keeps the workstation quick without changing what it shows: the footer rebuilt only
when its keys change, full garbage collections moved to idle moments, one debtor screen
given each case, and the highlighted case read ahead of Enter. Each must never show an
officer something stale or from another case."""

from __future__ import annotations

import asyncio
import gc
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import select
from sqlmodel import col
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color
from textual.widgets import Input

from drp_tui.app import create_app
from drp_tui.idle_gc import FORCED_FULL_AFTER, IDLE_SECONDS, IdleCollector
from drp_tui.store.engine import Store
from drp_tui.store.models import Event
from screens.debtor import DebtorScreen
from screens.queue import QueueScreen
from screens.widgets import KeysFooter, footer_keys
from tests.tui import (
    app_for,
    first_case,
    look_at,
    one,
    open_first_case,
    pass_idv,
    settings_for,
    settle,
    text_of,
)


class OneKey(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("x", "go", "Go")]
    allowed: bool | None = True

    def compose(self) -> ComposeResult:
        yield KeysFooter()

    def action_go(self) -> None:
        pass

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.allowed if action == "go" else True


def test_the_footer_is_rebuilt_only_when_its_keys_change() -> None:
    async def run() -> None:
        app = OneKey()
        async with app.run_test() as pilot:
            await pilot.pause()
            before = footer_keys(app.screen.query_one(KeysFooter))[0]
            assert before.description == "Go"
            assert not before.has_class("-disabled")
            app.screen.refresh_bindings()
            await pilot.pause()
            kept = footer_keys(app.screen.query_one(KeysFooter))[0]
            assert kept is before  # nothing changed: kept
            app.allowed = None  # shown, but not available now
            app.screen.refresh_bindings()
            await pilot.pause()
            after = footer_keys(app.screen.query_one(KeysFooter))[0]
            assert after is not before
            assert after.description == "Go"
            assert after.has_class("-disabled")

    asyncio.run(run())


def test_full_collections_wait_for_an_idle_moment_and_settings_are_put_back() -> None:
    saved = gc.get_threshold()
    collector = IdleCollector()
    collector.start(now=100.0)
    try:
        assert gc.get_threshold()[2] == FORCED_FULL_AFTER
        # The app's timer ticks every half second (IDLE_SECONDS is one second).
        assert not collector.tick(now=100.5)  # idle for half a second: not yet
        collector.activity(now=100.8)  # a key
        assert not collector.tick(now=101.0)
        assert not collector.tick(now=101.5)
        assert collector.tick(now=102.0)  # idle a second: collects, freezes survivors
        assert collector.frozen
        assert gc.get_freeze_count() > 0
        assert gc.get_count()[2] == 0
        # Idle again with nothing much allocated since: no pointless full pass.
        assert not collector.tick(now=102.5)
    finally:
        collector.stop()
    assert gc.get_threshold() == saved
    assert gc.get_freeze_count() == 0


def test_no_collection_while_the_app_is_busy_opening_something() -> None:
    """No key for a second is not idle if the app spent that second on something: the
    first `a` builds a form for over a second on a loaded machine, and a full collection
    then fell in the middle of it. A tick that comes late says the loop was busy."""
    collector = IdleCollector()
    collector.start(now=100.0)
    try:
        assert not collector.tick(now=100.5)
        assert not collector.tick(now=102.0)  # late by a second: the loop was busy
        assert not collector.tick(now=102.5)  # on time, but busy until 102.0
        assert collector.tick(now=103.0)  # on time and a second since the loop was busy
    finally:
        collector.stop()


def test_the_app_collects_when_idle_and_leaves_the_process_as_it_found_it(
    demo_store: Store, tmp_path: Path
) -> None:
    saved = gc.get_threshold()
    clock = [1000.0]  # the idle collector's clock, moved by the test: no real waiting

    async def run() -> None:
        app = create_app(settings_for(demo_store, tmp_path), idle_clock=lambda: clock[0])
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.collect_when_idle()  # what the app's half-second timer does
            assert app.idle_gc.collections == 0  # no time has passed
            for _ in range(2):  # the timer's ticks, on time, through an idle second
                clock[0] += IDLE_SECONDS / 2
                app.collect_when_idle()  # (or the timer did, at the same clock)
            assert app.idle_gc.collections == 1
            assert app.idle_gc.frozen
            clock[0] += 5
            await pilot.press("down")  # a key is activity
            assert app.idle_gc.last_activity == clock[0]
            # The queue arriving counts as activity: no collection while it is drawn.
            clock[0] += 5
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            queue.action_refresh()  # not a key: only the reload can move the clock
            await settle(pilot)
            assert app.idle_gc.last_activity == clock[0]

    asyncio.run(run())
    assert gc.get_threshold() == saved
    assert gc.get_freeze_count() == 0


def test_a_late_result_for_the_previous_case_is_never_shown(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            assert screen.view is not None
            previous = screen.view
            other_id, other_reference = first_case(demo_store)
            assert other_id != previous.case_id
            screen.reopen(other_id, "search: test", app.workstation.open_case(other_id, "t"))
            screen.post_message(DebtorScreen.Loaded(previous))  # a slow read of the last case
            await settle(pilot)
            assert screen.case_id == other_id
            assert screen.view is not None
            assert screen.view.case_id == other_id
            header = text_of(screen, "#case-header")
            assert other_reference in header
            assert previous.reference not in header

    asyncio.run(run())


def test_a_theme_chosen_while_the_case_screen_was_put_away_shows_when_it_comes_back(
    demo_store: Store, tmp_path: Path
) -> None:
    """The kept debtor screen is not styled again each time it comes back for a case,
    unless the app's CSS changed meanwhile."""
    (reference,) = one(
        demo_store,
        "SELECT reference FROM \"case\" WHERE officer_id = 'jmorgan' ORDER BY reference",
    )

    async def run() -> list[Color]:
        app = app_for(demo_store, tmp_path)
        headers: list[Color] = []
        screens: set[int] = set()
        async with app.run_test(size=(120, 40)) as pilot:
            for theme in ("textual-dark", "textual-light", "textual-light", "textual-dark"):
                await settle(pilot)
                app.theme = theme
                await pilot.press("slash")  # one of ours: opened as a look, Esc leaves it
                await pilot.pause()
                app.screen.query_one("#query", Input).value = reference
                await pilot.press("enter")
                await settle(pilot)
                await pilot.press("enter")
                await settle(pilot)
                screen = app.screen
                assert isinstance(screen, DebtorScreen)
                screens.add(id(screen))
                headers.append(screen.query_one("#case-header").styles.background)
                await pilot.press("escape")
        assert len(screens) == 1  # one screen, given each case
        return headers

    dark, light, light_again, dark_again = asyncio.run(run())
    assert light != dark
    assert light_again == light
    assert dark_again == dark


def test_a_case_changed_after_its_row_was_read_ahead_opens_as_it_is_now(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            ahead = queue.ahead
            assert ahead is not None  # the highlighted row, read before Enter
            assert ahead.case_id == queue.shown[0].case_id
            app.workstation.add_note(ahead.case_id, "Rang the office while you looked")
            await pilot.press("enter")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DebtorScreen)
            assert screen.view is not None
            assert screen.view.case_id == ahead.case_id
            assert screen.view != ahead
            await pass_idv(pilot)  # the note's text shows once the call may see it
            history = text_of(screen, "#history-lines")
            assert "Rang the office while you looked" in history

    asyncio.run(run())
    with demo_store.read() as session:
        kinds = session.execute(
            select(col(Event.kind)).order_by(col(Event.seq).desc()).limit(3)
        ).all()
    assert [k for (k,) in kinds] == ["idv.recorded", "case.viewed", "note.added"]


def test_a_note_with_brackets_shows_as_typed(demo_store: Store, tmp_path: Path) -> None:
    case_id, _ = first_case(demo_store)

    async def run() -> Any:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            app.workstation.add_note(case_id, "Paid [b]cash[/b] at the desk")
            screen = await look_at(pilot, case_id)
            await pass_idv(pilot)
            return text_of(screen, "#history-lines")

    assert "Paid [b]cash[/b] at the desk" in asyncio.run(run())
