"""The officer's queue screen, driven through the real app with Pilot, and its snapshots."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Select, Static

from drp_tui.services.policy import PolicyBook
from drp_tui.services.queue import officer_queue
from drp_tui.store.engine import Store
from screens.queue import QueueScreen
from tests.conftest import DEMO_NOW
from tests.tui import app_for, fill, open_first_case, pass_idv, settle


def test_the_queue_screen_shows_the_officers_queue_in_order(
    demo_store: Store, policy: PolicyBook, tmp_path: Path
) -> None:
    expected = officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            table = app.screen.query_one("#queue", DataTable)
            assert table.row_count == len(expected)
            first = table.get_row_at(0)
            assert (str(first[1]), first[3], str(first[4])) == (
                expected[0].reference,
                str(expected[0].points),
                expected[0].reason,
            )
            figures = str(app.screen.query_one("#figures", Static).render())
            assert f"queue {len(expected)}" in figures
            await pilot.press("down", "down")
            detail = str(app.screen.query_one("#detail", Static).render())
            assert expected[2].reference in detail
            assert expected[2].reason in detail
            await pilot.press("r")
            await settle(pilot)
            assert table.row_count == len(expected)

    asyncio.run(run())


def test_held_cases_never_appear_on_the_screen(demo_store: Store, tmp_path: Path) -> None:
    held = {
        r[0]
        for r in sqlite3.connect(demo_store.path).execute(
            'SELECT c.reference FROM "case" c JOIN breathingspace b ON b.person_id = c.person_id '
            "WHERE c.officer_id = 'jmorgan'"
        )
    }

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            table = app.screen.query_one("#queue", DataTable)
            shown = {str(table.get_row_at(n)[1]) for n in range(table.row_count)}
            assert not held & shown

    asyncio.run(run())


def test_an_unknown_officer_is_a_clear_error(demo_store: Store, tmp_path: Path) -> None:
    import pytest

    from drp_tui.domain.errors import InputError

    with pytest.raises(InputError, match="not an officer"):
        app_for(demo_store, tmp_path, officer="nobody")


def test_filters_by_debt_type_and_stage(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            everyone = len(screen.entries)
            await pilot.press("f")
            await pilot.pause()
            assert app.focused is screen.query_one("#type-filter", Select)
            screen.query_one("#type-filter", Select).value = "council_tax"
            await pilot.pause()
            council_tax = screen.shown
            assert 0 < len(council_tax) < everyone
            assert all("council_tax" in e.debt_types for e in council_tax)
            assert screen.query_one("#queue", DataTable).row_count == len(council_tax)
            assert screen.query_one("#queue", DataTable).has_focus
            screen.query_one("#stage-filter", Select).value = "liability_order"
            await pilot.pause()
            assert 0 < len(screen.shown) < len(council_tax)
            assert all("liability_order" in e.stages for e in screen.shown)
            screen.query_one("#type-filter", Select).clear()
            screen.query_one("#stage-filter", Select).clear()
            await pilot.pause()
            assert len(screen.shown) == everyone

    asyncio.run(run())


def test_calling_out_of_hours_warns_and_needs_a_recorded_reason(
    demo_store: Store, tmp_path: Path
) -> None:
    from screens.debtor import DebtorScreen
    from screens.dialog import PromptModal

    evening = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)

    async def run() -> None:
        app = app_for(demo_store, tmp_path, now=evening)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            assert not queue.shown[0].callable_now
            await pilot.press("enter")
            await pilot.pause()
            prompt = app.screen
            assert isinstance(prompt, PromptModal)
            assert "should not be called now" in str(prompt.title_text)
            assert "calling hours" in str(prompt.title_text)
            await pilot.press("escape")
            await pilot.pause()
            assert app.screen is queue
            await pilot.press("enter")
            await pilot.pause()
            await pilot.press("enter")  # no reason given: refused
            await pilot.pause()
            assert isinstance(app.screen, PromptModal)
            await fill(pilot, app.screen, text="debtor asked for a call after work")
            await pilot.press("enter")
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            assert debtor.on_call

    asyncio.run(run())
    reason = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT payload FROM event WHERE kind = 'case.viewed' ORDER BY seq DESC")
        .fetchone()[0]
    )
    assert "called anyway: debtor asked for a call after work" in reason


def test_a_long_queue_shows_the_top_rows_and_says_so(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import screens.queue

    monkeypatch.setattr(screens.queue, "SHOWN_ROWS", 10)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            assert len(screen.entries) > 10
            assert screen.query_one("#queue", DataTable).row_count == 10
            assert [e.case_id for e in screen.shown] == [e.case_id for e in screen.entries[:10]]
            shown = str(screen.query_one("#shown", Static).render())
            assert f"top 10 of {len(screen.entries):,} shown" in shown

    asyncio.run(run())


def test_a_supervisor_sees_overdue_policy_renewals_and_an_officer_does_not(
    demo_store: Store, tmp_path: Path
) -> None:
    after_april = datetime(2027, 4, 6, 10, 30, tzinfo=UTC)

    async def run(officer: str) -> str | None:
        app = app_for(demo_store, tmp_path, officer=officer, now=after_april)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            banners = app.screen.query("#renewals")
            return str(banners.first(Static).render()) if banners else None

    banner = asyncio.run(run("psharma"))
    assert banner is not None
    assert "uc_standard_allowance due 2027-04-01" in banner
    assert "drp policy due" in banner
    assert asyncio.run(run("jmorgan")) is None


async def _record(pilot: Pilot[Any], code: str, **fields: str) -> None:
    """On a call: the outcome dialog (o), the code and its fields, Save; then let it land."""
    from screens.outcome import OutcomeModal

    await pilot.press("o")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, OutcomeModal)
    modal.query_one("#code", Select).value = code
    await pilot.pause()
    await fill(pilot, modal, **fields)
    modal.query_one("#save", Button).press()
    await settle(pilot)


def _queue_under(app: App[Any]) -> QueueScreen:
    """The queue screen, wherever it is on the stack (a call may be open over it)."""
    return next(s for s in app.screen_stack if isinstance(s, QueueScreen))


def _rows(screen: QueueScreen) -> list[str]:
    table = screen.query_one("#queue", DataTable)
    return [str(table.get_row_at(n)[1]) for n in range(table.row_count)]


def test_a_case_with_a_fresh_arrangement_and_outcome_leaves_the_top(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 16, finding 6: the #1 case, once an arrangement is made and the call recorded,
    is no longer #1 when the queue is read again; the reason says why it moved."""
    from screens.arrangement import ArrangementModal

    seen: dict[str, str] = {}

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            seen["top"] = _rows(_queue_under(app))[0]
            debtor = await open_first_case(pilot)
            assert debtor.view is not None
            assert debtor.view.reference == seen["top"]
            await pass_idv(pilot)
            await pilot.press("r")
            await pilot.pause()
            builder = app.screen
            assert isinstance(builder, ArrangementModal)
            await fill(pilot, builder, total="300", count="3", first="2026-12-01")
            builder.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is debtor
            await _record(pilot, "ARR", notes="£100 a month agreed")
            queue = _queue_under(app)
            rows = _rows(queue)
            assert rows[0] != seen["top"]
            entry = next(e for e in queue.entries if e.reference == seen["top"])
            assert entry.reason.startswith("arrangement made today")
            seen["position"] = str(rows.index(seen["top"]) + 1)

    asyncio.run(run())
    assert int(seen["position"]) > 1


def test_an_abandoned_call_keeps_a_due_callback_at_the_top(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 16, finding 6: ABANDONED (the call did not happen) does not clear a callback the
    debtor asked for; it stays due and first on the queue."""
    db = sqlite3.connect(demo_store.path)
    reference = db.execute(
        "SELECT reference FROM \"case\" WHERE officer_id = 'jmorgan' AND id IN "
        "(SELECT case_id FROM contactattempt) ORDER BY reference DESC"
    ).fetchone()[0]
    with db:  # the one callback due on this officer's queue
        db.execute(
            'UPDATE "case" SET next_action_due = NULL WHERE officer_id = ? AND reference != ?',
            ("jmorgan", reference),
        )
        db.execute(
            'UPDATE "case" SET next_action_due = ? WHERE reference = ?',
            ("2026-11-23T09:00:00.000000+00:00", reference),
        )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert _rows(_queue_under(app))[0] == reference
            debtor = await open_first_case(pilot)
            assert debtor.view is not None
            assert debtor.view.reference == reference
            await _record(pilot, "ABANDONED", reason="line dropped before answer")
            queue = _queue_under(app)
            assert _rows(queue)[0] == reference
            assert queue.entries[0].callback_due
            assert queue.entries[0].reason.startswith("callback due 23 Nov 09:00")

    asyncio.run(run())
    assert db.execute(
        'SELECT next_action_due FROM "case" WHERE reference = ?', (reference,)
    ).fetchone() == ("2026-11-23T09:00:00.000000+00:00",)


def test_the_figures_line_stays_one_line_at_120_columns_and_its_clock_ticks(
    demo_store: Store, tmp_path: Path
) -> None:
    """A busy day's figures wrapped the header onto a second line at 120 columns, and the time
    in it was the time the queue was read, however long ago."""
    from dataclasses import replace
    from datetime import timedelta
    from decimal import Decimal

    from drp_tui.app import create_app
    from drp_tui.services.reports import OfficerFigures
    from drp_tui.services.workstation import open_workstation
    from tests.tui import settings_for

    clock = [DEMO_NOW]
    settings = settings_for(demo_store, tmp_path)
    workstation = replace(open_workstation(settings), clock=lambda: clock[0])
    busy = OfficerFigures(
        "jmorgan",
        "Jamie Morgan",
        "Recovery",
        calls=118,
        right_party=64,
        promises=37,
        promised=Decimal("12345.67"),
        arrangements=21,
        target=120,
    )

    async def run() -> None:
        app = create_app(settings, workstation)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            screen.post_message(QueueScreen.Loaded(screen.entries, busy))
            await settle(pilot)
            figures = screen.query_one("#figures", Static)
            assert figures.size.height == 1
            text = str(figures.render())
            assert "10:30" in text
            assert "118/120" in text
            assert "callable" in text
            clock[0] = DEMO_NOW + timedelta(minutes=2)
            screen.tick_clock()  # what its once-a-second timer runs
            await settle(pilot)
            assert "10:32" in str(figures.render())

    asyncio.run(run())


def test_slash_searches_from_the_debtor_screen(demo_store: Store, tmp_path: Path) -> None:
    """`/` on a case leaves the call (nothing recorded on it: not dialled) and opens the
    search, as it does on the queue; it did nothing there."""
    from screens.search import SearchModal

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("slash")
            await settle(pilot)
            assert isinstance(app.screen, SearchModal)
            await pilot.press("escape")
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)

    asyncio.run(run())


def test_enter_opens_the_case_highlighted_when_it_was_pressed_though_the_queue_reloads(
    demo_store: Store, tmp_path: Path
) -> None:
    """Terminal benchmark, 1M-case store: back on the queue after a call, its reload (10,000
    cases rescored) landed just as Enter was typed on the highlighted case, and drp opened
    another (the row's new case). Here the reload, with the top case now third, is in hand
    when Enter arrives: the case highlighted on screen when Enter was pressed opens, still
    highlighted in its new place."""
    from screens.debtor import DebtorScreen
    from tests.test_review22e_found import send

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            assert screen.figures is not None
            seen = screen.entries[0]  # highlighted, as the detail line says
            assert seen.reference in str(screen.query_one("#detail", Static).render())
            moved = [screen.entries[1], screen.entries[2], seen, *screen.entries[3:]]
            screen.post_message(QueueScreen.Loaded(moved, screen.figures))
            send(app, "enter")  # typed before the reload was drawn
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert app.screen.case_id == seen.case_id

    asyncio.run(run())


def test_back_on_the_queue_after_an_outcome_the_top_case_is_highlighted(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux: outcome NA saved with `Enter Esc` in one burst: back on the queue, the case just
    called had moved to row 79 and the cursor had followed it there. The case highlighted is
    kept through a redraw, but not the one the call just moved down: the top is."""
    from tests.test_review22e_found import outcome_chosen, send

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await outcome_chosen(pilot)
            app.screen.query_one("#save", Button).focus()
            send(app, "enter", "escape")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            assert screen.query_one("#queue", DataTable).cursor_row == 0

    asyncio.run(run())
