"""The arrangement builder: live preview, policy checks inline, confirm saves it whole."""

from __future__ import annotations

import asyncio
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, SelectionList, Static

from drp_tui.store.engine import Store
from screens.arrangement import ArrangementModal
from screens.choice import ChoiceField
from screens.debtor import DebtorScreen
from tests.sealed import opened
from tests.tui import (
    app_for,
    breathing_space_case,
    enforceable_case,
    fill,
    look_at,
    one,
    pass_idv,
    settle,
    text_of,
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
            saved["debt"] = modal.chosen()[0].id  # the first paid
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
            debts = modal.query_one("#debts", SelectionList)
            debts.deselect_all()
            debts.select(council_tax)
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
    said = opened(demo_store, refused[1])
    assert said["action"] == "make_arrangement"
    assert "Breathing Space" in said["reason"]


def several_debts_case(store: Store) -> str:
    """A case with council tax, an HB overpayment listed above it (a larger balance) and a
    debt policy puts last; nothing held, placed or arranged."""
    return str(
        one(
            store,
            'SELECT c.id FROM "case" c JOIN debt d ON d.case_id = c.id JOIN person p ON '
            "p.id = c.person_id WHERE c.status = 'open' AND c.hold_kind IS NULL AND "
            "p.deceased_on IS NULL AND NOT EXISTS (SELECT 1 FROM breathingspace b WHERE "
            "b.person_id = c.person_id) AND NOT EXISTS (SELECT 1 FROM placement x JOIN debt y "
            "ON y.id = x.debt_id WHERE y.case_id = c.id) AND NOT EXISTS (SELECT 1 FROM "
            "arrangement a WHERE a.case_id = c.id AND a.status = 'live') GROUP BY c.id HAVING "
            "count(*) = 3 AND sum(d.debt_type = 'council_tax') = 1 AND "
            "sum(d.debt_type = 'hb_overpayment') = 1 AND sum(d.debt_type IN ('sundry', "
            "'commercial_rent', 'former_tenant_arrears')) = 1 AND max(CASE WHEN d.debt_type = "
            "'council_tax' THEN d.balance END) < 150000 AND max(CASE WHEN d.debt_type = "
            "'hb_overpayment' THEN d.balance END) > max(CASE WHEN d.debt_type = 'council_tax' "
            "THEN d.balance END) ORDER BY c.reference",
        )[0]
    )


def test_use_surplus_over_several_debts_pays_council_tax_first_at_the_chosen_frequency(
    demo_store: Store, tmp_path: Path
) -> None:
    """The priority money went to the first debt listed (an HB overpayment); an arrangement
    covered one debt; £150 a week was not compared with £530 a month."""
    case_id = several_debts_case(demo_store)
    debts = {
        debt_type: (debt_id, balance)
        for debt_id, debt_type, balance in sqlite3.connect(demo_store.path).execute(
            "SELECT id, debt_type, balance FROM debt WHERE case_id = ?", (case_id,)
        )
    }
    council_tax, hb = debts.pop("council_tax"), debts.pop("hb_overpayment")
    [last] = debts.values()

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pass_idv(pilot)
            assert debtor.view is not None
            assert debtor.view.debts[0].debt_type == "hb_overpayment"  # listed first
            await pilot.press("a")
            await settle(pilot)
            await fill(
                pilot,
                app.screen,
                income__earnings="£1,450",
                fixed_costs__rent="600",
                flexible_costs__food_and_housekeeping="300",
            )
            await pilot.press("ctrl+u")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ArrangementModal)
            chosen = modal.query_one("#debts", SelectionList)
            # Every debt, chosen, in the order policy pays them: council tax first.
            assert chosen.selected == [council_tax[0], hb[0], last[0]]
            assert [chosen.get_option_at_index(n).value for n in range(3)] == chosen.selected
            order = text_of(modal, "#order")
            assert order.index("1. Council tax") < order.index("2. Housing benefit overpayment")
            owed = (council_tax[1] + hb[1] + last[1]) / 100
            assert modal.query_one("#total", Input).value == f"{owed:.2f}"
            assert modal.query_one("#instalment", Input).value == "530.00"
            modal.query_one("#frequency", ChoiceField).focus()
            await pilot.press("w")  # every week
            await pilot.pause()
            assert modal.query_one("#instalment", Input).value == "122.30"  # £530 × 12 / 52
            await fill(pilot, modal, instalment="150")
            assert (
                "instalments of £150.00 a week are above the assessed surplus of £530.00 a "
                "month (£122.30 a week)" in checks(modal)
            )
            chosen.deselect(last[0])
            await pilot.pause()
            owed = (council_tax[1] + hb[1]) / 100
            assert modal.query_one("#total", Input).value == f"{owed:.2f}"
            await fill(pilot, modal, instalment="122.30")
            assert "above the assessed surplus" not in checks(modal)
            confirm = modal.query_one("#confirm", Button)
            assert not confirm.disabled, checks(modal)
            confirm.press()
            await settle(pilot)
            assert not isinstance(app.screen, ArrangementModal)

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    arrangement_id, first_debt, frequency = db.execute(
        "SELECT id, debt_id, frequency FROM arrangement WHERE case_id = ?", (case_id,)
    ).fetchone()
    assert (first_debt, frequency) == (council_tax[0], "weekly")
    assert db.execute(
        "SELECT debt_id, position, amount FROM arrangement_debt WHERE arrangement_id = ? "
        "ORDER BY position",
        (arrangement_id,),
    ).fetchall() == [(council_tax[0], 1, council_tax[1]), (hb[0], 2, hb[1])]
    assert db.execute(
        "SELECT DISTINCT amount FROM instalment WHERE arrangement_id = ? AND number = 1",
        (arrangement_id,),
    ).fetchall() == [(12230,)]


def test_paying_a_debt_before_council_tax_needs_a_reason(demo_store: Store, tmp_path: Path) -> None:
    case_id = several_debts_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("r")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ArrangementModal)
            await fill(pilot, modal, count="12")
            debts = modal.query_one("#debts", SelectionList)
            debts.focus()
            debts.highlighted = 1  # the HB overpayment, second under policy
            await pilot.press("alt+up")
            await pilot.pause()
            assert text_of(modal, "#order").startswith(
                "Paid in order: 1. Housing benefit overpayment"
            )
            assert "give an override reason to pay them in this order" in checks(modal)
            confirm = modal.query_one("#confirm", Button)
            assert confirm.disabled
            await fill(pilot, modal, override="HB recovery agreed with the benefits team")
            assert "overridden: HB recovery agreed with the benefits team" in checks(modal)
            assert not confirm.disabled, checks(modal)
            confirm.press()
            await settle(pilot)

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    arrangement_id, reason = db.execute(
        "SELECT id, override_reason FROM arrangement WHERE case_id = ?", (case_id,)
    ).fetchone()
    assert reason == "HB recovery agreed with the benefits team"
    assert [
        t
        for (t,) in db.execute(
            "SELECT d.debt_type FROM arrangement_debt l JOIN debt d ON d.id = l.debt_id "
            "WHERE l.arrangement_id = ? ORDER BY l.position",
            (arrangement_id,),
        )
    ][:2] == ["hb_overpayment", "council_tax"]


def test_the_builder_opened_with_r_compares_with_the_saved_assessment(
    demo_store: Store, tmp_path: Path
) -> None:
    """Review of issue 16: only Ctrl+U from the affordability form passed the council's
    offer; a statement saved (Ctrl+S), then `r`, built and saved instalments above what the
    debtor can afford without a word. The saved offer now fills the instalment, the preview
    compares with it, and the arrangement's event keeps the warning."""
    case_id = several_debts_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            await fill(
                pilot,
                app.screen,
                income__earnings="£1,450",
                fixed_costs__rent="600",
                flexible_costs__food_and_housekeeping="300",
            )
            await pilot.press("ctrl+s")
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert app.screen is debtor
            await pilot.press("r")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ArrangementModal)
            assert modal.query_one("#instalment", Input).value == "530.00"
            await fill(pilot, modal, instalment="700")
            assert "instalments of £700.00 a month are above the assessed surplus of £530.00" in (
                checks(modal)
            )
            confirm = modal.query_one("#confirm", Button)
            assert not confirm.disabled, checks(modal)
            confirm.press()
            await settle(pilot)
            assert not isinstance(app.screen, ArrangementModal)

    asyncio.run(run())
    warnings = opened(
        demo_store,
        one(
            demo_store,
            f"SELECT payload FROM event WHERE kind = 'arrangement.made' AND case_id = '{case_id}'",
        )[0],
    )["warnings"]
    assert any(
        "instalments of £700.00 a month are above the assessed surplus of £530.00" in w
        for w in warnings
    )


def test_enter_in_the_builders_last_field_confirms_it(demo_store: Store, tmp_path: Path) -> None:
    """Issue 22: Enter in a dialog's last field submits it. Enter in Total moves on to the
    next field; Enter in Override (the last) confirms the arrangement shown."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            modal = await open_builder(pilot)
            await fill(pilot, modal, total="300", count="3", first="2026-12-01")
            modal.query_one("#total", Input).focus()
            await pilot.press("enter")
            assert app.focused is modal.query_one("#first", Input)
            modal.query_one("#override", Input).focus()
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    (kind,) = one(demo_store, "SELECT kind FROM event ORDER BY seq DESC LIMIT 1")
    assert kind == "arrangement.made"


def test_the_builder_is_built_once_and_opens_fresh_on_each_case(
    demo_store: Store, tmp_path: Path
) -> None:
    """`r` showed a builder built and styled from nothing each time (most of what it took
    through a terminal). One is kept for the case screen; each open starts from the case as
    it is: what was typed, unticked or chosen last time is gone."""
    from tests.test_tui_call import choose, save

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            modal = await open_builder(pilot)
            debtor = app.screen_stack[-2]
            assert isinstance(debtor, DebtorScreen)
            fresh = {key: modal.query_one(f"#{key}", Input).value for key in ("total", "first")}
            first_case_debts = modal.query_one("#debts", SelectionList).selected
            await fill(pilot, modal, instalment="99", override="a reason", count="")
            modal.query_one("#frequency", ChoiceField).value = "weekly"
            modal.query_one("#debts", SelectionList).deselect_all()
            await pilot.pause()
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert app.screen is modal  # the same builder, shown again
            assert {k: modal.query_one(f"#{k}", Input).value for k in ("total", "first")} == fresh
            assert modal.query_one("#instalment", Input).value == ""
            assert modal.query_one("#override", Input).value == ""
            assert modal.query_one("#frequency", ChoiceField).value == "monthly"
            assert modal.query_one("#debts", SelectionList).selected == first_case_debts
            assert modal.query_one("#debts", SelectionList).has_focus
            assert modal.query_one("#preview", DataTable).row_count == 0  # nothing to pay yet
            await pilot.press("escape")
            await settle(pilot)
            before = debtor.case_id
            await pilot.press("o")
            await settle(pilot)
            await choose(pilot, "RPC")
            await save(pilot)
            assert app.screen_stack[-1:] == [debtor]
            assert debtor.case_id != before  # the next case
            await pass_idv(pilot)
            await pilot.press("r")
            await settle(pilot)
            assert app.screen is modal
            ids = {d.id for d in debtor.view.debts} if debtor.view else set()
            assert set(modal.query_one("#debts", SelectionList).selected) <= ids
            assert modal.query_one("#debts", SelectionList).selected
            assert not set(modal.query_one("#debts", SelectionList).selected) & set(
                first_case_debts
            )

    asyncio.run(run())


def test_alt_up_and_down_in_a_text_field_do_not_reorder_the_debts(
    demo_store: Store, tmp_path: Path
) -> None:
    """Alt+Up/Alt+Down pay the highlighted debt earlier or later from the debts list; typed
    while the officer edits a figure (a text field has focus) they leave the order alone."""
    case_id = several_debts_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("r")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ArrangementModal)
            before = list(modal.order)
            modal.query_one("#debts", SelectionList).highlighted = 1
            modal.query_one("#count", Input).focus()
            await pilot.press("alt+up", "alt+down", "alt+down")
            await settle(pilot)
            assert modal.order == before
            assert isinstance(app.focused, Input)
            modal.query_one("#debts", SelectionList).focus()  # from the list they still do
            await pilot.press("alt+up")
            await settle(pilot)
            assert modal.order == [before[1], before[0], *before[2:]]

    asyncio.run(run())
