"""`drp` reads the officer's first queue in a forked process while it loads the app
(drp_tui.read_ahead): the same queue as read in the app, nothing lost if the child fails, and
the parent's store as usable as before."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from pathlib import Path

import pytest

from drp_tui.app import create_app
from drp_tui.cli.main import desk_app
from drp_tui.read_ahead import QueueReadAhead
from drp_tui.services.policy import PolicyBook
from drp_tui.services.queue import QueueEntry, officer_queue
from drp_tui.store.engine import Store
from screens.queue import QueueScreen
from tests.conftest import DEMO_NOW
from tests.tui import open_first_case, settings_for, settle

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="the queue is read ahead only on Linux"
)


def _failing_read() -> list[QueueEntry]:
    raise RuntimeError("the child could not read the store")


def test_the_queue_read_in_a_second_process_is_the_queue_read_here(
    demo_store: Store, policy: PolicyBook
) -> None:
    def read() -> list[QueueEntry]:
        return officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)

    ahead = QueueReadAhead.start(demo_store, read)
    assert ahead is not None
    queue = ahead.result()
    assert queue is not None
    assert len(queue) > 10
    assert queue == read()
    assert ahead.result() is None  # given once: a refresh reads the queue again


def test_a_child_that_fails_gives_nothing_and_the_parents_store_still_writes(
    demo_store: Store,
) -> None:
    ahead = QueueReadAhead.start(demo_store, _failing_read)
    assert ahead is not None
    assert ahead.result() is None
    # Its pooled connection was closed before the fork; it opens a new one and writes.
    with demo_store.writer.begin() as connection:
        connection.exec_driver_sql("UPDATE officer SET name = 'J Morgan' WHERE id = 'jmorgan'")
    row = sqlite3.connect(demo_store.path).execute("SELECT name FROM officer WHERE id = 'jmorgan'")
    assert row.fetchone() == ("J Morgan",)


def test_drp_shows_the_queue_read_ahead_and_records_the_opened_case(
    demo_store: Store, policy: PolicyBook, tmp_path: Path
) -> None:
    expected = officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)

    def views() -> int:
        return int(
            sqlite3.connect(demo_store.path)
            .execute(
                "SELECT count(*) FROM event WHERE kind = 'case.viewed' AND case_id = ?",
                (expected[0].case_id,),
            )
            .fetchone()[0]
        )

    before = views()

    async def run() -> None:
        app = desk_app(settings_for(demo_store, tmp_path))
        assert app.queue_read_ahead is not None
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            screen = app.screen
            assert isinstance(screen, QueueScreen)
            assert screen.entries == expected
            assert screen.queue_read_ahead is None  # taken by the first load
            debtor = await open_first_case(pilot)
            assert debtor.case_id == expected[0].case_id

    asyncio.run(run())
    assert views() == before + 1  # the parent wrote the audit of the opening


def test_when_the_child_fails_the_screen_reads_the_queue_itself(
    demo_store: Store, policy: PolicyBook, tmp_path: Path
) -> None:
    expected = officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)

    async def run() -> None:
        app = create_app(
            settings_for(demo_store, tmp_path),
            read_ahead=QueueReadAhead.start(demo_store, _failing_read),
        )
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            assert isinstance(app.screen, QueueScreen)
            assert app.screen.entries == expected

    asyncio.run(run())
