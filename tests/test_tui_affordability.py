"""The affordability calculator: live totals, saved assessments, and the surplus carried
into the arrangement builder."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import threading
from dataclasses import dataclass, field, fields
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select, Static

from drp_tui.app import create_app
from drp_tui.services.assessments import SavedStatement, save_assessment
from drp_tui.services.casework import Actor
from drp_tui.services.policy import example_guidelines_path
from drp_tui.services.workstation import Workstation, open_workstation
from drp_tui.store.engine import Store
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal
from screens.choice import ChoiceField
from screens.debtor import DebtorScreen
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.tui import (
    app_for,
    fill,
    first_case,
    look_at,
    one,
    open_first_case,
    pass_idv,
    settings_for,
    settle,
    text_of,
)


async def open_calculator(pilot: Pilot[Any]) -> AffordabilityScreen:
    """Open the top case, pass ID&V (the calculator is for the right person only), press a."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    await pass_idv(pilot)
    await pilot.press("a")
    await settle(pilot)  # the saved statement read: it may fill the form
    screen = pilot.app.screen
    assert isinstance(screen, AffordabilityScreen)
    return screen


async def use_surplus(pilot: Pilot[Any]) -> ArrangementModal:
    """Ctrl+U: the arrangement builder it opens, carrying the council's offer."""
    await pilot.press("ctrl+u")
    await settle(pilot)
    builder = pilot.app.screen
    assert isinstance(builder, ArrangementModal)
    return builder


def summary(screen: AffordabilityScreen) -> str:
    return str(screen.query_one("#af-summary", Static).render())


STATEMENT = {
    "income__earnings": "£1,450",
    "fixed_costs__rent": "600",
    "flexible_costs__food_and_housekeeping": "300",
}


def test_a_frequency_is_chosen_from_the_keyboard_and_a_digit_never_changes_it(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_calculator(pilot)
            await fill(pilot, screen, income__earnings="100")
            screen.query_one("#income__earnings", Input).focus()
            await pilot.press("tab")
            frequency = screen.query_one("#income__earnings__frequency", ChoiceField)
            assert frequency.has_focus
            assert frequency.value == "monthly"
            await pilot.press("right")
            assert frequency.value == "quarterly"
            await pilot.press("left", "left")
            assert frequency.value == "four-weekly"
            await pilot.press("y")
            assert frequency.value == "yearly"
            await pilot.press("f", "f")  # f again: on from a fortnight to four weeks
            assert frequency.value == "four-weekly"
            await pilot.press("4", "0", "0")  # meant for the next amount: not a choice
            assert frequency.value == "four-weekly"
            await pilot.press("f", "tab", "5")
            await pilot.pause()
            assert frequency.value == "fortnightly"
            assert screen.query_one("#income__benefits", Input).value == "5"
            assert "£    221.67" in summary(screen)  # £100 a fortnight is £216.67 a month, and £5

    asyncio.run(run())


def test_totals_save_and_use_the_surplus(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_calculator(pilot)
            assert "guideline checks are off" in summary(screen)
            await fill(pilot, screen, **STATEMENT)
            assert "£    550.00" in summary(screen)  # surplus
            assert "£    530.00" in summary(screen)  # for priority debts, after £20 savings
            screen.query_one("#income__earnings", Input).focus()
            await pilot.press("tab", "w")  # its frequency: w for a week
            await pilot.pause()
            assert "£  6,283.33" in summary(screen)  # £1,450 a week is £6,283.33 a month
            await pilot.press("m")
            await pilot.pause()
            await pilot.press("ctrl+s")
            await settle(pilot)
            builder = await use_surplus(pilot)
            assert builder.query_one("#instalment", Input).value == "530.00"
            builder.query_one("#instalment", Input).value = "600"
            await pilot.pause()
            assert "above the assessed surplus of £530.00" in str(
                builder.query_one("#checks", Static).render()
            )
            assert not builder.query_one("#confirm", Button).disabled  # a warning, not a bar

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    saved = db.execute("SELECT surplus, available_for_priority FROM assessment").fetchall()
    assert saved == [(55000, 53000)]  # saved; using it after is the same assessment
    assert db.execute("SELECT count(*) FROM event WHERE kind = 'assessment.saved'").fetchone() == (
        1,
    )


def test_bad_amounts_name_the_line(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_calculator(pilot)
            await fill(pilot, screen, income__earnings="12.345")
            assert "income.earnings" in summary(screen)
            await pilot.press("ctrl+u")
            await pilot.pause()
            assert isinstance(app.screen, AffordabilityScreen)  # nothing to use
            await fill(pilot, screen, income__earnings="100", household__children="two")
            assert "not a whole number" in summary(screen)
            await fill(pilot, screen, household__children="0", balance__0="£2,000")
            assert "needs a creditor name" in summary(screen)  # not left out of the sums
            await fill(pilot, screen, balance__0="", payment__1="50")
            assert "needs a creditor name" in summary(screen)
            await pilot.press("ctrl+s")
            await settle(pilot)

    asyncio.run(run())
    assert sqlite3.connect(demo_store.path).execute(
        "SELECT count(*) FROM assessment"
    ).fetchone() == (0,)


def test_the_example_guidelines_say_they_are_not_the_licensed_figures(
    demo_store: Store, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(example_guidelines_path(), home / "sfs-guidelines.toml")

    async def run() -> None:
        app = app_for(demo_store, tmp_path, home=home)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_calculator(pilot)
            await fill(pilot, screen, **STATEMENT, flexible_costs__communications_and_leisure="250")
            text = summary(screen)
            assert "example figures — not the licensed SFS guidelines" in text
            assert "Communications and leisure: £250.00 above £100.00" in text

    asyncio.run(run())


def test_other_priority_debts_come_before_the_councils_instalment(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_calculator(pilot)
            await fill(
                pilot,
                screen,
                **STATEMENT,
                priority__0="Landlord (rent arrears)",
                pbalance__0="£1,200",
                payment__0="130",
            )
            text = summary(screen)
            assert "£    130.00" in text  # other priority payments
            assert "For the council £    400.00" in text  # £530 less £130
            await fill(pilot, screen, payment__0="a lot")
            assert "priority_debts[1].payment" in summary(screen).replace(" ", "_")
            await fill(pilot, screen, payment__0="130")
            builder = await use_surplus(pilot)
            assert builder.query_one("#instalment", Input).value == "400.00"

    asyncio.run(run())
    statement = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT json_extract(statement, '$.priority_debts[0].creditor') FROM assessment")
        .fetchone()
    )
    assert statement == ("Landlord (rent arrears)",)


def test_a_non_priority_debt_shares_the_money_with_the_other_creditors(
    demo_store: Store, tmp_path: Path
) -> None:
    """A sundry debt or former tenant arrears is not a priority debt: the council's offer is
    its share by balance alongside the officer-entered creditors, not all the money."""
    case_id, owed_pence = one(
        demo_store,
        'SELECT c.id, sum(d.balance) FROM "case" c JOIN debt d ON d.case_id = c.id '
        "WHERE c.status = 'open' GROUP BY c.id HAVING sum(d.debt_type NOT IN "
        "('sundry', 'former_tenant_arrears')) = 0 ORDER BY c.reference LIMIT 1",
    )
    owed = f"{owed_pence / 100:.2f}"

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            # £1,000 in, nothing out: £980 after the £20 savings, and a card owed what the
            # council is owed, so each gets half.
            await fill(pilot, screen, income__benefits="1000", creditor__0="Card", balance__0=owed)
            assert "For the council £    490.00" in summary(screen)
            assert "For others      £    490.00" in summary(screen)
            assert "Card: £490.00" in summary(screen)
            builder = await use_surplus(pilot)
            assert builder.query_one("#instalment", Input).value == "490.00"

    asyncio.run(run())


def test_the_latest_statement_opens_with_its_date_and_a_new_one_starts_from_it(
    demo_store: Store, tmp_path: Path
) -> None:
    """`a` used to open blank while Recovery options used the saved income."""
    case_id, _ = first_case(demo_store)
    save_assessment(
        demo_store,
        Actor("akhan", clock=lambda: DEMO_NOW - timedelta(days=3)),
        case_id=case_id,
        statement={
            "household": {"adults": 2, "children": 1},
            "income": {"earnings": {"amount": "400", "frequency": "weekly"}},
            "fixed_costs": {"rent": {"amount": "600", "frequency": "monthly"}},
            "flexible_costs": {},
            "priority_debts": [{"creditor": "Landlord", "balance": "1200", "payment": "50"}],
            "non_priority_debts": [{"creditor": "Card", "balance": "900"}],
        },
        result={},
        surplus=Decimal("0"),
        available_for_priority=Decimal("0"),
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            assert "Statement of 20 Nov 2026, by akhan" in text_of(screen, "#af-title")
            values = {
                key: screen.query_one(f"#{key}", Input).value
                for key in (
                    "household__adults",
                    "household__children",
                    "income__earnings",
                    "fixed_costs__rent",
                    "priority__0",
                    "pbalance__0",
                    "payment__0",
                    "creditor__0",
                    "balance__0",
                )
            }
            assert values == {
                "household__adults": "2",
                "household__children": "1",
                "income__earnings": "400",
                "fixed_costs__rent": "600",
                "priority__0": "Landlord",
                "pbalance__0": "1200",
                "payment__0": "50",
                "creditor__0": "Card",
                "balance__0": "900",
            }
            assert screen.query_one("#income__earnings__frequency", ChoiceField).value == "weekly"
            assert "£  1,733.33" in summary(screen)  # £400 a week, read as monthly
            # A new statement starts from it: change the rent, save, and it is the latest.
            await fill(pilot, screen, fixed_costs__rent="650")
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("ctrl+s")  # unchanged: not a second assessment
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            again = app.screen
            assert isinstance(again, AffordabilityScreen)
            assert "Statement of 23 Nov 2026, by jmorgan" in text_of(again, "#af-title")
            assert again.query_one("#fixed_costs__rent", Input).value == "650"
            assert again.query_one("#income__earnings", Input).value == "400"

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    assert db.execute(
        "SELECT officer_id, json_extract(statement, '$.fixed_costs.rent.amount') FROM assessment "
        "WHERE case_id = ? ORDER BY created_at",
        (case_id,),
    ).fetchall() == [("akhan", "600"), ("jmorgan", "650")]


@dataclass(frozen=True)
class SlowRead(Workstation):
    """The workstation, with the saved statement arriving only when the test says (as on a
    loaded machine, where it came after the officer had pressed Ctrl+S)."""

    arrived: threading.Event = field(default_factory=threading.Event)

    def latest_assessment(self, case_id: str) -> SavedStatement | None:
        self.arrived.wait(timeout=30)
        return super().latest_assessment(case_id)


def test_nothing_is_saved_before_the_saved_statement_is_read_and_typing_is_kept(
    demo_store: Store, tmp_path: Path
) -> None:
    """In tmux: Ctrl+S on the still-blank form saved the saved statement's figures as £0 (the
    result of the blank form with the statement read in after it)."""
    case_id, _ = first_case(demo_store)
    save_assessment(
        demo_store,
        Actor("akhan", clock=lambda: DEMO_NOW - timedelta(days=3)),
        case_id=case_id,
        statement={"income": {"earnings": {"amount": "1450", "frequency": "monthly"}}},
        result={},
        surplus=Decimal("1450"),
        available_for_priority=Decimal("1430"),
    )
    settings = settings_for(demo_store, tmp_path)
    slow = SlowRead(
        **{f.name: getattr(open_workstation(settings), f.name) for f in fields(Workstation)}
    )

    async def run() -> None:
        app = create_app(settings, workstation=slow)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("a")
            await pilot.pause()
            screen = app.screen
            assert isinstance(screen, AffordabilityScreen)
            await pilot.press("ctrl+s")  # before the saved statement is read: nothing saved
            await pilot.pause()
            await fill(pilot, screen, fixed_costs__rent="500")  # the officer starts typing
            slow.arrived.set()
            await settle(pilot)
            # What the officer typed stays; the saved statement is named, not poured over it.
            assert screen.query_one("#fixed_costs__rent", Input).value == "500"
            assert screen.query_one("#income__earnings", Input).value == ""
            await pilot.press("ctrl+s")
            await settle(pilot)

    asyncio.run(run())
    saved = (
        sqlite3.connect(demo_store.path)
        .execute(
            "SELECT officer_id, surplus, json_extract(statement, '$.fixed_costs.rent.amount') "
            "FROM assessment WHERE case_id = ? ORDER BY created_at",
            (case_id,),
        )
        .fetchall()
    )
    assert saved == [("akhan", 145000, None), ("jmorgan", -50000, "500")]


def test_the_form_is_built_once_and_a_draft_is_kept_only_for_its_call(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 22: `a` is the same form each time (not two hundred widgets built again), the
    figures typed kept after Esc on the same call; the next call's form starts blank."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_calculator(pilot)
            await fill(pilot, form, income__earnings="1450")
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert app.screen is form
            assert form.query_one("#income__earnings", Input).value == "1450"
            assert "1,450.00" in summary(form)
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("escape")  # leave the call: the draft is not saved, it says
            await settle(pilot)
            await pilot.press("escape")  # again: leave without it; its outcome is asked for
            await settle(pilot)
            outcome = app.screen
            assert isinstance(outcome, OutcomeModal)
            outcome.query_one("#code", Select).value = "RPC"
            await pilot.pause()
            await pilot.click("#save")
            await settle(pilot)
            await pilot.press("enter")  # a case from the queue: a new call
            await settle(pilot)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert app.screen is form
            assert form.query_one("#income__earnings", Input).value == ""
            assert app.focused is form.query_one("#income__earnings", Input)

    asyncio.run(run())


def test_ctrl_s_pressed_three_times_saves_once_and_says_so_once(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 22: Ctrl+S pressed three times while the first save waits for the store said
    "Assessment saved." three times. One statement, one save, one message."""
    from tests.test_tui_jobs import store_locked, until_a_write_waits

    said: list[str] = []
    before = int(one(demo_store, "SELECT count(*) FROM assessment")[0])

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        notify = app.notify

        def heard(message: str, **kwargs: Any) -> None:
            said.append(message)
            notify(message, **kwargs)

        app.notify = heard  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            form = await open_calculator(pilot)
            await fill(pilot, form, **STATEMENT)
            with store_locked(demo_store):
                await pilot.press("ctrl+s")
                await until_a_write_waits(pilot)
                await pilot.press("ctrl+s", "ctrl+s")
                await pilot.pause()
            await settle(pilot)

    asyncio.run(run())
    assert [m for m in said if "saved" in m.lower()] == ["Assessment saved."], said
    assert int(one(demo_store, "SELECT count(*) FROM assessment")[0]) == before + 1


@pytest.mark.parametrize("key", ["escape", "n", "o", "ctrl+q"])
def test_ending_a_call_with_a_statement_typed_and_not_saved_says_so_first(
    demo_store: Store, tmp_path: Path, key: str
) -> None:
    """Figures typed in the affordability form are a draft until saved, and went with the
    call without a word. The key that would end the call first says the statement is not
    saved; the same key again goes on without it."""
    said: list[str] = []

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        notify = app.notify

        def heard(message: str, **kwargs: Any) -> None:
            said.append(message)
            notify(message, **kwargs)

        app.notify = heard  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a", *"1450", "escape")
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            await pilot.press(key)
            await settle(pilot)
            assert app.screen is debtor, app.screen_stack
            assert any("not saved" in m for m in said), said
            await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal), app.screen_stack

    asyncio.run(run())


def test_ending_a_call_whose_statement_is_saved_asks_nothing_more(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a", *"1450", "ctrl+s")
            await settle(pilot)
            await pilot.press("escape", "escape")
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal), app.screen_stack

    asyncio.run(run())
