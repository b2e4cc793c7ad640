"""Hostile review (b) of issue 22's later commits (f30736e): keys held for a form or a case,
the unsaved-statement warning, F1. Found driving the real `drp demo` in tmux; each test
fails on the reviewed code and says what an officer expects."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot

from drp_tui.app import DrpApp
from drp_tui.store.engine import Store
from screens.affordability import AffordabilityScreen
from screens.debtor import DebtorScreen
from screens.jobs import writes_running
from tests.test_tui_input_integrity import burst, keys_of
from tests.test_tui_jobs import store_locked, until_a_write_waits
from tests.threads import running_threads
from tests.tui import app_for, enforceable_case, look_at, pass_idv, settle


def listening(app: DrpApp) -> list[str]:
    """Every message the app shows, as it is shown."""
    said: list[str] = []
    notify = app.notify

    def heard(message: str, **kwargs: Any) -> None:
        said.append(message)
        notify(message, **kwargs)

    app.notify = heard  # type: ignore[method-assign]
    return said


async def keys_handled(pilot: Pilot[Any]) -> None:
    """Until every key sent is handled or held (not `settle`: a write is waiting). Held keys
    stay held until the write is back, so waiting on would only outlast the store's busy
    timeout while the test holds the store."""
    app = pilot.app
    assert isinstance(app, DrpApp)
    for _ in range(100):
        await pilot.pause()
        if not app.keys_pending or app.keys_held:
            return


def test_a_statement_being_saved_is_not_called_unsaved(demo_store: Store, tmp_path: Path) -> None:
    """tmux (a sync holding the store for 4 s, `python lock.py demo.sqlite 4`): on a case
    past ID&V, `a`, `1450`, then `Ctrl+S Escape` in one burst and `Escape` again: the
    debtor screen says "The affordability statement typed on this call is not saved: a,
    then Ctrl+S saves it" and the Esc is eaten, while the statement is being saved (it is
    saved a moment later). The warning is judged against the form as last saved, not
    the save in flight. Expected: no warning for a statement whose save is in flight (Esc
    waits for it, or the save asked counts as kept)."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        said = listening(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, enforceable_case(demo_store))
            await pass_idv(pilot)
            await burst(pilot, "a", "1450")
            assert isinstance(app.screen, AffordabilityScreen)
            with store_locked(demo_store):
                await pilot.press("ctrl+s")
                await until_a_write_waits(pilot)
                for key in keys_of("escape", "escape"):
                    app.post_message(key)
                await keys_handled(pilot)
            await settle(pilot)
            assert not [s for s in said if "not saved" in s], said

    asyncio.run(run())


def test_enter_on_a_case_while_a_cut_off_call_is_being_resumed_opens_no_hidden_call(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux: drp killed with a call open on the top case (A); `drp demo` again, and as the
    queue shows (a sync holding the store from the launch, `python lock.py demo.sqlite 4`),
    `Down Enter t` in one burst: the cut-off call on A comes up (its outcome first), and
    the `t` typed for B opens a note on A; the Enter's own opening of B goes on behind it:
    a call on B is recorded as opened, never shown, and left open (the next start says B's
    call was cut off, on a case the officer never saw). The keys held for the opening of B
    are let go when A's resumed call shows (`_opened`). Expected: no call on B left open
    unseen, and the keys typed for B not applied to A."""
    from textual.widgets import DataTable

    from screens.queue import QueueScreen
    from tests.test_tui_call_rules import call_mark, calls_after

    mark = call_mark(demo_store)

    async def crash() -> str:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            debtor = app.screen
            assert isinstance(debtor, DebtorScreen)
            return debtor.case_id

    first = asyncio.run(crash())

    async def restart() -> None:
        app = app_for(demo_store, tmp_path)
        with ExitStack() as lock:
            lock.enter_context(store_locked(demo_store))  # from the start: resuming waits
            async with app.run_test(size=(120, 40)) as pilot:
                # Until the queue is shown and the resuming of the cut-off call (a write,
                # asked once the queue is in) waits for the store.
                for _ in range(5000):
                    await pilot.pause()
                    queue = app.screen
                    shown = isinstance(queue, QueueScreen) and bool(
                        queue.query_one("#queue", DataTable).row_count
                    )
                    if shown and writes_running(app) and running_threads():
                        break
                else:
                    raise AssertionError("the queue never came, or nothing waited")
                for key in [events.Key("down", None), *keys_of("enter", "t")]:
                    app.post_message(key)
                await keys_handled(pilot)
                lock.close()  # the sync is done
                await settle(pilot)
                debtor = next(s for s in app.screen_stack if isinstance(s, DebtorScreen))
                open_calls = [
                    case
                    for case, status in calls_after(demo_store, mark, "case_id, status")
                    if status == "open"
                ]
                hidden = [case for case in open_calls if case != debtor.case_id]
                assert not hidden, (first, debtor.case_id, hidden, app.screen_stack)

    asyncio.run(restart())


def test_keys_typed_after_saving_an_outcome_go_to_the_next_case_while_the_save_waits(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux (a sync holding the store for 3 s, `python lock.py demo.sqlite 3`): on the first
    case (C0000747) `o`, `Enter Down Down Down Enter` (NA), then `Tab Enter t hello` in one
    burst (Enter in Notes saves the outcome; `t hello` is a note for the next case). The
    next case (C0000218) comes up with "Refer to an agency" open, no note: the Enter closes
    the outcome form while its save waits, and the debtor screen holds nothing (no action
    waits), so `t` reaches the old case's screen and waits there for the save; the save
    done, the old case closes and its waiting note is dropped, and `hello` reaches the next
    case as commands (`e` Refer; here in Pilot, `l` "Pass ID&V first" twice and `o` the
    outcome form). Idle, with the save quick, it works. Expected: the keys typed after an
    outcome is saved go to the next case, as commit 046d18a says ("outcome saved → next
    case")."""
    from textual.widgets import Input

    from screens.dialog import PromptModal
    from screens.outcome import OutcomeModal
    from tests.test_tui_call import choose

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        said = listening(app)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            first = app.screen
            assert isinstance(first, DebtorScreen)
            first_case = first.case_id
            await pilot.press("o")
            await settle(pilot)
            await choose(pilot, "NA")
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            await pilot.press("tab")  # from the code to Notes, its last field
            await settle(pilot)
            assert app.focused is modal.query_one("#notes", Input)
            with store_locked(demo_store):
                for key in keys_of("enter"):
                    app.post_message(key)
                await until_a_write_waits(pilot)
                for key in keys_of("t", "hello"):
                    app.post_message(key)
                await keys_handled(pilot)
            await settle(pilot)
            note = app.screen
            under = app.screen_stack[-2]
            assert isinstance(under, DebtorScreen)
            assert isinstance(note, PromptModal), (app.screen_stack, under.case_id, said)
            assert under.case_id != first_case
            assert note.query_one(Input).value == "hello"

    asyncio.run(run())
