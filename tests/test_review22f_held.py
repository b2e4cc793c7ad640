"""Hostile review (f) of issue 22: what held when driven in tmux, kept as quick tests."""

from __future__ import annotations

import asyncio
from contextlib import ExitStack
from pathlib import Path

from drp_tui.store.engine import Store
from tests.test_review22e_found import send
from tests.test_tui_call_rules import call_mark, calls_after
from tests.test_tui_jobs import store_locked, until_a_write_waits
from tests.tui import app_for, one, settle


def test_enter_then_esc_while_the_store_is_held_leaves_no_call_open(
    demo_store: Store, tmp_path: Path
) -> None:
    """tmux, 120x40: a sync holds the store; `Down Enter Escape` in one send-keys, then the
    store freed. The case opened (its viewing audited) and its call was marked not
    dialled: no call left open, no viewing without a call that was shown."""
    mark = call_mark(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            with ExitStack() as lock:
                lock.enter_context(store_locked(demo_store))
                send(app, "enter", "escape")
                await until_a_write_waits(pilot)
            await settle(pilot)

    asyncio.run(run())
    statuses = [s for (s,) in calls_after(demo_store, mark)]
    assert "open" not in statuses
    (viewed,) = one(
        demo_store,
        f"SELECT count(*) FROM event e JOIN call c ON e.payload LIKE '%' || c.id || '%' "
        f"WHERE e.kind = 'case.viewed' AND c.rowid > {mark}",
    )
    assert viewed <= len(statuses)
