"""The call, done right, through the real app: ID&V per call, nothing disclosed or agreed
before it, holds refusing forms up front, Esc back to the queue without counting a call,
quitting and crashing with a call open. Each test is a finding of issue 16, reproduced."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button

from drp_tui.app import DrpApp
from drp_tui.store.engine import Store
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from screens.outcome import OutcomeModal
from screens.queue import QueueScreen
from tests.conftest import DEMO_NOW
from tests.test_tui_call import choose, save
from tests.tui import (
    app_for,
    breathing_space_case,
    fill,
    open_first_case,
    pass_idv,
    settle,
    text_of,
)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return sqlite3.connect(store.path).execute(sql).fetchall()


def count(store: Store, sql: str) -> int:
    return int(rows(store, sql)[0][0])


def calls_after(store: Store, mark: int, columns: str = "status") -> list[tuple[Any, ...]]:
    """The calls made since `mark` (the demo's own history has thousands)."""
    return rows(store, f"SELECT {columns} FROM call WHERE rowid > {mark} ORDER BY rowid")


def call_mark(store: Store) -> int:
    return count(store, "SELECT coalesce(max(rowid), 0) FROM call")


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


def test_each_call_starts_masked_and_a_failed_check_masks_again(
    demo_store: Store, tmp_path: Path
) -> None:
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            case_id = debtor.case_id
            await pass_idv(pilot)
            assert debtor.view is not None
            assert debtor.view.verified
            assert "£•" not in text_of(debtor, "#case-header")
            # A later failed check on the same call masks it again.
            await pass_idv(pilot, "postcode")
            assert debtor.view is not None
            assert not debtor.view.verified
            assert "ID&V needed" in text_of(debtor, "#case-header")
            await pass_idv(pilot)
            await press(pilot, "o")
            await choose(pilot, "RPC")
            await save(pilot)
            # The next case opened; Esc leaves it not dialled, back to the queue.
            await press(pilot, "escape")
            assert isinstance(app.screen, QueueScreen)
            # The same case again is a new call: masked again, nothing carried over.
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            again = app.screen
            assert isinstance(again, DebtorScreen)
            assert again.view is not None
            assert not again.view.verified
            assert again.view.call is not None
            assert again.view.call.idv_result == "not_attempted"

    asyncio.run(run())
    calls = calls_after(demo_store, mark, "idv_result, status")
    assert ("passed", "ended") in calls
    assert ("not_attempted", "not_dialled") in calls


def test_no_promise_or_arrangement_form_before_id_and_v_and_no_rpc_offered(
    demo_store: Store, tmp_path: Path
) -> None:
    promises = count(demo_store, "SELECT count(*) FROM promise")
    refused = count(demo_store, "SELECT count(*) FROM event WHERE kind = 'action.refused'")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            for key in ("p", "r", "a"):
                await press(pilot, key)
                assert app.screen is debtor  # refused before any form opened
            await press(pilot, "o")
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            offered = set(modal.codes)
            assert not {"RPC", "PTP", "ARR", "PAID"} & offered
            assert {"NA", "VM", "TPC", "WRONG"} <= offered
            assert "RPC-IDV-FAIL" not in offered  # no check has failed on this call
            await press(pilot, "escape")
            # After ID&V the forms open and the right-party codes are offered.
            await pass_idv(pilot)
            await press(pilot, "r")
            assert isinstance(app.screen, ArrangementModal)
            await press(pilot, "escape")
            await press(pilot, "o")
            assert isinstance(app.screen, OutcomeModal)
            assert {"RPC", "PTP", "ARR"} <= set(app.screen.codes)

    asyncio.run(run())
    assert count(demo_store, "SELECT count(*) FROM promise") == promises
    after = count(demo_store, "SELECT count(*) FROM event WHERE kind = 'action.refused'")
    assert after == refused + 3  # each attempt is in the audit trail


def test_nothing_of_the_account_shows_before_id_and_v(demo_store: Store, tmp_path: Path) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            assert debtor.view is not None
            assert all(line.detail == "(detail after ID&V)" for line in debtor.view.history)
            history = text_of(debtor, "#history-lines")
            assert "total " not in history
            assert "amount " not in history
            assert all(d.balance is None for d in debtor.view.debts)

    asyncio.run(run())


def test_on_a_hold_the_script_stops_asking_for_money_and_forms_are_refused_up_front(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = breathing_space_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            await pass_idv(pilot)
            script = text_of(debtor, "#script")
            assert "on hold" in script
            assert "If it is not paid" not in script
            routes = text_of(debtor, "#routes")
            assert "closed: arrangement" in routes
            assert "closed: referral" in routes
            for key in ("p", "r", "e"):
                await press(pilot, key)
                assert app.screen is debtor  # no form opened, then refused at Save
            await press(pilot, "o")
            assert isinstance(app.screen, OutcomeModal)
            assert "PTP" not in app.screen.codes

    asyncio.run(run())
    refusals = rows(
        demo_store,
        "SELECT json_extract(payload, '$.action') FROM event WHERE kind = 'action.refused' "
        f"AND case_id = '{case_id}'",
    )
    assert sorted(r[0] for r in refusals) == ["demand_payment", "escalate", "make_arrangement"]


def test_esc_goes_back_to_the_queue_and_a_skip_is_not_a_call(
    demo_store: Store, tmp_path: Path
) -> None:
    mark = call_mark(demo_store)
    attempts = count(demo_store, "SELECT count(*) FROM contactattempt")
    contacts = count(demo_store, "SELECT count(*) FROM event WHERE kind = 'contact.recorded'")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            top = queue.shown[0].case_id
            figures = text_of(queue, "#figures")
            await open_first_case(pilot)
            await press(pilot, "escape")
            assert app.screen is queue  # back to the queue, not the next case
            assert isinstance(queue, QueueScreen)
            assert queue.shown[0].case_id == top  # the case keeps its place
            assert text_of(queue, "#figures") == figures  # not counted as a call

    asyncio.run(run())
    assert count(demo_store, "SELECT count(*) FROM contactattempt") == attempts
    assert (
        count(demo_store, "SELECT count(*) FROM event WHERE kind = 'contact.recorded'") == contacts
    )
    assert calls_after(demo_store, mark) == [("not_dialled",)]


def test_esc_after_work_on_the_call_asks_for_its_outcome_then_returns_to_the_queue(
    demo_store: Store, tmp_path: Path
) -> None:
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            await open_first_case(pilot)
            await pass_idv(pilot)
            await press(pilot, "escape")
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            assert "before leaving" in text_of(modal, "#outcome-title")
            await choose(pilot, "RPC")
            await save(pilot)
            assert app.screen is queue

    asyncio.run(run())
    assert calls_after(demo_store, mark) == [("ended",)]


def test_quitting_with_a_call_open_asks_for_its_outcome(demo_store: Store, tmp_path: Path) -> None:
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await press(pilot, "ctrl+q")
            assert isinstance(app.screen, OutcomeModal)  # not gone
            await choose(pilot, "RPC")
            await save(pilot)
            await settle(pilot)
        assert app.return_code == 0

    asyncio.run(run())
    assert calls_after(demo_store, mark) == [("ended",)]


def test_a_call_left_open_by_a_crash_is_offered_on_the_next_start(
    demo_store: Store, tmp_path: Path
) -> None:
    mark = call_mark(demo_store)

    async def crash() -> str:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            await pass_idv(pilot)
            return debtor.case_id
            # Killed here: no outcome, no quit. (run_test's exit is not drp's quit path.)

    case_id = asyncio.run(crash())
    assert calls_after(demo_store, mark, "status, idv_result") == [("open", "passed")]

    async def restart() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            assert debtor.case_id == case_id
            # Cut off: masked, and nothing new agreed on it (review of issue 16).
            assert debtor.view is not None
            assert not debtor.view.verified
            assert "cut off" in text_of(debtor, "#case-header")
            await press(pilot, "p")
            assert app.screen is debtor
            await press(pilot, "o")
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            assert "RPC" in modal.codes
            assert "PTP" not in modal.codes
            await choose(pilot, "RPC")
            await save(pilot)
            assert isinstance(app, DrpApp)

    asyncio.run(restart())
    # The resumed call is ended; the next case opened after it is a new call.
    assert calls_after(demo_store, mark)[0] == ("ended",)


def test_the_whole_call_done_right(demo_store: Store, tmp_path: Path) -> None:
    """Issue 16's whole call: open → a promise refused before ID&V → ID&V passed →
    affordability opens with the last saved statement → an arrangement over two debts,
    council tax first → the outcome → back to the queue; every row and event checked, and the
    same case opened again is masked."""
    from drp_tui.services.assessments import save_assessment
    from drp_tui.services.casework import Actor
    from screens.affordability import AffordabilityScreen

    case_id, debts = rows(
        demo_store,
        'SELECT c.id, group_concat(d.debt_type) FROM "case" c JOIN debt d ON d.case_id = c.id '
        "JOIN person p ON p.id = c.person_id WHERE c.officer_id = 'jmorgan' AND c.hold_kind IS "
        "NULL AND p.deceased_on IS NULL AND d.balance > 0 AND NOT EXISTS (SELECT 1 FROM "
        "breathingspace b WHERE b.person_id = c.person_id) AND NOT EXISTS (SELECT 1 FROM "
        "placement x JOIN debt y ON y.id = x.debt_id WHERE y.case_id = c.id) GROUP BY c.id "
        "HAVING count(*) = 2 AND sum(d.debt_type = 'council_tax') = 1 "
        "AND count(DISTINCT d.jurisdiction) = 1 ORDER BY c.reference LIMIT 1",
    )[0]
    assert "council_tax" in debts
    earlier = Actor("akhan", clock=lambda: DEMO_NOW - timedelta(days=3))
    save_assessment(
        demo_store,
        earlier,
        case_id=case_id,
        statement={"income": {"earnings": {"amount": "1500.00", "frequency": "monthly"}}},
        result={},
        surplus=Decimal("1500"),
        available_for_priority=Decimal("1480"),
    )
    mark = call_mark(demo_store)
    last_event = count(demo_store, "SELECT max(seq) FROM event")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            await press(pilot, "p")
            assert app.screen is debtor  # refused before ID&V, no form
            await pass_idv(pilot)
            await press(pilot, "a")
            calculator = app.screen
            assert isinstance(calculator, AffordabilityScreen)
            assert "Statement of 20 Nov 2026, by akhan" in text_of(calculator, "#af-title")
            await press(pilot, "escape")
            await press(pilot, "r")
            builder = app.screen
            assert isinstance(builder, ArrangementModal)
            chosen = builder.chosen()
            assert chosen[0].debt_type == "council_tax"  # paid first
            assert len(chosen) == 2
            owed = sum((d.balance or Decimal(0) for d in chosen), Decimal(0))
            await fill(
                pilot,
                builder,
                total=f"{owed:.2f}",
                count="12",
                first="2026-12-01",
                override="low income: team leader agreed",
            )
            assert not builder.query_one("#confirm", Button).disabled, text_of(builder, "#checks")
            builder.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is debtor
            await press(pilot, "escape")  # work on the call: its outcome first
            await choose(pilot, "ARR", notes="12 monthly payments, council tax first")
            await save(pilot)
            assert app.screen is queue
            # The same case again is a new call, masked.
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            again = app.screen
            assert isinstance(again, DebtorScreen)
            assert again.view is not None
            assert not again.view.verified
            assert all(d.balance is None for d in again.view.debts)

    asyncio.run(run())
    assert calls_after(demo_store, mark, "idv_result, status") == [
        ("passed", "ended"),
        ("not_attempted", "open"),
    ]
    arrangement_id, frequency = rows(
        demo_store, "SELECT id, frequency FROM arrangement ORDER BY rowid DESC LIMIT 1"
    )[0]
    assert frequency == "monthly"
    linked = rows(
        demo_store,
        "SELECT d.debt_type, l.position FROM arrangement_debt l JOIN debt d ON d.id = l.debt_id "
        f"WHERE l.arrangement_id = '{arrangement_id}' ORDER BY l.position",
    )
    assert linked[0] == ("council_tax", 1)
    assert len(linked) == 2
    assert rows(
        demo_store,
        "SELECT outcome_code, right_party, idv_result FROM contactattempt "
        f"WHERE case_id = '{case_id}' ORDER BY rowid DESC LIMIT 1",
    ) == [("ARR", 1, "passed")]
    kinds = [
        k
        for (k,) in rows(
            demo_store,
            f"SELECT kind FROM event WHERE case_id = '{case_id}' AND seq > {last_event} "
            "ORDER BY seq",
        )
    ]
    assert kinds == [
        "case.viewed",
        "action.refused",
        "idv.recorded",
        "arrangement.made",
        "contact.recorded",
        "case.viewed",
    ]
