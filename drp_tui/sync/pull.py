"""Pull: the hub's change feed after this desk's cursor, for its officer's cases, applied in
one local transaction per batch; a case newly allocated here comes whole."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import (
    Connection,
    func,
    select,
    text,
)

import drp_tui.store.models  # noqa: F401  (registers the store's tables)
from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import (
    Desk,
    SyncResult,
    checkpoint,
    key_of,
    raw_table,
    retrying,
    rows_by_key,
    rows_where,
    update_columns,
    upsert,
)
from drp_tui.sync.moved import case_officers
from drp_tui.sync.placements import closing_first
from drp_tui.sync.schema import (
    hub_allocation,
    hub_change,
    hub_event,
)
from drp_tui.sync.tables import TABLES

# --- pull


@dataclass
class Pulled:
    last_seq: int
    changes: int
    rows: dict[str, list[dict[str, Any]]]
    events: list[dict[str, Any]]
    # Cases moved away from this desk: only who has them now (hub revision h020).
    moved: dict[str, str | None] = field(default_factory=dict)


def feed_filter(desk: Desk, cursor: int, high: int) -> Any:
    case = raw_table("case")
    mine = select(case.c.id).where(case.c.officer_id == desk.officer_id)
    # An appointment stays in its officer's calendar when its case moves on (h017): that
    # officer hears when it is cancelled or moved (review 21d); on a case they once had, so
    # their desk has it (a supervisor may book into anyone's calendar on any case).
    appointment = raw_table("appointment")
    had = select(hub_allocation.c.case_id).where(hub_allocation.c.officer_id == desk.officer_id)
    calendar = select(appointment.c.id).where(
        appointment.c.officer_id == desk.officer_id, appointment.c.case_id.in_(had)
    )
    return (
        (hub_change.c.seq > cursor)
        & (hub_change.c.seq <= high)
        & ((hub_change.c.origin.is_(None)) | (hub_change.c.origin != desk.workstation_id))
        & (
            hub_change.c.table_name.in_(("officer", "agency"))
            | (hub_change.c.moved_from == desk.officer_id)
            | hub_change.c.case_id.in_(mine)
            | ((hub_change.c.table_name == "appointment") & hub_change.c.row_key.in_(calendar))
        )
    )


def _fetch(desk: Desk, cursor: int, high: int) -> Pulled:
    with desk.hub.read() as hub:
        changes = hub.execute(
            select(
                hub_change.c.seq,
                hub_change.c.table_name,
                hub_change.c.row_key,
                hub_change.c.case_id,
                hub_change.c.moved_to,
            )
            .where(feed_filter(desk, cursor, high))
            .order_by(hub_change.c.seq)
            .limit(desk.batch)
        ).all()
        last = changes[-1].seq if len(changes) == desk.batch else high
        keys: dict[str, set[str]] = defaultdict(set)
        for change in changes:
            keys[change.table_name].add(change.row_key)
        rows: dict[str, list[dict[str, Any]]] = {}
        for spec in TABLES:
            if keys.get(spec.name):
                rows[spec.name] = rows_by_key(hub, spec, sorted(keys[spec.name]))
        moved = _moved_away(hub, desk, rows, keys.get("case", set()))
        events = rows_where(hub, "event", "id", keys.get("event", ()))
        events += rows_where(hub, hub_event, "id", keys.get("hubevent", ()))
    return Pulled(last, len(changes), rows, events, moved)


def _moved_away(
    hub: Connection, desk: Desk, rows: dict[str, list[dict[str, Any]]], cases: set[str]
) -> dict[str, str | None]:
    """Of the case rows fed, those no longer this desk's officer's: the desk takes only who
    has each now, on every hub, as a desk's own login may read no more of it (h020)."""
    if not cases:
        return {}
    rows["case"] = [r for r in rows.get("case", []) if r["officer_id"] == desk.officer_id]
    kept = {r["id"] for r in rows["case"]}
    return case_officers(hub, cases - kept)


def _arrivals(desk: Desk, cursor: int, high: int) -> list[str]:
    """Cases allocated to this desk since its cursor. They are sent whole before the feed:
    their earlier changes (the import that made them) were fed before they were ours."""
    with desk.hub.read() as hub:
        return sorted(
            set(
                hub.execute(
                    select(hub_change.c.row_key).where(
                        hub_change.c.table_name == "case",
                        hub_change.c.moved_to == desk.officer_id,
                        hub_change.c.seq > cursor,
                        hub_change.c.seq <= high,
                    )
                ).scalars()
            )
        )


def _fetch_cases(desk: Desk, cases: Sequence[str], cursor: int) -> Pulled:
    rows: dict[str, list[dict[str, Any]]] = {}
    events: list[dict[str, Any]] = []
    with desk.hub.read() as hub:
        case = raw_table("case")
        still_ours = set(
            hub.execute(
                select(case.c.id).where(case.c.id.in_(cases), case.c.officer_id == desk.officer_id)
            ).scalars()
        )
        if still_ours:
            # The team's officers and agencies too: the cases' rows refer to them.
            for name in ("officer", "agency"):
                rows[name] = [dict(r._mapping) for r in hub.execute(select(raw_table(name)))]
            _add_whole_cases(hub, still_ours, rows, events)
    return Pulled(cursor, 0, rows, events)


def _add_whole_cases(
    hub: Connection,
    cases: set[str],
    rows: dict[str, list[dict[str, Any]]],
    events: list[dict[str, Any]],
) -> None:
    """Everything about cases newly allocated to this desk, whenever it last changed."""
    bundle: dict[str, list[dict[str, Any]]] = defaultdict(list)
    bundle["case"] = rows_where(hub, "case", "id", cases)
    bundle["debt"] = rows_where(hub, "debt", "case_id", cases)
    debts = {d["id"] for d in bundle["debt"]}
    bundle["debtparty"] = rows_where(hub, "debtparty", "debt_id", debts)
    people = {c["person_id"] for c in bundle["case"]} | {
        p["person_id"] for p in bundle["debtparty"]
    }
    bundle["person"] = rows_where(hub, "person", "id", people)
    for name in ("address", "phone", "vulnerability", "breathingspace", "personkey"):
        bundle[name] = rows_where(hub, name, "person_id", people)
    for name in (
        "contactattempt",
        "promise",
        "arrangement",
        "assessment",
        "complaint",
        "appointment",
    ):
        bundle[name] = rows_where(hub, name, "case_id", cases)
    arrangements = {a["id"] for a in bundle["arrangement"]}
    for name in ("arrangement_debt", "instalment"):
        bundle[name] = rows_where(hub, name, "arrangement_id", arrangements)
    for name in ("placement", "payment", "writeoffrequest"):
        bundle[name] = rows_where(hub, name, "debt_id", debts)
    for name, found in bundle.items():
        rows[name] = rows.get(name, []) + found
    events += rows_where(hub, "event", "case_id", cases)
    events += rows_where(hub, hub_event, "case_id", cases)


def _apply(desk: Desk, pulled: Pulled) -> None:
    with desk.store.writer.begin() as local:
        local.execute(text("UPDATE syncstate SET applying = 1 WHERE id = 1"))
        # Parents and children may arrive in one batch in any order; check at commit.
        local.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
        pending: dict[str, set[str]] = defaultdict(set)
        for name, key in local.execute(text("SELECT table_name, row_key FROM rowchange")):
            pending[name].add(key)
        for spec in TABLES:
            found = pulled.rows.get(spec.name)
            if not found:
                continue
            table = raw_table(spec.name)
            clean = [r for r in found if key_of(spec, r) not in pending[spec.name]]
            if spec.name == "placement":
                clean = closing_first(clean)
            if clean:
                local.execute(upsert(local, table), clean)
            # A row changed here and not yet pushed keeps this desk's columns; the hub's own
            # columns (allocation, balances) are taken.
            waiting = [r for r in found if key_of(spec, r) in pending[spec.name]]
            hub_owned = [
                c.name for c in table.columns if not c.primary_key and c.name not in spec.pushed
            ]
            update_columns(local, table, waiting, hub_owned, spec.key)
        if pulled.moved:
            local.exec_driver_sql(
                'UPDATE "case" SET officer_id = ? WHERE id = ?',
                [(officer, case) for case, officer in pulled.moved.items()],
            )
        if pulled.events:  # one prepared INSERT run in C: SQLAlchemy's own cost a row more
            local.exec_driver_sql(
                "INSERT INTO syncedevent (id, officer_id, at, case_id, kind, payload, "
                "workstation_id) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                [
                    (
                        e["id"],
                        e["officer_id"],
                        e["at"],
                        e["case_id"],
                        e["kind"],
                        e["payload"],
                        e.get("workstation_id"),
                    )
                    for e in pulled.events
                ],
            )
        checkpoint("pull-applied")
        local.execute(
            text("UPDATE syncstate SET applying = 0, cursor = :c, last_pull_at = :at WHERE id = 1"),
            {"c": pulled.last_seq, "at": desk.now_text()},
        )


def high_water(desk: Desk) -> int:
    with desk.hub.read() as hub:
        return int(hub.execute(select(func.coalesce(func.max(hub_change.c.seq), 0))).scalar_one())


def pull(desk: Desk, cursor: int, result: SyncResult) -> int:
    high = retrying(partial(high_water, desk), desk.delays)
    start = cursor
    arrived = retrying(partial(_arrivals, desk, cursor, high), desk.delays)
    for chunk in chunks(arrived, max(1, desk.batch // 20)):
        _apply(desk, retrying(partial(_fetch_cases, desk, chunk, cursor), desk.delays))
    while cursor < high:
        pulled = retrying(partial(_fetch, desk, cursor, high), desk.delays)
        _apply(desk, pulled)
        result.pulled_changes += pulled.changes
        result.pulled_events += len(pulled.events)
        cursor = pulled.last_seq
        desk.report("pull", cursor - start, high - start)
    return cursor
