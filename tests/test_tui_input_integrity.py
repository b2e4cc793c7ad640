"""Keys typed in a burst land where they were typed: each value in its own field, in the
affordability form, the arrangement builder and the outcome form. A terminal delivers a
pasted or fast-typed string (or `tmux send-keys`) as one read, so every key is queued
before the first is handled; `burst` queues them the same way."""

from __future__ import annotations

import asyncio
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Input

from drp_tui.services.policy import PolicyBook, load_policy
from drp_tui.store.engine import Store
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.test_tui_jobs import store_locked, until_a_write_waits
from tests.tui import app_for, enforceable_case, look_at, pass_idv, settle, text_of

NAMES = {"-": "minus", "/": "slash", ".": "full_stop", " ": "space", ":": "colon", "£": "pound"}


def keys_of(*parts: str) -> list[events.Key]:
    """Key events for `parts`: a named key ("tab", "shift+tab") or text typed a character
    at a time."""
    found: list[events.Key] = []
    for part in parts:
        if part in ("tab", "shift+tab", "enter", "escape"):
            found.append(events.Key(part, "\t" if part == "tab" else None))
        else:
            found += [events.Key(NAMES.get(c, c), c) for c in part]
    return found


async def burst(pilot: Pilot[Any], *parts: str) -> None:
    """Every key queued at once, as a terminal's one read of a pasted string delivers them,
    then whatever they started is let finish."""
    for key in keys_of(*parts):
        pilot.app.post_message(key)
    await settle(pilot)


def value(screen: Any, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", Input).value)


async def on_a_verified_case(pilot: Pilot[Any], store: Store) -> None:
    await look_at(pilot, enforceable_case(store))
    await pass_idv(pilot)


def test_a_burst_fills_each_affordability_field(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            await burst(pilot, "a", "1450", "tab", "tab", "350", "tab", "tab", "20")
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            typed = [value(screen, f"income__{k}") for k in ("earnings", "benefits", "pensions")]
            assert typed == ["1450", "350", "20"]
            assert screen.focused is screen.query_one("#income__pensions")

    asyncio.run(run())


def test_a_burst_from_the_top_of_the_affordability_form(demo_store: Store, tmp_path: Path) -> None:
    """The reproduction in issue 22: from the first field, Tab Tab 1450 Tab Tab 350 ..."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            await pilot.press("a")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            screen.query_one("#household__adults", Input).focus()
            await pilot.pause()
            # adults -> children -> earnings: Tab Tab
            await burst(pilot, "tab", "tab", "1450", "tab", "tab", "350", "tab", "tab", "20")
            typed = [value(screen, f"income__{k}") for k in ("earnings", "benefits", "pensions")]
            assert typed == ["1450", "350", "20"]

    asyncio.run(run())


def test_keys_pressed_one_after_another_by_pilot_fill_each_field(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            await pilot.press("a", *"1450", "tab", "tab", *"350", "tab", "tab", *"20")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            typed = [value(screen, f"income__{k}") for k in ("earnings", "benefits", "pensions")]
            assert typed == ["1450", "350", "20"]

    asyncio.run(run())


def test_a_burst_fills_each_arrangement_field(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            # debts -> every -> total -> first -> instalment -> count; back to first
            await burst(pilot, "r", *["tab"] * 5, "3", "shift+tab", "shift+tab", "2026-12-15")
            modal = app.screen
            assert isinstance(modal, ArrangementModal)
            assert value(modal, "count") == "3"
            assert value(modal, "first") == "2026-12-15"
            assert value(modal, "total") == modal.owed()
            assert "3 payments" in text_of(modal, "#checks")

    asyncio.run(run())


def test_a_burst_fills_each_outcome_field(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            # p: the outcome form with Promise to pay chosen, the cursor in Amount
            await burst(pilot, "p", "50", "tab", "2026-12-01", "tab", "rings friday")
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            assert value(modal, "amount") == "50"
            assert value(modal, "date") == "2026-12-01"
            assert "rings friday" in value(modal, "notes") + value(modal, "reason")

    asyncio.run(run())


def test_an_amount_far_outside_a_household_asks_to_be_checked(
    demo_store: Store, tmp_path: Path
) -> None:
    """The figures that ran together in issue 22: £145,035,020 of earnings is warned about
    on screen, above the policy's check (affordability.toml [[figure_check]])."""

    async def run() -> tuple[str, str]:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await on_a_verified_case(pilot, demo_store)
            await burst(pilot, "a", "1450")
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            usual = text_of(screen, "#af-summary")
            await burst(pilot, "35020")  # 1450 350 20 run together
            return usual, text_of(screen, "#af-summary")

    usual, slipped = asyncio.run(run())
    assert "check this figure" not in usual
    assert "income earnings: £145,035,020.00 a month is far above" in slipped.replace("\n", " ")
    assert "check this figure" in slipped.replace("\n", " ")


def test_the_figure_check_is_policy_data(policy: PolicyBook, tmp_path: Path) -> None:
    from drp_tui.domain.affordability import assess, statement_from_data

    (check,) = policy.figure_checks
    assert check.monthly_over == Decimal("20000.00")
    folder = tmp_path / "policy"
    shutil.copytree(policy.directory, folder)
    toml = folder / "affordability.toml"
    toml.write_text(
        toml.read_text(encoding="utf-8").replace(
            'monthly_over = "20000.00"', 'monthly_over = "900"'
        ),
        encoding="utf-8",
    )
    lowered = load_policy(folder)
    statement = statement_from_data({"income": {"earnings": "1450"}})

    def warned(book: PolicyBook) -> bool:
        result = assess(
            statement,
            savings_rules=book.savings,
            on=DEMO_NOW.date(),
            figure_checks=book.figure_checks,
        )
        return any("check this figure" in w for w in result.warnings)

    assert not warned(policy)
    assert warned(lowered)


def test_keys_typed_while_a_form_waits_for_a_save_go_into_the_form(
    demo_store: Store, tmp_path: Path
) -> None:
    """`a` pressed while the ID&V is still being saved opens the form only once the save is
    in (it is judged on the case as saved). The figure typed straight after `a` belongs in
    the form: it used to reach the debtor screen, and be lost, while the form waited."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, enforceable_case(demo_store))
            with store_locked(demo_store):
                await pilot.press("i")
                await pilot.pause()
                await pilot.click("#check-date_of_birth")
                await pilot.click("#check-postcode")
                await pilot.click("#record")
                await until_a_write_waits(pilot)
                for key in keys_of("a", "1450", "tab", "tab", "350"):
                    app.post_message(key)
                # Until `a` waits for the save, and the keys after it with it. Not a number
                # of pauses with the store locked: on a loaded machine that outlasted the
                # store's busy timeout, and the save failed (an ErrorDialog, not the form).
                for _ in range(200):
                    await pilot.pause()
                    if debtor.holds_keys:
                        break
                assert debtor.holds_keys
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen), app.screen_stack
            typed = [value(screen, f"income__{k}") for k in ("earnings", "benefits")]
            assert typed == ["1450", "350"]

    asyncio.run(run())
