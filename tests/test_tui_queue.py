"""The officer's queue screen, driven through the real app with Pilot, and its snapshots."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import DataTable, Static

from drp_tui.services.policy import PolicyBook
from drp_tui.services.queue import officer_queue
from drp_tui.store.engine import Store
from screens.queue import QueueScreen
from tests.conftest import DEMO_NOW
from tests.tui import app_for, settle


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
            assert (str(first[1]), first[3], first[4]) == (
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
    import sqlite3

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


def test_queue_screen_snapshot_80x24(demo_store: Store, tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(app_for(demo_store, tmp_path), terminal_size=(80, 24), run_before=settle)


def test_queue_screen_snapshot_120x40(demo_store: Store, tmp_path: Path, snap_compare: Any) -> None:
    assert snap_compare(app_for(demo_store, tmp_path), terminal_size=(120, 40), run_before=settle)
