"""Data shows as written. Names, addresses and references come from host extracts and may
hold square brackets ("Smith [nee Jones]"); officers type anything into a field. Read as
markup, a "[" restyled the line or stopped the screen drawing (typing "[/" into a money
field ended the app); now each shows as it is, and a typed one gets the usual inline error."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, SelectionList

from drp_tui.store.engine import Store
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from screens.outcome import OutcomeModal
from screens.queue import QueueScreen
from tests.tui import app_for, fill, open_first_case, pass_idv, settle, text_of

SURNAME_SUFFIX = " [nee Jones]"
REFERENCE_SUFFIX = "[/i]"
TYPED = "[/b"


def give_everyone_brackets(store: Store) -> None:
    """Every surname and debt reference as a host extract might send them."""
    with sqlite3.connect(store.path) as db:
        db.execute("UPDATE person SET surname = surname || ?", (SURNAME_SUFFIX,))
        db.execute("UPDATE debt SET host_ref = host_ref || ?", (REFERENCE_SUFFIX,))


def cells(table: DataTable[Any]) -> list[str]:
    return [
        str(cell.plain if isinstance(cell, Text) else cell)
        for row in range(table.row_count)
        for cell in table.get_row_at(row)
    ]


def test_names_and_references_holding_brackets_show_as_written(
    demo_store: Store, tmp_path: Path
) -> None:
    give_everyone_brackets(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert SURNAME_SUFFIX in text_of(queue, "#detail")
            assert any(SURNAME_SUFFIX in c for c in cells(queue.query_one("#queue", DataTable)))
            assert isinstance(queue, QueueScreen)
            await pilot.press("slash", *queue.shown[0].reference, "enter")
            await settle(pilot)
            assert any(SURNAME_SUFFIX in c for c in cells(app.screen.query_one("#hits", DataTable)))
            await pilot.press("escape")
            debtor = await open_first_case(pilot)
            await pass_idv(pilot)
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)
            assert SURNAME_SUFFIX in text_of(debtor, "#person")
            assert any(
                c.endswith(REFERENCE_SUFFIX) for c in cells(debtor.query_one("#debts", DataTable))
            )
            assert REFERENCE_SUFFIX in text_of(debtor, "#routes")
            await pilot.press("r")
            await settle(pilot)
            builder = app.screen
            assert isinstance(builder, ArrangementModal)
            choices = builder.query_one("#debts", SelectionList)
            assert all(  # the choices, each shown as written
                REFERENCE_SUFFIX in str(choices.get_option_at_index(n).prompt)
                for n in range(choices.option_count)
            )

    asyncio.run(run())


async def inline_error(pilot: Pilot[Any], selector: str) -> str:
    await settle(pilot)
    return text_of(pilot.app.screen, selector)


def test_brackets_typed_into_any_field_get_the_inline_error_and_save_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    def rows(table: str) -> int:
        return int(
            sqlite3.connect(demo_store.path).execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        )

    before = {t: rows(t) for t in ("assessment", "arrangement", "contactattempt")}

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            calculator = app.screen
            assert isinstance(calculator, AffordabilityScreen)
            calculator.query_one("#income__earnings", Input).focus()
            await pilot.press(*TYPED)  # typed key by key, as an officer would
            assert f"'{TYPED}' is not an amount of money" in await inline_error(
                pilot, "#af-summary"
            )
            await pilot.press("ctrl+s")
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            builder = app.screen
            assert isinstance(builder, ArrangementModal)
            await fill(pilot, builder, instalment=TYPED)
            assert TYPED in await inline_error(pilot, "#checks")
            assert builder.query_one("#confirm", Button).disabled
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("o", "o")  # the first says the statement typed is not saved
            await settle(pilot)
            outcome = app.screen
            assert isinstance(outcome, OutcomeModal)
            outcome.query_one("#code", Select).value = "PTP"
            await pilot.pause()
            await fill(pilot, outcome, amount=TYPED, date="2026-12-01")
            outcome.query_one("#save", Button).press()
            assert TYPED in await inline_error(pilot, "#error")
            assert app.screen is outcome  # still open, to be put right

    asyncio.run(run())
    assert {t: rows(t) for t in before} == before
