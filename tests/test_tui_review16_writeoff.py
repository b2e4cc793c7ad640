"""Hostile review of issue 16 (round 16): the write-off dialog, opened before ID&V, tells the
officer the debt's balance when the amount typed is over it."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, Select, Static

from drp_tui.store.engine import Store
from screens.actions import WriteOffModal
from tests.tui import app_for, enforceable_case, fill, look_at, one, settle


async def confirm(pilot: Pilot[Any]) -> None:
    pilot.app.screen.query_one("#confirm", Button).press()
    await settle(pilot)


def test_a_masked_balance_is_not_told_by_the_write_off_dialog(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = enforceable_case(demo_store)
    shown: list[str] = []
    chosen: list[str] = []

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)  # no ID&V on this call
            assert debtor.view is not None
            assert not debtor.view.verified
            await pilot.press("w")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, WriteOffModal)
            debt = debtor.view.debts[0]
            chosen.append(debt.id)
            modal.query_one("#debt", Select).value = debt.id
            modal.query_one("#reason", Select).value = "uneconomic"
            await fill(pilot, modal, amount="999999", note="probe")
            await confirm(pilot)
            shown.extend(str(s.render()) for s in app.screen.query(Static))
            shown.extend(str(s.render()) for s in app.screen_stack[0].query(Static))

    asyncio.run(run())
    balance = one(demo_store, f"SELECT balance FROM debt WHERE id = '{chosen[0]}'")
    pounds = f"{int(str(balance[0])) / 100:,.2f}"
    assert not [text for text in shown if pounds in text]
