"""The debtor screen: opened from the queue, masked until ID&V passes, holds first."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

from textual.widgets import DataTable

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.idv import IdvModal
from tests.tui import (
    app_for,
    breathing_space_case,
    full_name,
    open_first_case,
    settle,
    text_of,
)


def events(store: Store, kind: str) -> list[tuple[str, str]]:
    return (
        sqlite3.connect(store.path)
        .execute("SELECT officer_id, payload FROM event WHERE kind = ? ORDER BY seq", (kind,))
        .fetchall()
    )


def test_the_case_opens_masked_and_id_and_v_unmasks_it(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            assert screen.view is not None
            name = full_name(demo_store, screen.case_id)
            assert name not in text_of(app.screen, "#person")
            assert "£•••" in text_of(app.screen, "#case-header")
            debts = screen.query_one("#debts", DataTable)
            assert str(debts.get_row_at(0)[3]).startswith("•••")
            await pilot.press("i")
            await pilot.pause()
            assert isinstance(app.screen, IdvModal)
            await pilot.click("#check-date_of_birth")
            await pilot.click("#check-postcode")
            await pilot.click("#record")
            await settle(pilot)
            assert name in text_of(app.screen, "#person")
            assert "ID&V passed" in text_of(app.screen, "#case-header")
            assert not str(debts.get_row_at(0)[3]).startswith("•••")

    asyncio.run(run())
    assert [officer for officer, _ in events(demo_store, "case.viewed")][-1] == "jmorgan"
    assert '"result":"passed"' in events(demo_store, "idv.recorded")[-1][1]


def test_one_check_fails_and_a_third_party_sees_nothing(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("i")
            await pilot.pause()
            await pilot.click("#check-postcode")
            await pilot.click("#record")
            await settle(pilot)
            assert "ID&V needed" in text_of(app.screen, "#case-header")
            await pilot.press("i")
            await pilot.pause()
            await pilot.click("#third-party")
            await settle(pilot)
            assert "£•••" in text_of(app.screen, "#case-header")
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    results = [payload for _, payload in events(demo_store, "idv.recorded")]
    assert '"result":"failed"' in results[-2]
    assert '"result":"third_party"' in results[-1]


def test_a_breathing_space_case_says_so_and_asks_for_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = breathing_space_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="search: test"))
            await settle(pilot)
            assert "ON HOLD" in text_of(app.screen, "#holds")
            assert "Breathing Space" in text_of(app.screen, "#holds")
            assert "do not ask for payment" in text_of(app.screen, "#script")

    asyncio.run(run())
