"""A whole call through the real app: queue, case, ID&V, outcome, next case; and the rules
that guard it (no leaving a call without an outcome, holds refuse payment demands, bad input
saves nothing)."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Input, Select, Static

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.idv import IdvModal
from screens.outcome import OutcomeModal
from screens.queue import QueueScreen
from tests.sealed import opened
from tests.tui import (
    app_for,
    breathing_space_case,
    fill,
    full_name,
    open_first_case,
    pass_idv,
    settle,
    text_of,
)


async def save(pilot: Pilot[Any]) -> None:
    """Press Save (as Enter on the button would), then let the app settle."""
    pilot.app.screen.query_one("#save", Button).press()
    await settle(pilot)


async def choose(pilot: Pilot[Any], code: str, **fields: str) -> None:
    modal = pilot.app.screen
    assert isinstance(modal, OutcomeModal)
    modal.query_one("#code", Select).value = code
    await pilot.pause()
    await fill(pilot, modal, **fields)


def count(store: Store, sql: str) -> int:
    return int(sqlite3.connect(store.path).execute(sql).fetchone()[0])


def test_a_whole_call_saves_the_outcome_and_opens_the_next_case(
    demo_store: Store, tmp_path: Path
) -> None:
    attempts_before = count(demo_store, "SELECT count(*) FROM contactattempt")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            first = await open_first_case(pilot)
            first_case = first.case_id
            await pass_idv(pilot, "date_of_birth", "account_reference")
            assert first.view is not None
            first_name, first_reference = first.view.name, first.view.reference
            await pilot.press("o")
            await pilot.pause()
            await choose(pilot, "PTP", amount="£50", date="2026-11-30", notes="paying Friday")
            await save(pilot)
            await settle(pilot)
            nxt = app.screen
            assert isinstance(nxt, DebtorScreen)
            assert nxt.case_id != first_case
            assert nxt.on_call
            assert not nxt.recorded
            # The next case starts over: masked until its own ID&V, nothing of the last.
            assert nxt.view is not None
            assert nxt.view.case_id == nxt.case_id
            assert not nxt.view.verified
            person = text_of(nxt, "#person")
            assert first_name not in person
            assert full_name(demo_store, nxt.case_id) not in person
            header = text_of(nxt, "#case-header")
            assert nxt.view.reference in header
            assert first_reference not in header
            assert "ID&V needed" in header

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    assert count(demo_store, "SELECT count(*) FROM contactattempt") == attempts_before + 1
    attempt = db.execute(
        "SELECT outcome_code, right_party, idv_result, notes FROM "
        "contactattempt ORDER BY rowid DESC LIMIT 1"
    ).fetchone()
    assert attempt == ("PTP", 1, "passed", "paying Friday")
    assert db.execute(
        "SELECT amount, due_on, officer_id FROM promise ORDER BY rowid DESC LIMIT 1"
    ).fetchone() == (5000, "2026-11-30", "jmorgan")
    kinds = [r[0] for r in db.execute("SELECT kind FROM event ORDER BY seq DESC LIMIT 4")]
    assert {"contact.recorded", "promise.made"} <= set(kinds)


@pytest.mark.parametrize("saved_by", ["enter", "click"])
def test_the_next_case_opens_without_the_queue_shown_in_between(
    demo_store: Store, tmp_path: Path, saved_by: str
) -> None:
    """Saving an outcome goes straight to the next case on the case screen: the queue, with
    its rows and counters from before the call, is not shown for a moment in between (it
    flashed for a second on a busy machine), and the keys typed meanwhile wait for the next
    case."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            first = await open_first_case(pilot)
            first_case = first.case_id
            shown: list[Screen[Any]] = []
            app.screen_change_signal.subscribe(app, shown.append, immediate=True)
            await pilot.press("o")
            await pilot.pause()
            await choose(pilot, "NA")
            if saved_by == "enter":
                app.screen.query_one("#save", Button).focus()
                await pilot.press("enter", "i")  # i typed while it saves: for the next case
            else:  # the first key after a click has no key before it to wait behind
                await pilot.click("#save")
                await pilot.press("i")
            await settle(pilot)
            assert isinstance(app.screen, IdvModal)
            nxt = app.screen_stack[-2]
            assert isinstance(nxt, DebtorScreen)
            assert nxt.case_id != first_case
            assert nxt.view is not None
            assert nxt.view.case_id == nxt.case_id
            assert not [s for s in shown if isinstance(s, QueueScreen)], shown

    asyncio.run(run())


def test_bad_input_shows_inline_and_saves_nothing(demo_store: Store, tmp_path: Path) -> None:
    before = count(demo_store, "SELECT count(*) FROM contactattempt")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("o")
            await pilot.pause()
            for fields, message in (
                ({"amount": "12.345", "date": "2026-11-30"}, "amount"),
                ({"amount": "£20", "date": "2026-02-31"}, "not a real date"),
                ({"amount": "£20", "date": "2026-11-01"}, "in the past"),
            ):
                await choose(pilot, "PTP", **fields)
                await save(pilot)
                assert isinstance(app.screen, OutcomeModal)
                assert message in str(app.screen.query_one("#error", Static).render())
            await choose(pilot, "CALLBACK", callback_at="2026-11-29 10:00")
            await save(pilot)
            assert "no calls on Sundays" in str(app.screen.query_one("#error", Static).render())
            await choose(pilot, "WRONG")
            await save(pilot)
            assert "which number" in str(app.screen.query_one("#error", Static).render())

    asyncio.run(run())
    assert count(demo_store, "SELECT count(*) FROM contactattempt") == before


def test_a_call_cannot_be_left_without_an_outcome(demo_store: Store, tmp_path: Path) -> None:
    """Once anything is recorded on a call (here a note), Esc and n ask for its outcome;
    Back returns to the case. (A call nothing happened on is left as not dialled:
    tests/test_tui_call_rules.py.)"""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await open_first_case(pilot)
            app.workstation.add_note(debtor.case_id, "Rang, line dropped before anyone spoke")
            for key in ("escape", "n"):
                await pilot.press(key)
                await settle(pilot)
                assert isinstance(app.screen, OutcomeModal)
                assert "before leaving" in str(
                    app.screen.query_one("#outcome-title", Static).render()
                )
                await pilot.click("#back")
                await pilot.pause()
                assert isinstance(app.screen, DebtorScreen)
            await pilot.press("escape")
            await settle(pilot)
            await choose(pilot, "ABANDONED")
            await save(pilot)
            assert "needs a reason" in str(app.screen.query_one("#error", Static).render())
            await choose(pilot, "ABANDONED", reason="line dropped before answer")
            await save(pilot)

    asyncio.run(run())
    assert sqlite3.connect(demo_store.path).execute(
        "SELECT outcome_code, abandon_reason, idv_result FROM contactattempt "
        "ORDER BY rowid DESC LIMIT 1"
    ).fetchone() == ("ABANDONED", "line dropped before answer", "not_attempted")


def test_breathing_space_refuses_a_promise_and_records_the_attempt(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = breathing_space_case(demo_store)
    promises = count(demo_store, "SELECT count(*) FROM promise")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            app.push_screen(DebtorScreen(app.workstation, case_id, reason="queue"))
            await settle(pilot)
            await pass_idv(pilot)
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)  # refused before the form opened

    asyncio.run(run())
    assert count(demo_store, "SELECT count(*) FROM promise") == promises
    refused = (
        sqlite3.connect(demo_store.path)
        .execute(
            "SELECT case_id, payload FROM event WHERE kind = 'action.refused' ORDER BY seq DESC "
            "LIMIT 1"
        )
        .fetchone()
    )
    assert refused[0] == case_id
    assert "demand_payment" in str(opened(demo_store, refused[1]))


def test_help_notes_and_promise_keys(demo_store: Store, tmp_path: Path) -> None:
    from screens.dialog import PromptModal
    from screens.help import HelpScreen

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("f1")
            await pilot.pause()
            assert isinstance(app.screen, HelpScreen)
            text = str(app.screen.query_one(Static).render())
            for key in (
                "ID&V",
                "Affordability",
                "Arrangement",
                "Outcome",
                "Promise",
                "Note",
                "Open case",
            ):
                assert key in text
            await pilot.press("escape")
            await pilot.pause()
            await pilot.press("t")
            await pilot.pause()
            assert isinstance(app.screen, PromptModal)
            app.screen.query_one("#confirm", Button).press()
            await pilot.pause()
            assert "Write something" in str(app.screen.query_one("#message", Static).render())
            app.screen.query_one("#text", Input).value = "Asked for statement by post"
            app.screen.query_one("#confirm", Button).press()
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            assert debtor.view is not None
            assert debtor.view.history[0].detail == "text Asked for statement by post"
            await pilot.press("p")
            await pilot.pause()
            assert isinstance(app.screen, OutcomeModal)
            assert app.screen.query_one("#code", Select).value == "PTP"
            assert app.screen.query_one("#row-amount").display

    asyncio.run(run())
    [payload] = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT payload FROM event WHERE kind = 'note.added' ORDER BY seq DESC LIMIT 1")
        .fetchone()
    )
    assert "Asked for statement" not in payload  # sealed in the store ...
    assert opened(demo_store, payload) == {"text": "Asked for statement by post"}  # ... opened


def test_search_opens_another_officers_case_only_with_an_audited_reason(
    demo_store: Store, tmp_path: Path
) -> None:
    from screens.search import SearchModal

    reference, surname = (
        sqlite3.connect(demo_store.path)
        .execute(
            'SELECT c.reference, p.surname FROM "case" c JOIN person p ON p.id = c.person_id '
            "WHERE c.officer_id = 'akhan' ORDER BY c.reference LIMIT 1"
        )
        .fetchone()
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("slash")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, SearchModal)
            query = modal.query_one("#query", Input)
            query.value = "x"
            await pilot.press("enter")
            await settle(pilot)
            assert "at least two" in str(modal.query_one("#search-message", Static).render())
            query.focus()
            query.value = reference
            await pilot.press("enter")
            await settle(pilot)
            assert [h.reference for h in modal.hits] == [reference]
            await pilot.press("enter")  # choose it: not ours, so a reason is asked for
            await pilot.pause()
            assert isinstance(app.screen, SearchModal)
            assert "give a reason" in str(modal.query_one("#search-message", Static).render())
            modal.query_one("#reason", Input).value = "customer rang in, Aisha on leave"
            await pilot.press("enter")
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            assert debtor.on_call  # a search opens a call too (an inbound call, say)
            await pilot.press("escape")  # nothing happened on it: left as not dialled
            await settle(pilot)
            assert not isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    payload = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT payload FROM event WHERE kind = 'case.viewed' ORDER BY seq DESC LIMIT 1")
        .fetchone()[0]
    )
    assert "search: customer rang in, Aisha on leave" in payload
    assert sqlite3.connect(demo_store.path).execute(
        "SELECT opened_from, reason, status FROM call ORDER BY rowid DESC LIMIT 1"
    ).fetchone() == ("search", "search: customer rang in, Aisha on leave", "not_dialled")
    from drp_tui.services.caseview import search_cases

    assert reference in {hit.reference for hit in search_cases(demo_store, surname, limit=500)}


def test_a_store_failure_is_a_dialog_and_saves_nothing(demo_store: Store, tmp_path: Path) -> None:
    from screens.dialog import ErrorDialog

    with sqlite3.connect(demo_store.path) as db:  # a real failure inside the write
        db.execute(
            "CREATE TRIGGER refuse_contact BEFORE INSERT ON contactattempt "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    recorded = "SELECT count(*) FROM event WHERE kind != 'case.viewed'"
    before = count(demo_store, recorded)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("o")
            await pilot.pause()
            await choose(pilot, "NA")
            await save(pilot)
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog)
            text = " ".join(str(s.render()) for s in dialog.query(Static))
            assert "disk I/O error" in text
            assert "Nothing was saved and nothing is lost" in text
            assert "INSERT" not in text  # the database's message, not the SQL
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, DebtorScreen)
            assert not app.screen.recorded

    asyncio.run(run())
    assert count(demo_store, recorded) == before  # only the opening of the case


def test_the_whole_call_with_affordability_and_an_arrangement(
    demo_store: Store, tmp_path: Path
) -> None:
    """Queue → open → ID&V → affordability → arrangement → outcome → next case, then the
    store holds exactly what the call made."""
    from screens.affordability import AffordabilityScreen
    from screens.arrangement import ArrangementModal

    seen: dict[str, Any] = {}
    last_event = count(demo_store, "SELECT max(seq) FROM event")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            first = await open_first_case(pilot)
            seen["case"] = first.case_id
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            calculator = app.screen
            assert isinstance(calculator, AffordabilityScreen)
            await fill(
                pilot,
                calculator,
                income__earnings="£1,250",
                fixed_costs__rent="£650",
                flexible_costs__food_and_housekeeping="£400",
            )
            await pilot.press("ctrl+u")  # save and carry what is left into the builder
            await settle(pilot)
            builder = app.screen
            assert isinstance(builder, ArrangementModal)
            assert builder.query_one("#instalment", Input).value == "180.00"  # 200 less savings
            # Council tax is paid first; at £50 a month it runs past 31 March: a reason.
            await fill(pilot, builder, instalment="50", override="low income: team leader agreed")
            seen["debts"] = [d.id for d in builder.chosen()]  # all the case's, policy order
            assert not builder.query_one("#confirm", Button).disabled, text_of(builder, "#checks")
            builder.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is first
            await pilot.press("o")
            await pilot.pause()
            await choose(pilot, "ARR", notes="£50 a month agreed after SFS")
            await save(pilot)
            await settle(pilot)
            nxt = app.screen
            assert isinstance(nxt, DebtorScreen)
            assert nxt.case_id != seen["case"]

    asyncio.run(run())
    db = sqlite3.connect(demo_store.path)
    case_id = seen["case"]
    assert db.execute(
        "SELECT surplus, available_for_priority FROM assessment WHERE case_id = ?", (case_id,)
    ).fetchall() == [(20000, 18000)]
    arrangement = db.execute(
        "SELECT id, debt_id, frequency, status FROM arrangement ORDER BY rowid DESC"
    ).fetchone()
    assert arrangement[1:] == (seen["debts"][0], "monthly", "live")
    assert [
        r[0]
        for r in db.execute(
            "SELECT debt_id FROM arrangement_debt WHERE arrangement_id = ? ORDER BY position",
            (arrangement[0],),
        )
    ] == seen["debts"]
    amounts = {
        r[0]
        for r in db.execute(
            "SELECT amount FROM instalment WHERE arrangement_id = ? AND number > 0 "
            "ORDER BY number DESC LIMIT -1 OFFSET 1",
            (arrangement[0],),
        )
    }
    assert amounts <= {5000}  # every instalment but the last is £50
    assert db.execute(
        "SELECT outcome_code, right_party, idv_result FROM contactattempt WHERE case_id = ? "
        "ORDER BY rowid DESC",
        (case_id,),
    ).fetchone() == ("ARR", 1, "passed")
    kinds = [
        r[0]
        for r in db.execute(
            "SELECT kind FROM event WHERE case_id = ? AND seq > ? ORDER BY seq",
            (case_id, last_event),
        )
    ]
    assert kinds == [
        "case.viewed",
        "idv.recorded",
        "assessment.saved",
        "arrangement.made",
        "contact.recorded",
    ]
