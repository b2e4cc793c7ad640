"""Shared helpers for driving the real app with Pilot in tests."""

from __future__ import annotations

import asyncio
import sqlite3
from concurrent.futures import Future
from contextlib import suppress
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Checkbox, Input, Static
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from drp_tui.app import DrpApp, create_app
from drp_tui.settings import Settings
from drp_tui.store.engine import Store
from screens.debtor import DebtorScreen
from screens.idv import IdvModal
from screens.jobs import RunsJobs, writes_running
from screens.keyorder import KeysInOrder
from tests.conftest import DEMO_NOW
from tests.threads import running_threads


def settings_for(
    store: Store,
    tmp_path: Path,
    officer: str = "jmorgan",
    home: Path | None = None,
    now: datetime = DEMO_NOW,
    keymap: dict[str, str] | None = None,
) -> Settings:
    """An officer's settings for `store`, at the demo's fixed time unless told, with a
    steady cursor: a blinking one is drawn or not depending on when the test looks."""
    return Settings(
        store=store.path,
        officer=officer,
        now=now,
        data_home=home or tmp_path / "home",
        keymap=keymap or {},
        cursor_blink=False,
    )


def app_for(
    store: Store,
    tmp_path: Path,
    officer: str = "jmorgan",
    home: Path | None = None,
    now: datetime = DEMO_NOW,
    keymap: dict[str, str] | None = None,
) -> DrpApp:
    """The workstation on `store` as `officer`, at the demo's fixed time unless told. Its
    messages stay up for the whole test: a message's time on screen is wall-clock time, so
    on a busy machine a snapshot caught one gone (or not) by chance."""
    app = create_app(settings_for(store, tmp_path, officer, home, now, keymap))
    app.NOTIFICATION_TIMEOUT = STEADY_NOTIFICATIONS  # type: ignore[misc]
    return app


STEADY_NOTIFICATIONS = 3600.0  # seconds: longer than any test


async def settle(pilot: Pilot[Any]) -> None:
    """Return once nothing the app started is still running and the screen has caught up:
    every worker, failed or not (the screen shows the failure; the test looks at the
    screen), every write job queued or running (screens/jobs.py), every key still waiting
    its turn (screens/keyorder.py), every thread a worker left running when it was
    cancelled (a read replaced by a newer one: its thread goes on), every job's result not
    yet taken in by its screen (a write finished, its "Not saved" still on the way), and
    whatever their results started in turn (a reload after a save, a read after a draw)."""
    while True:
        await pilot.pause()
        workers, threads = list(pilot.app.workers), running_threads()
        writes = writes_running(pilot.app)  # the job runner's, queued or running
        keys = isinstance(pilot.app, KeysInOrder) and pilot.app.keys_pending
        results = [
            s for s in pilot.app.screen_stack if isinstance(s, RunsJobs) and not s.pending.idle
        ]
        if not workers and not threads and not writes and not keys and not results:
            return
        await asyncio.gather(
            *map(_finished, workers), *map(_returned, threads), *map(_written, writes)
        )


async def _finished(worker: Worker[Any]) -> None:
    with suppress(WorkerFailed, WorkerCancelled):
        await worker.wait()


async def _written(write: asyncio.Task[None]) -> None:
    with suppress(asyncio.CancelledError):  # a failure is reported on screen by the runner
        await asyncio.shield(write)


async def _returned(call: Future[Any]) -> None:
    with suppress(Exception, asyncio.CancelledError):  # the worker's own state says how it ended
        await asyncio.wrap_future(call)


async def open_first_case(pilot: Pilot[Any]) -> DebtorScreen:
    """From the queue, open the case at the top (a call); the debtor screen it opens."""
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DebtorScreen)
    return screen


async def fill(pilot: Pilot[Any], screen: Screen[Any], **values: str) -> None:
    """Type into the screen's inputs by id, then let the screen react."""
    for key, value in values.items():
        screen.query_one(f"#{key}", Input).value = value
    await pilot.pause()


def one(store: Store, sql: str) -> tuple[Any, ...]:
    """The first row of a query on the store (failing the test if there is none)."""
    row = sqlite3.connect(store.path).execute(sql).fetchone()
    assert row is not None, sql
    return tuple(row)


def text_of(screen: Screen[Any], selector: str) -> str:
    """What a Static on the screen shows, as plain text."""
    return str(screen.query_one(selector, Static).render())


def first_case(store: Store) -> tuple[str, str]:
    """The id and reference of the first case by reference."""
    case_id, reference = one(store, 'SELECT id, reference FROM "case" ORDER BY reference')
    return str(case_id), str(reference)


def breathing_space_case(store: Store) -> str:
    """The first case (by reference) whose person is in a Breathing Space."""
    return str(
        one(
            store,
            'SELECT c.id FROM "case" c JOIN breathingspace b ON b.person_id = c.person_id '
            "WHERE b.kind = 'breathing_space' ORDER BY c.reference",
        )[0]
    )


def enforceable_case(store: Store) -> str:
    """A council tax case at liability order, with no hold and nothing with an agency."""
    return str(
        one(
            store,
            'SELECT c.id FROM "case" c JOIN debt d ON d.case_id = c.id JOIN person p ON '
            "p.id = c.person_id WHERE d.debt_type = 'council_tax' AND d.stage = "
            "'liability_order' AND c.status = 'open' AND c.hold_kind IS NULL AND "
            "p.deceased_on IS NULL AND NOT EXISTS (SELECT 1 FROM breathingspace b WHERE "
            "b.person_id = c.person_id) AND NOT EXISTS (SELECT 1 FROM placement x JOIN debt y "
            "ON y.id = x.debt_id WHERE y.case_id = c.id) ORDER BY c.reference",
        )[0]
    )


async def look_at(pilot: Pilot[Any], case_id: str) -> DebtorScreen:
    """Open a case as from a search: a call of its own, masked until its ID&V."""
    await settle(pilot)
    app = pilot.app
    assert isinstance(app, DrpApp)
    screen = DebtorScreen(app.workstation, case_id, reason="search: test")
    app.push_screen(screen)
    await settle(pilot)
    return screen


async def pass_idv(pilot: Pilot[Any], *checks: str) -> None:
    """On the debtor screen: ID&V (i), tick the checks the caller confirmed, record.
    The boxes are ticked and Record pressed on the widgets themselves, not by clicks at
    their place on screen: in a stress run (load 10 on 2 cores) a click landed while the
    dialog was still being laid out, ticked nothing, and the ID&V was not passed."""
    await pilot.press("i")
    await settle(pilot)  # `i` waits for the screen's jobs (a read after the case opened)
    modal = pilot.app.screen
    assert isinstance(modal, IdvModal), pilot.app.screen_stack
    for check in checks or ("date_of_birth", "postcode"):
        modal.query_one(f"#check-{check}", Checkbox).value = True
    await pilot.pause()
    modal.query_one("#record", Button).press()
    await settle(pilot)


def full_name(store: Store, case_id: str) -> str:
    """The debtor's name as held (a masked case view carries initials only)."""
    parts = one(
        store,
        'SELECT p.title, p.forename, p.surname FROM person p JOIN "case" c ON '
        f"c.person_id = p.id WHERE c.id = '{case_id}'",
    )
    return " ".join(str(part) for part in parts if part)
