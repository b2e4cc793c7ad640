"""Hostile review (f) of issue 22 after the openings that can be withdrawn (services/opening.py,
`case.viewed` audited by calls.view_call once the case is shown). Found driving the real
`drp` in tmux (80x24, demo store) and here through Pilot; each test fails on the reviewed
code and says what an officer (and an auditor) expects."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.widgets import Input, Select, Static

from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.dialog import ErrorDialog
from screens.outcome import OutcomeModal
from tests.test_tui_call_rules import call_mark, calls_after
from tests.test_tui_input_integrity import burst
from tests.test_tui_jobs import refuse
from tests.tui import app_for, open_first_case, pass_idv, settle


def test_a_case_whose_viewing_cannot_be_audited_is_not_shown_and_nothing_is_saved(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux, 80x24, demo store, `case.viewed` refused by the store (as a full disk would):
    Enter on the top case. The terminal showed the case C0000747 (initials, stages, its
    history lines) with over it 'Not saved: the record of the case opened — the store said
    'disk I/O error' — try again. Nothing was saved and nothing is lost: the case is as it
    was before.' and the toast 'Not dialled: no call recorded, and the case keeps its
    place.'; the event table had call.not_dialled for C0000747 and no case.viewed: a case
    seen with no record of its viewing, and a call written while the officer is told
    nothing was. Expected (as open_call promises: the opening in the audit trail before
    anything of the case is shown): the case is not shown, and the officer is told the truth:
    its call was recorded as not dialled (it keeps its place), no case shown unrecorded."""
    mark = call_mark(demo_store)
    seen: list[bool] = []

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            refuse(demo_store, "event", "NEW.kind = 'case.viewed'")
            await pilot.press("enter")
            await settle(pilot)
            dialog = app.screen
            assert isinstance(dialog, ErrorDialog), app.screen_stack
            told = " ".join(str(s.render()) for s in dialog.query(Static))
            assert "Nothing was saved" not in told
            assert "no case is shown unrecorded" in told
            assert "recorded as not dialled" in told
            seen.extend(isinstance(s, DebtorScreen) for s in app.screen_stack)
            seen.extend(getattr(s, "debtor", None) is not None for s in app.screen_stack)

    asyncio.run(run())
    assert calls_after(demo_store, mark) == [("not_dialled",)]  # as the dialog says
    assert not any(seen)  # the case, unaudited, never on screen


def test_a_promise_typed_straight_after_p_fills_amount_then_date(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux, 120x40, demo store, ID&V passed: `p` (Promise), the form up with
    'PTP · Promise to pay' chosen, then `50 Tab 2026-11-30 Tab paid friday` (one
    send-keys, or typed at leisure). The terminal showed Amount '2026-11-30' and Date
    'paid friday', Notes empty: the 50 went to the outcome picker (PTP already chosen by
    `p`) and was dropped. Expected: with the outcome chosen by its key, the cursor is in
    its first field (Amount), so 50 is the amount and the date the date."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("p")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, OutcomeModal), app.screen_stack
            await burst(pilot, "50", "tab", "2026-11-30", "tab", "paid friday")
            typed = {k: form.query_one(f"#{k}", Input).value for k in ("amount", "date")}
            assert typed == {"amount": "50", "date": "2026-11-30"}
            await pilot.press("escape")
            await settle(pilot)
            await pilot.press("o")  # nothing chosen: the cursor on the outcome picker
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal), app.screen_stack
            assert app.screen.focused is app.screen.query_one("#code", Select)

    asyncio.run(run())


def test_id_and_v_on_a_cut_off_call_is_not_offered_as_something_to_try_again(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux, 80x24: a call left open by a Ctrl+Q that could not close it (store busy)
    comes back as cut off at the next start ('record its outcome (o)'). The footer still
    offers `i ID&V`; `i` opened the ID&V form, and ticking two checks and Record showed
    'Not saved: the ID&V check — call: the call on C0000539 was cut off when drp closed:
    record its outcome, then open the case again for a new call — try again.' Trying again
    fails the same way: it is a refusal, not a failure. `p` on the same call is refused at
    once with one line ('promise to pay refused: this call was cut off…'). Expected: no
    'try again' for what can never succeed on this call."""
    mark = call_mark(demo_store)

    async def crash() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(80, 24)) as pilot:
            await open_first_case(pilot)
            # Killed here: the call left open (run_test's exit is not drp's quit path).

    asyncio.run(crash())
    assert calls_after(demo_store, mark) == [("open",)]
    told: list[str] = []

    async def restart() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(80, 24), notifications=True) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, DebtorScreen)  # the call cut off, to finish
            offered = {bound.binding.action for bound in screen.active_bindings.values()}
            assert "idv" not in offered  # the footer offers no ID&V
            assert "outcome" in offered
            await pilot.press("i")
            await settle(pilot)
            assert app.screen is screen, app.screen_stack  # no ID&V form
            told.extend(str(s.render()) for s in screen.query(Static))
            told.extend(str(t.render()) for t in screen.query("Toast"))

    asyncio.run(restart())
    assert not any("try again" in line for line in told), told
    refused = [line for line in told if "ID&V check refused: this call was cut off" in line]
    assert len(refused) == 1, told
