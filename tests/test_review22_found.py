"""Hostile review of issue 22 (s3-rev22): defects found driving the real app in tmux and the
CLI. Each test fails on the reviewed code (f5f7cba) and says what an officer expects."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input, Select
from typer.testing import CliRunner

from drp_tui.cli.main import app as cli
from drp_tui.store.engine import Store
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.test_tui_jobs import dialog_text, store_locked, until_a_write_waits
from tests.tui import app_for, open_first_case, settle


def test_a_promise_keyed_straight_after_id_and_v_is_not_refused_as_no_id_and_v(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux: `i Space Tab Space Tab Tab Tab Enter p` in one burst on a new case: the ID&V is
    recorded as passed, then the promise is refused "ID&V not done on this call" and an
    `action.refused` event is written AFTER `idv.recorded` (passed) in the audit trail. The
    refusal is judged on the view read before the ID&V write landed. Here the write waits
    for the store (a sync holds it) so the race is certain. Expected: `p` waits for the
    ID&V in flight (or the check is made on the store), the promise form opens, and the
    audit trail never says a promise was refused for no ID&V after ID&V passed."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            with store_locked(demo_store):
                await pilot.press("i")
                await pilot.pause()
                await pilot.click("#check-date_of_birth")
                await pilot.click("#check-postcode")
                await pilot.click("#record")
                await until_a_write_waits(pilot)
                await pilot.press("p")  # the officer's next key, typed straight after
                await pilot.pause()
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal), app.screen_stack

    asyncio.run(run())
    kinds = [
        kind
        for (kind,) in sqlite3.connect(demo_store.path).execute(
            "SELECT kind FROM event ORDER BY seq DESC LIMIT 3"
        )
    ]
    assert "action.refused" not in kinds, kinds


def test_enter_in_the_outcome_forms_last_field_saves_it(demo_store: Store, tmp_path: Path) -> None:
    """Issue 22: "Enter in a dialog's last field submits it". tmux: `o`, choose an outcome,
    Tab to Notes, type, Enter: nothing happens (the promise form `p` is the same modal; the
    arrangement builder's Override is the same). Expected: the outcome is saved."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pilot.press("o")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, OutcomeModal)
            form.query_one("#code", Select).value = "NA"
            await pilot.pause()
            form.query_one("#notes", Input).focus()
            await pilot.press("x", "enter")
            await settle(pilot)
            assert not isinstance(app.screen, OutcomeModal), "Enter in Notes did not save"

    asyncio.run(run())


def test_rebalance_does_not_hand_cases_to_an_officer_who_is_away(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`drp queue rebalance --absent akhan --until 2026-11-26`, then (same team, same day)
    `--absent jmorgan --until 2026-11-25`: on the demo, 37 of jmorgan's cases went to akhan,
    who is away until the 26th. Expected: an officer lent out as absent is not a recipient."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    runner = CliRunner()
    first = runner.invoke(
        cli, ["queue", "rebalance", "--absent", "akhan", "--until", "2026-11-26", "--json"]
    )
    assert first.exit_code == 0, first.stderr
    second = runner.invoke(
        cli, ["queue", "rebalance", "--absent", "jmorgan", "--until", "2026-11-25", "--json"]
    )
    assert second.exit_code == 0, second.stderr
    given = {o["officer"]: o["cases"] for o in json.loads(second.stdout)["officers"]}
    assert given.get("akhan", 0) == 0, given


def test_quitting_from_the_affordability_form_and_going_back_keeps_the_figures_typed(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux (80x24 and 120x40): on a call with ID&V passed, `a`, type earnings, Ctrl+Q: the
    form is popped without a word (app.action_quit pops every screen over the call), the quit
    asks for the outcome; Back (Esc) returns to the debtor screen and `a` opens blank: the
    statement typed is gone. Expected: Back from the quit question returns to the form with
    the figures as typed (or the quit says the unsaved statement will be lost)."""
    from screens.affordability import AffordabilityScreen
    from tests.tui import pass_idv

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, AffordabilityScreen)
            await pilot.press(*"1450")
            await settle(pilot)
            await pilot.press("ctrl+q")  # says the statement is not saved
            await settle(pilot)
            await pilot.press("ctrl+q")  # again: quit without it
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal)  # the quit asks for the outcome
            await pilot.press("escape")  # Back: the officer stays on the call
            await settle(pilot)
            if not isinstance(app.screen, AffordabilityScreen):
                await pilot.press("a")
                await settle(pilot)
            form = app.screen
            assert isinstance(form, AffordabilityScreen)
            assert form.query_one("#income__earnings", Input).value == "1450"

    asyncio.run(run())


def test_a_statement_whose_save_failed_after_esc_can_be_had_back(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux: with a sync holding the store, Ctrl+S then Esc in the affordability form: 10 s
    later "Not saved: the affordability statement … Nothing was saved and nothing is lost"
    (here the save fails inside its write, after the form has closed);
    but `a` opens blank: every figure typed is lost. Expected: what the failure says is
    true: reopening the form gives the statement that was not saved."""
    from screens.affordability import AffordabilityScreen
    from tests.test_tui_jobs import refuse
    from tests.tui import pass_idv

    refuse(demo_store, "assessment")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            assert isinstance(app.screen, AffordabilityScreen)
            await pilot.press(*"1450")
            await settle(pilot)
            with store_locked(demo_store):  # a sync holds the store: the save waits
                await pilot.press("ctrl+s")
                await until_a_write_waits(pilot)
                await pilot.press("escape")
                await pilot.pause()
            await settle(pilot)  # the save then fails (as a full disk would)
            assert "nothing is lost" in dialog_text(pilot)
            await pilot.press("enter")  # OK on "Not saved … nothing is lost"
            await settle(pilot)
            await pilot.press("a")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, AffordabilityScreen)
            assert form.query_one("#income__earnings", Input).value == "1450"

    asyncio.run(run())


def test_a_write_off_is_not_approved_by_one_typed_character(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`drp writeoff list` shows 8-character ids to type back; `drp writeoff approve f`
    approved request fc0c122a (£ written off) on the demo because one character happened to
    match one request. A slip of one key approves money off a debt. Expected: an id shorter
    than the one listed is bad input (exit 2), as an ambiguous one already is."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    (debt,) = (
        sqlite3.connect(demo_store.path)
        .execute(
            'SELECT d.host_ref FROM debt d JOIN "case" c ON c.id = d.case_id WHERE '
            "c.officer_id = 'jmorgan' AND d.balance > 20 AND NOT EXISTS (SELECT 1 FROM "
            "placement p WHERE p.debt_id = d.id) ORDER BY d.host_ref LIMIT 1"
        )
        .fetchone()
    )
    runner = CliRunner()
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    asked = runner.invoke(
        cli,
        [
            "writeoff",
            "request",
            "--debt",
            debt,
            "--reason",
            "bankrupt",
            "--amount",
            "10",
            "--note",
            "BR order on file",
            "--evidence",
            "insolvency_reference=BR-123",
        ],
    )
    assert asked.exit_code == 0, asked.stderr
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    listed = json.loads(runner.invoke(cli, ["writeoff", "list", "--json"]).stdout)
    (request,) = listed["writeoffs"]
    request_id = str(request["id"])
    approved = runner.invoke(cli, ["writeoff", "approve", request_id[0]])
    assert approved.exit_code == 2, approved.stdout


def test_ctrl_q_while_the_outcome_is_saving_quits_and_opens_no_other_call(
    demo_store: Store, tmp_path: Path
) -> None:
    """Outcome RPC saved while a sync holds the store (the save waits), then Ctrl+Q: once
    the store is free, drp does not quit. The outcome's `then` is still "next", so the next
    case is opened: a new call (status 'open', a `case.viewed` audited) on a case the officer
    never chose and that is not even on screen; then the quit's own `leave_call` runs on the
    ended call and fails: "Not saved: leaving the call — … has ended: open the case again —
    try again". Expected: drp quits once the outcome is saved; no other call is opened."""
    open_calls = "SELECT count(*) FROM call WHERE status = 'open'"
    (before,) = sqlite3.connect(demo_store.path).execute(open_calls).fetchone()

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            from tests.tui import pass_idv

            await pass_idv(pilot)
            await pilot.press("o")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, OutcomeModal)
            form.query_one("#code", Select).value = "RPC"
            await pilot.pause()
            with store_locked(demo_store):
                await pilot.click("#save")
                await until_a_write_waits(pilot)
                await pilot.press("ctrl+q")
                await pilot.pause()
            await settle(pilot)

    asyncio.run(run())
    (after,) = sqlite3.connect(demo_store.path).execute(open_calls).fetchone()
    assert after == before
