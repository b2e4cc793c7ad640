"""`drp sync`: push this workstation's outbox to the hub, then pull the hub's changes.

Push, in batches, each batch one hub transaction and then one local one:
  events  the hub inserts each event only if its UUID is new, so a batch sent twice (a crash
          after the hub committed and before the outbox was cleared) changes nothing;
  rows    rows this desk created are inserted if new; on rows the hub has, only the columns a
          desk may change are written (tables.py). A new payment takes its amount off the
          debt's balance on the hub, once, when the payment first arrives.
An event or row for a case never allocated to this officer is refused: it stays in the outbox
and the hub records the attempt (`hubrefusal`).

Pull: the hub's change feed after this desk's cursor, only for its officer's cases (plus the
team's officers and agencies) and not the changes its own pushes made. The current rows are
written and the cursor advanced in one local transaction, so a crash leaves either all of a
batch applied or none of it. A case newly allocated here comes whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial

from sqlalchemy import (
    func,
    select,
    text,
)

import drp_tui.store.models  # noqa: F401  (registers the store's tables)
from drp_tui.store.engine import Store
from drp_tui.store.models import new_id
from drp_tui.sync.anchors import send_head
from drp_tui.sync.common import (
    BATCH,
    RETRY_DELAYS_S,
    Desk,
    Progress,
    SyncResult,
    count_of,
    insert_rows,
    retrying,
    update_columns,
)
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub, desk_login
from drp_tui.sync.pull import feed_filter, high_water, pull
from drp_tui.sync.push import push_events, push_rows, refuse, sender_of
from drp_tui.sync.removed import removed_here
from drp_tui.sync.rules import no_such_officer
from drp_tui.sync.schema import (
    hub_change,
    hub_event,
    hub_workstation,
)
from drp_tui.sync.tables import PUSHED

__all__ = ["RETRY_DELAYS_S", "SyncResult", "retrying", "sync"]


# --- this workstation's sync state


def _local_state(store: Store, dry_run: bool) -> tuple[str, int]:
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT workstation_id, cursor FROM syncstate WHERE id = 1")
        ).first()
    if row is not None:
        return str(row[0]), int(row[1])
    if dry_run:
        return "(not yet synced)", 0
    workstation = new_id()
    with store.writer.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO syncstate (id, workstation_id, cursor, capturing, applying) "
                "VALUES (1, :w, 0, 1, 0)"
            ),
            {"w": workstation},
        )
        # Work done here before the first sync goes up with it.
        for spec in PUSHED:
            if spec.created_on_desk:
                connection.execute(
                    text(
                        "INSERT OR IGNORE INTO rowchange (table_name, row_key, version) "
                        f"SELECT '{spec.name}', {spec.key_sql(spec.sql_name)}, 1 "
                        f"FROM {spec.sql_name}"
                    )
                )
    return workstation, 0


def _register(desk: Desk, cursor: int, pushed: bool) -> None:
    now = desk.now_text()
    with desk.hub.write() as hub:
        login = desk_login(hub)
        if login is not None and login != desk.officer_id:
            raise HubError(
                f"hub {desk.hub.shown}: this desk is {desk.officer_id}'s but logs in to the hub "
                f"as {login}; each officer's desk uses their own hub login"
            )
        known = sender_of(hub, desk.officer_id) is not None
        if not known:  # a desk for nobody the hub knows: recorded, and it goes no further
            reason = no_such_officer(desk.officer_id)
            refuse(hub, desk, [(f"workstation {desk.workstation_id}", None, reason)])
    if not known:
        raise HubError(no_such_officer(desk.officer_id))
    with desk.hub.write() as hub:
        workstation = {
            "id": desk.workstation_id,
            "officer_id": desk.officer_id,
            "first_seen_at": now,
            "cursor": 0,
            "events_pushed": 0,
        }
        insert_rows(hub, hub_workstation, [workstation])
        pushed_here = hub.execute(
            select(func.count())
            .select_from(hub_event)
            .where(hub_event.c.workstation_id == desk.workstation_id)
        ).scalar_one()
        seen = {"cursor": cursor, "last_pull_at": now, "events_pushed": int(pushed_here)}
        seen |= {"last_push_at": now} if pushed else {}
        update_columns(hub, hub_workstation, [{**workstation, **seen}], ["officer_id", *seen])


def _waiting(desk: Desk, cursor: int, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        result.waiting_events = count_of(local, "SELECT count(*) FROM outbox")
        result.waiting_rows = count_of(local, "SELECT count(*) FROM rowchange")
    high = retrying(partial(high_water, desk), desk.delays)
    with desk.hub.read() as hub:
        result.waiting_changes = int(
            hub.execute(
                select(func.count()).select_from(hub_change).where(feed_filter(desk, cursor, high))
            ).scalar_one()
        )


def sync(
    store: Store,
    hub: Hub,
    officer_id: str,
    *,
    clock: Callable[[], datetime],
    dry_run: bool = False,
    batch: int = BATCH,
    retry_delays: Sequence[float] = RETRY_DELAYS_S,
    progress: Progress | None = None,
) -> SyncResult:
    """Push this desk's work to the hub, then pull the hub's changes for `officer_id`."""
    started = time.perf_counter()
    workstation, cursor = _local_state(store, dry_run)
    desk = Desk(store, hub, officer_id, workstation, clock, batch, retry_delays, progress)
    result = SyncResult(workstation, dry_run=dry_run, cursor=cursor)
    if dry_run:
        _waiting(desk, cursor, result)
    else:
        retrying(lambda: _register(desk, cursor, pushed=False), retry_delays)
        push_events(desk, result)
        retrying(lambda: send_head(desk, result), retry_delays)
        push_rows(desk, result)
        result.cursor = pull(desk, cursor, result)
        # The feed carries no deletions: the hub says which cases its retention removed.
        result.removed_on_hub = retrying(partial(removed_here, desk), desk.delays)
        with store.writer.begin() as local:
            local.execute(
                text("UPDATE syncstate SET last_push_at = :at, hub = :hub WHERE id = 1"),
                {"at": desk.now_text(), "hub": hub.url.render_as_string(hide_password=True)},
            )
        retrying(lambda: _register(desk, result.cursor, pushed=True), retry_delays)
        _waiting(desk, result.cursor, result)
    result.seconds = time.perf_counter() - started
    return result
