"""The arrangement builder: live preview, policy checks inline, confirm saves it whole."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Select, Static

from drp_tui.store.engine import Store
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from tests.tui import (
    app_for,
    breathing_space_case,
    enforceable_case,
    fill,
    look_at,
    pass_idv,
    settle,
)


async def open_builder(pilot: Pilot[Any]) -> ArrangementModal:
    """Open the top case, pass ID&V (no arrangement without it), press r."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pass_idv(pilot)
    await pilot.press("r")
    await pilot.pause()
    modal = pilot.app.screen
    assert isinstance(modal, ArrangementModal)
    return modal


def checks(modal: ArrangementModal) -> str:
    return str(modal.query_one("#checks", Static).render())


def test_preview_confirm_and_save(demo_store: Store, tmp_path: Path) -> None:
    saved: dict[str, Any] = {}

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            modal = await open_builder(pilot)
            await fill(pilot, modal, total="300", count="3", first="2026-12-01")
            table = modal.query_one("#preview", DataTable)
            assert table.row_count == 3
            amounts = [
                Decimal(str(table.get_row_at(n)[2]).strip("£").replace(",", "")) for n in range(3)
            ]
            assert sum(amounts) == Decimal("300")
            assert "3 payments totalling £300.00" in checks(modal)
            confirm = modal.query_one("#confirm", Button)
            assert not confirm.disabled
            saved["debt"] = modal.query_one("#debt").value  # type: ignore[attr-defined]
            confirm.press()
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    arrangement = db.execute(
        "SELECT id, debt_id, total, frequency, status FROM arrangement ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    assert arrangement[1:] == (saved["debt"], 30000, "monthly", "live")
    instalments = db.execute(
        "SELECT due_on, amount FROM instalment WHERE arrangement_id = ? ORDER BY number",
        (arrangement[0],),
    ).fetchall()
    assert instalments == [("2026-12-01", 10000), ("2027-01-04", 10000), ("2027-02-01", 10000)]
    assert db.execute("SELECT kind FROM event ORDER BY seq DESC LIMIT 1").fetchone() == (
        "arrangement.made",
    )


def test_bad_input_and_policy_errors_disable_confirm(demo_store: Store, tmp_path: Path) -> None:
    before = (
        sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM arrangement").fetchone()[0]
    )

    case_id = enforceable_case(demo_store)  # a council tax debt, not with an agency

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("r")
            await pilot.pause()
            modal = pilot.app.screen
            assert isinstance(modal, ArrangementModal)
            confirm = modal.query_one("#confirm", Button)
            for fields, message in (
                ({"count": "three"}, "not a whole number"),
                ({"count": "", "total": "12.345"}, "not an amount"),
                ({"total": "100", "first": "2026-02-31", "count": "2"}, "not a real date"),
                ({"first": "2026-12-01", "count": "0"}, "at least 1"),
                ({"count": "", "instalment": "500"}, "more than the total"),
            ):
                await fill(pilot, modal, **fields)
                assert message in checks(modal), checks(modal)
                assert confirm.disabled
            # Council tax must clear by 31 March unless an officer overrides with a reason.
            council_tax = next(d.id for d in modal.debts.values() if d.debt_type == "council_tax")
            modal.query_one("#debt", Select).value = council_tax
            await pilot.pause()
            await fill(pilot, modal, instalment="", total="1200", count="12", first="2026-12-01")
            assert "should clear by 2027-03-31" in checks(modal)
            assert confirm.disabled
            await fill(pilot, modal, override="agreed with team leader: low income")
            assert "overridden" in checks(modal)
            assert not confirm.disabled
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    assert (
        sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM arrangement").fetchone()[0]
        == before
    )


def test_breathing_space_refuses_an_arrangement(demo_store: Store, tmp_path: Path) -> None:
    case_id = breathing_space_case(demo_store)
    before = (
        sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM arrangement").fetchone()[0]
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            await pass_idv(pilot)  # identity is not the problem: the hold is
            await pilot.press("r")  # the builder does not open: the hold is the answer
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    assert db.execute("SELECT count(*) FROM arrangement").fetchone()[0] == before
    refused = db.execute(
        "SELECT case_id, payload FROM event WHERE kind = 'action.refused' ORDER BY seq DESC"
    ).fetchone()
    assert refused[0] == case_id
    assert "make_arrangement" in refused[1]
    assert "Breathing Space" in refused[1]
