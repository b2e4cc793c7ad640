"""The screens' job runner (screens/jobs.py): a write is never cancelled, and one that fails
is always reported, whatever the officer pressed meanwhile; reads for a case no longer on
screen are dropped. Each failure is a real one inside the write (a trigger), and "mid-flight"
is a real wait: another connection holds the store's write lock, as a sync does, until the
officer has pressed the next key."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from textual import events
from textual.pilot import Pilot
from textual.widgets import Static

from drp_tui.store.engine import Store
from screens.affordability import AffordabilityScreen
from screens.debtor import DebtorScreen
from screens.dialog import ErrorDialog
from screens.jobs import writes_running
from screens.keyorder import KeysInOrder
from tests.sealed import opened
from tests.threads import running_threads
from tests.tui import app_for, fill, first_case, open_first_case, pass_idv, settle


def refuse(store: Store, table: str, when: str = "1") -> None:
    """Every insert into `table` matching `when` fails inside the write, as a full disk would."""
    with sqlite3.connect(store.path) as db:
        db.execute(
            f"CREATE TRIGGER refuse_{table} BEFORE INSERT ON {table} WHEN {when} "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )


@contextmanager
def store_locked(store: Store) -> Iterator[None]:
    """Another writer (a sync) holds the store until the block ends: writes wait for it."""
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


async def until_a_write_waits(pilot: Pilot[Any]) -> None:
    """Until a thread is running (the write, waiting for the lock)."""
    for _ in range(200):
        if running_threads():
            return
        await pilot.pause()
    raise AssertionError("no write started")


async def until_keys_free(pilot: Pilot[Any]) -> None:
    """Until no key is held, once the writes are back: a key held on (for the 30 s a screen
    may hold one) would hold every key typed after it, the OK of the failure's dialog too."""
    await asyncio.gather(*map(asyncio.shield, writes_running(pilot.app)), return_exceptions=True)
    for _ in range(50):
        if not isinstance(pilot.app, KeysInOrder) or not pilot.app.keys_pending:
            return
        await pilot.pause()
    raise AssertionError("a key is still held after the writes came back")


def dialog_text(pilot: Pilot[Any]) -> str:
    dialog = pilot.app.screen
    assert isinstance(dialog, ErrorDialog), dialog
    return " ".join(str(s.render()) for s in dialog.query(Static))


def count(store: Store, sql: str) -> int:
    return int(sqlite3.connect(store.path).execute(sql).fetchone()[0])


def test_an_id_and_v_cancelled_by_the_next_key_still_reports_its_failure(
    demo_store: Store, tmp_path: Path
) -> None:
    refuse(demo_store, "event", "NEW.kind = 'idv.recorded'")
    checks = "SELECT count(*) FROM event WHERE kind = 'idv.recorded'"
    before = count(demo_store, checks)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            with store_locked(demo_store):
                await pilot.press("i")
                await pilot.pause()
                await pilot.click("#check-date_of_birth")
                await pilot.click("#check-postcode")
                await pilot.click("#record")
                await until_a_write_waits(pilot)
                await pilot.press("escape")  # the next key, while the ID&V waits to be written
                await pilot.pause()
            await until_keys_free(pilot)  # Esc, held for where the leave goes, is let go
            text = dialog_text(pilot)
            assert "Not saved" in text
            assert "disk I/O error" in text
            assert "try again" in text
            await pilot.press("enter")  # OK: then the call is left, as Esc asked
            await settle(pilot)
            assert screen.recorded
            assert not isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    assert count(demo_store, checks) == before


def test_a_statement_saved_as_the_form_closes_still_reports_its_failure(
    demo_store: Store, tmp_path: Path
) -> None:
    refuse(demo_store, "assessment")
    before = count(demo_store, "SELECT count(*) FROM assessment")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await open_first_case(pilot)
            await pass_idv(pilot)
            await pilot.press("a")
            await settle(pilot)
            form = app.screen
            assert isinstance(form, AffordabilityScreen)
            await fill(pilot, form, income__earnings="1450", fixed_costs__rent="600")
            with store_locked(demo_store):
                await pilot.press("ctrl+s")
                await until_a_write_waits(pilot)
                await pilot.press("escape")  # the form closes while its save waits
                await pilot.pause()
            await settle(pilot)
            text = dialog_text(pilot)
            assert "Not saved: the affordability statement" in text
            assert "disk I/O error" in text

    asyncio.run(run())
    assert count(demo_store, "SELECT count(*) FROM assessment") == before


def test_writes_run_one_at_a_time_in_the_order_asked(demo_store: Store, tmp_path: Path) -> None:
    """Notes saved while the store is held are all written once it is free, in order."""

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            with store_locked(demo_store):
                for n in range(3):
                    screen._save_note(f"note {n}")
                await until_a_write_waits(pilot)
                await pilot.press("down")  # keys meanwhile cancel nothing
                await pilot.pause()
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    notes = sqlite3.connect(demo_store.path).execute(
        "SELECT payload FROM event WHERE kind = 'note.added' ORDER BY seq DESC LIMIT 3"
    )
    texts = [opened(demo_store, payload)["text"] for (payload,) in notes]
    assert texts[::-1] == ["note 0", "note 1", "note 2"]


def test_a_read_for_a_case_no_longer_on_screen_is_dropped(
    demo_store: Store, tmp_path: Path
) -> None:
    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            shown = screen.case_id
            other_id, _ = first_case(demo_store)
            assert other_id != shown
            seen: list[str] = []
            screen.read(lambda: "late", seen.append)  # begun for the case on screen
            screen.reopen(other_id, "search: test", app.workstation.open_case(other_id, "t"))
            await settle(pilot)
            assert seen == []
            screen.read(lambda: "now", seen.append)
            await settle(pilot)
            assert seen == ["now"]

    asyncio.run(run())


def test_keys_typed_for_a_form_whose_save_failed_are_not_sent_on(
    demo_store: Store, tmp_path: Path
) -> None:
    """`a 1450 Enter` typed while the ID&V is being saved: the save fails, so the form never
    opens; the keys typed for it are dropped (the officer is told, and types them again),
    not sent on to whatever is on top: Enter would close the "Not saved" message unread."""
    refuse(demo_store, "event", "NEW.kind = 'idv.recorded'")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await open_first_case(pilot)
            with store_locked(demo_store):
                await pilot.press("i")
                await pilot.pause()
                await pilot.click("#check-date_of_birth")
                await pilot.click("#check-postcode")
                await pilot.click("#record")
                await until_a_write_waits(pilot)
                for key in ("a", "1", "4", "5", "0"):
                    app.post_message(events.Key(key, key))
                app.post_message(events.Key("enter", "\r"))
                await pilot.pause()
            await settle(pilot)
            assert "Not saved" in dialog_text(pilot)
            await pilot.press("enter")
            await settle(pilot)
            assert app.screen is screen, app.screen_stack

    asyncio.run(run())
