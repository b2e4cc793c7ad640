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

import os
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache, partial
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import drp_tui.store.models  # noqa: F401  (registers the store's tables)
from drp_tui.store.engine import Store
from drp_tui.store.models import new_id
from drp_tui.store.rawsql import chunks
from drp_tui.store.types import canonical_json, instant_text
from drp_tui.sync.errors import HubUnreachable
from drp_tui.sync.hub import Hub
from drp_tui.sync.live_arrangements import live_covering
from drp_tui.sync.placements import Clash, closing_first, feed_back, settle_placements
from drp_tui.sync.schema import (
    hub_allocation,
    hub_change,
    hub_conflict,
    hub_event,
    hub_refusal,
    hub_workstation,
)
from drp_tui.sync.tables import KEY_SEPARATOR, PUSHED, TABLES, Replicated, row_key

BATCH = 2_000
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
CONFLICT_NAMESPACE = uuid.UUID("0b7d2c43-5d0e-4b43-9a57-3c1f7f3b2e90")
STALL_VARIABLE = "DRP_SYNC_STALL_AT"
LIVE_WORK = ("contactattempt", "promise", "arrangement")

Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass
class SyncResult:
    workstation_id: str
    pushed_events: int = 0
    pushed_rows: int = 0
    pulled_changes: int = 0
    pulled_events: int = 0
    conflicts: list[str] = field(default_factory=list)
    refused: int = 0
    cursor: int = 0
    waiting_events: int = 0
    waiting_rows: int = 0
    waiting_changes: int = 0
    dry_run: bool = False
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        return {
            "workstation": self.workstation_id,
            "pushed": self.pushed_events,
            "pushed_rows": self.pushed_rows,
            "pulled": self.pulled_changes,
            "pulled_events": self.pulled_events,
            "conflicts": len(self.conflicts),
            "conflict_ids": self.conflicts,
            "refused": self.refused,
            "cursor": self.cursor,
            "dry_run": self.dry_run,
            "waiting": {
                "events": self.waiting_events,
                "rows": self.waiting_rows,
                "hub_changes": self.waiting_changes,
            },
            "duration_s": round(self.seconds, 3),
        }


def checkpoint(name: str) -> None:
    """A place a crash test can stop `drp sync` and kill it (set DRP_SYNC_STALL_AT=name)."""
    if os.environ.get(STALL_VARIABLE) == name:
        print(f"drp sync stalled at {name}", file=sys.stderr, flush=True)
        time.sleep(3600)


# --- the store's tables as plain columns, so values cross between databases as they are stored


RAW = MetaData()


@cache
def raw_table(name: str) -> Table:
    model = SQLModel.metadata.tables[name]
    columns = [
        Column(
            c.name,
            c.type.impl_instance if isinstance(c.type, TypeDecorator) else c.type,
            primary_key=c.primary_key,
        )
        for c in model.columns
    ]
    return Table(name, RAW, *columns)


def _upsert(
    connection: Connection, table: Table, *, ignore: bool = False, on: Sequence[str] = ()
) -> Insert:
    """Insert, and on a clash of `on` (default: the primary key) update the row, or with
    `ignore` leave the row that is there."""
    statement = (
        postgresql.insert(table)
        if connection.dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    keys = list(on) or [c.name for c in table.primary_key]
    if ignore:
        ignoring: Insert = statement.on_conflict_do_nothing(index_elements=keys)
        return ignoring
    upserting: Insert = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if not c.primary_key},
    )
    return upserting


def _rows_by_key(
    connection: Connection, spec: Replicated, keys: Sequence[str]
) -> list[dict[str, Any]]:
    table = raw_table(spec.name)
    found: list[dict[str, Any]] = []
    for chunk in chunks(keys):
        if spec.key == ("id",):
            where = table.c.id.in_(chunk)
        else:
            joined: ColumnElement[Any] = table.c[spec.key[0]]
            for column in spec.key[1:]:
                joined = joined + KEY_SEPARATOR + table.c[column]
            where = joined.in_(chunk)
        found.extend(dict(r._mapping) for r in connection.execute(select(table).where(where)))
    return found


def _rows_where(
    connection: Connection, table: Table | str, column: str, values: Iterable[str]
) -> list[dict[str, Any]]:
    """Rows of `table` (a hub table, or a store table by name) whose `column` is in `values`."""
    if isinstance(table, str):
        table = raw_table(table)
    wanted = sorted(set(values))
    found: list[dict[str, Any]] = []
    for chunk in chunks(wanted):
        found.extend(
            dict(r._mapping)
            for r in connection.execute(select(table).where(table.c[column].in_(chunk)))
        )
    return found


def _update_columns(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    key: Sequence[str] = ("id",),
) -> None:
    """Write only `columns` of `rows` (by their `key` columns) over the rows already there."""
    if rows and columns:
        connection.execute(
            update(table)
            .where(*(table.c[k] == bindparam(f"key_{k}") for k in key))
            .values({c: bindparam(f"{c}_") for c in columns}),
            [{**{f"key_{k}": r[k] for k in key}, **{f"{c}_": r[c] for c in columns}} for r in rows],
        )


def _key_of(spec: Replicated, row: dict[str, Any]) -> str:
    return row_key(tuple(row[k] for k in spec.key))


# --- retries


def retrying(action: Callable[[], T], delays: Sequence[float]) -> T:
    for delay in (*delays, None):
        try:
            return action()
        except HubUnreachable:
            if delay is None:
                raise
            time.sleep(delay)
    raise AssertionError("unreachable")


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


def _count(connection: Connection, sql: str, **params: Any) -> int:
    return int(connection.execute(text(sql), params).scalar() or 0)


# --- push


@dataclass(frozen=True)
class Desk:
    store: Store
    hub: Hub
    officer_id: str
    workstation_id: str
    clock: Callable[[], datetime]
    batch: int
    delays: Sequence[float]
    progress: Progress | None

    def now_text(self) -> str:
        return instant_text(self.clock())

    def report(self, phase: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(phase, done, total)


def _allocated(connection: Connection, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    cases = sorted({case for case, _ in pairs})
    for chunk in chunks(cases):
        for case, officer in connection.execute(
            select(hub_allocation.c.case_id, hub_allocation.c.officer_id).where(
                hub_allocation.c.case_id.in_(chunk)
            )
        ):
            if (case, officer) in pairs:
                found.add((case, officer))
    return found


def _refuse(connection: Connection, desk: Desk, items: list[tuple[str, str | None, str]]) -> None:
    """Record refused items (item, case, reason) as security events on the hub, once each."""
    if not items:
        return
    connection.execute(
        _upsert(connection, hub_refusal, ignore=True),
        [
            {
                "id": str(uuid.uuid5(CONFLICT_NAMESPACE, f"refused:{desk.workstation_id}:{item}")),
                "workstation_id": desk.workstation_id,
                "officer_id": desk.officer_id,
                "case_id": case,
                "item": item,
                "reason": reason,
                "received_at": desk.now_text(),
            }
            for item, case, reason in items
        ],
    )


NEVER_ALLOCATED = "case never allocated to this officer"


def _push_events(desk: Desk, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        total = _count(local, "SELECT count(*) FROM outbox")
    after, done = 0, 0
    while True:
        with desk.store.engine.connect() as local:
            batch = [
                dict(r._mapping)
                for r in local.execute(
                    text(
                        "SELECT e.seq, e.id, e.officer_id, e.at, e.case_id, e.kind, e.payload, "
                        "e.prev_hash, e.hash FROM outbox o JOIN event e ON e.id = o.event_id "
                        "WHERE e.seq > :after ORDER BY e.seq LIMIT :n"
                    ),
                    {"after": after, "n": desk.batch},
                )
            ]
        if not batch:
            return
        after = batch[-1]["seq"]

        def send(batch: list[dict[str, Any]] = batch) -> list[str]:
            with desk.hub.write(origin=desk.workstation_id) as hub:
                wanted = {(e["case_id"], e["officer_id"]) for e in batch if e["case_id"]}
                allowed = _allocated(hub, wanted)
                accepted = [
                    e
                    for e in batch
                    if not e["case_id"] or (e["case_id"], e["officer_id"]) in allowed
                ]
                refused = [
                    (f"event {e['id']}", e["case_id"], f"{e['kind']}: {NEVER_ALLOCATED}")
                    for e in batch
                    if e not in accepted
                ]
                if accepted:
                    received = desk.now_text()
                    hub.execute(
                        _upsert(hub, hub_event, ignore=True, on=("id",)),
                        [
                            {
                                **{k: v for k, v in e.items() if k != "seq"},
                                "workstation_id": desk.workstation_id,
                                "received_at": received,
                            }
                            for e in accepted
                        ],
                    )
                _refuse(hub, desk, refused)
                result.refused += len(refused)
                checkpoint("push-events-sent")
            return [e["id"] for e in accepted]

        sent = retrying(send, desk.delays)
        checkpoint("push-events-committed")
        with desk.store.writer.begin() as local:  # an empty list deletes nothing
            for chunk in chunks(sent):
                local.execute(
                    text("DELETE FROM outbox WHERE event_id IN :ids").bindparams(
                        bindparam("ids", expanding=True)
                    ),
                    {"ids": list(chunk)},
                )
        result.pushed_events += len(sent)
        done += len(batch)
        desk.report("push events", done, total)


def _case_of_rows(
    local: Connection, spec: Replicated, keys: Sequence[str]
) -> dict[str, str | None]:
    cases: dict[str, str | None] = {}
    for chunk in chunks(keys):
        rows = local.execute(
            text(
                f"SELECT {spec.key_sql('t')}, {spec.case_sql('t')} FROM {spec.sql_name} t "
                f"WHERE {spec.key_sql('t')} IN :keys"
            ).bindparams(bindparam("keys", expanding=True)),
            {"keys": list(chunk)},
        )
        cases.update({str(key): case for key, case in rows})
    return cases


def _push_rows(desk: Desk, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        total = _count(local, "SELECT count(*) FROM rowchange")
    done = 0
    for spec in PUSHED:
        after = ""
        while True:
            with desk.store.engine.connect() as local:
                pending: dict[str, int] = dict(
                    local.execute(
                        text(
                            "SELECT row_key, version FROM rowchange WHERE table_name = :t "
                            "AND row_key > :after ORDER BY row_key LIMIT :n"
                        ),
                        {"t": spec.name, "after": after, "n": desk.batch},
                    ).all()
                )
                if not pending:
                    break
                keys = list(pending)
                after = keys[-1]
                rows = {_key_of(spec, r): r for r in _rows_by_key(local, spec, keys)}
                cases = _case_of_rows(local, spec, keys)
            sent = set(retrying(partial(_send_rows, desk, spec, rows, cases, result), desk.delays))
            checkpoint("push-rows-committed")
            # Sent rows leave the queue unless changed again meanwhile; so do queued rows that
            # no longer exist here.
            done_with = [k for k in keys if k in sent or k not in rows]
            if done_with:
                with desk.store.writer.begin() as local:
                    local.execute(
                        text(
                            "DELETE FROM rowchange WHERE table_name = :t AND row_key = :k "
                            "AND version = :v"
                        ),
                        [{"t": spec.name, "k": k, "v": pending[k]} for k in done_with],
                    )
            result.pushed_rows += len(sent)
            done += len(keys)
            desk.report("push rows", done, total)


def _send_rows(
    desk: Desk,
    spec: Replicated,
    rows: dict[str, dict[str, Any]],
    cases: dict[str, str | None],
    result: SyncResult,
) -> list[str]:
    table = raw_table(spec.name)
    with desk.hub.write(origin=desk.workstation_id) as hub:
        wanted = {(case, desk.officer_id) for case in cases.values() if case}
        allowed = _allocated(hub, wanted)
        accepted = [k for k in rows if (cases.get(k), desk.officer_id) in allowed]
        refused = [
            (f"{spec.name} {k}", cases.get(k), NEVER_ALLOCATED) for k in rows if k not in accepted
        ]
        existing = {_key_of(spec, r) for r in _rows_by_key(hub, spec, accepted)}
        new = [rows[k] for k in accepted if k not in existing]
        if new and not spec.created_on_desk:
            refused += [
                (f"{spec.name} {_key_of(spec, r)}", r.get("case_id"), "not on the hub") for r in new
            ]
            accepted = [k for k in accepted if k in existing]
            new = []
        clashes = settle_placements(hub, table, new, cases) if spec.name == "placement" else []
        if new:
            hub.execute(insert(table), new)
        feed_back(hub, hub_change, clashes)
        _update_columns(
            hub, table, [rows[k] for k in accepted if k in existing], spec.pushed, spec.key
        )
        if spec.name == "payment" and new:
            debt = raw_table("debt")
            hub.execute(
                update(debt)
                .where(debt.c.id == bindparam("debt_"))
                .values(balance=debt.c.balance - bindparam("amount_")),
                [{"debt_": r["debt_id"], "amount_": r["amount"]} for r in new],
            )
        flagged = _flag_conflicts(hub, desk, spec, [rows[k] for k in accepted], new, clashes)
        result.conflicts += [c for c in flagged if c not in result.conflicts]  # once a sync
        _refuse(hub, desk, refused)
        result.refused += len(refused)
    return accepted


def _conflict(kind: str, subject: str) -> str:
    return str(uuid.uuid5(CONFLICT_NAMESPACE, f"{kind}:{subject}"))


def _flag_conflicts(
    hub: Connection,
    desk: Desk,
    spec: Replicated,
    accepted: list[dict[str, Any]],
    new: list[dict[str, Any]],
    clashes: Sequence[Clash] = (),
) -> list[str]:
    """Clashes the facts cannot settle, kept for a supervisor (`drp hub conflicts`)."""
    found: list[tuple[str, str, str | None, dict[str, Any]]] = [
        (
            "two_placements",
            f"{c.debt_id} {c.stands} {c.clashed}",
            c.case_id,
            {"debt": c.debt_id, "stands": c.stands, "clashed": [c.clashed]},
        )
        for c in clashes
    ]
    if spec.name in LIVE_WORK and new:
        case = raw_table("case")
        owners = dict(
            hub.execute(
                select(case.c.id, case.c.officer_id).where(
                    case.c.id.in_({r["case_id"] for r in new})
                )
            ).all()
        )
        for row in new:
            owner = owners.get(row["case_id"])
            if owner != desk.officer_id:
                found.append(
                    (
                        "worked_after_reallocation",
                        f"{spec.name} {row['id']}",
                        row["case_id"],
                        {
                            "table": spec.name,
                            "row": row["id"],
                            "by": desk.officer_id,
                            "case_officer": owner,
                        },
                    )
                )
    if spec.name in ("arrangement", "arrangement_debt"):
        # A debt is covered by the arrangement made for it or by a link to one (sent after
        # the arrangement); either way, two live ones on one debt are flagged once.
        debts = {
            r["debt_id"] for r in accepted if r["debt_id"] and r.get("status", "live") == "live"
        }
        live = live_covering(hub, raw_table("arrangement"), raw_table("arrangement_debt"), debts)
        for debt_id, arrangements in sorted(live.items()):
            if len(arrangements) > 1:
                ids = [a for a, _ in arrangements]
                found.append(
                    (
                        "two_live_arrangements",
                        f"{debt_id} {' '.join(ids)}",
                        arrangements[0][1],
                        {"debt": debt_id, "arrangements": ids},
                    )
                )
    if not found:
        return []
    rows = [
        {
            "id": _conflict(kind, subject),
            "kind": kind,
            "case_id": case_id,
            "detail": canonical_json(detail),
            "workstation_id": desk.workstation_id,
            "flagged_at": desk.now_text(),
            "resolved_at": None,
        }
        for kind, subject, case_id, detail in found
    ]
    hub.execute(_upsert(hub, hub_conflict, ignore=True), rows)
    return [_conflict(kind, subject) for kind, subject, _, _ in found]


# --- pull


@dataclass
class Pulled:
    last_seq: int
    changes: int
    rows: dict[str, list[dict[str, Any]]]
    events: list[dict[str, Any]]


def _feed_filter(desk: Desk, cursor: int, high: int) -> Any:
    case = raw_table("case")
    mine = select(case.c.id).where(case.c.officer_id == desk.officer_id)
    return (
        (hub_change.c.seq > cursor)
        & (hub_change.c.seq <= high)
        & ((hub_change.c.origin.is_(None)) | (hub_change.c.origin != desk.workstation_id))
        & (
            hub_change.c.table_name.in_(("officer", "agency"))
            | (hub_change.c.moved_from == desk.officer_id)
            | hub_change.c.case_id.in_(mine)
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
            .where(_feed_filter(desk, cursor, high))
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
                rows[spec.name] = _rows_by_key(hub, spec, sorted(keys[spec.name]))
        events = _rows_where(hub, "event", "id", keys.get("event", ()))
        events += _rows_where(hub, hub_event, "id", keys.get("hubevent", ()))
    return Pulled(last, len(changes), rows, events)


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
    bundle["case"] = _rows_where(hub, "case", "id", cases)
    bundle["debt"] = _rows_where(hub, "debt", "case_id", cases)
    debts = {d["id"] for d in bundle["debt"]}
    bundle["debtparty"] = _rows_where(hub, "debtparty", "debt_id", debts)
    people = {c["person_id"] for c in bundle["case"]} | {
        p["person_id"] for p in bundle["debtparty"]
    }
    bundle["person"] = _rows_where(hub, "person", "id", people)
    for name in ("address", "phone", "vulnerability", "breathingspace"):
        bundle[name] = _rows_where(hub, name, "person_id", people)
    for name in ("contactattempt", "promise", "arrangement", "assessment"):
        bundle[name] = _rows_where(hub, name, "case_id", cases)
    arrangements = {a["id"] for a in bundle["arrangement"]}
    for name in ("arrangement_debt", "instalment"):
        bundle[name] = _rows_where(hub, name, "arrangement_id", arrangements)
    for name in ("placement", "payment", "writeoffrequest"):
        bundle[name] = _rows_where(hub, name, "debt_id", debts)
    for name, found in bundle.items():
        rows[name] = rows.get(name, []) + found
    events += _rows_where(hub, "event", "case_id", cases)
    events += _rows_where(hub, hub_event, "case_id", cases)


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
            clean = [r for r in found if _key_of(spec, r) not in pending[spec.name]]
            if spec.name == "placement":
                clean = closing_first(clean)
            if clean:
                local.execute(_upsert(local, table), clean)
            # A row changed here and not yet pushed keeps this desk's columns; the hub's own
            # columns (allocation, balances) are taken.
            waiting = [r for r in found if _key_of(spec, r) in pending[spec.name]]
            hub_owned = [
                c.name for c in table.columns if not c.primary_key and c.name not in spec.pushed
            ]
            _update_columns(local, table, waiting, hub_owned, spec.key)
        if pulled.events:
            synced = raw_table("syncedevent")
            local.execute(
                _upsert(local, synced, ignore=True),
                [
                    {
                        "id": e["id"],
                        "officer_id": e["officer_id"],
                        "at": e["at"],
                        "case_id": e["case_id"],
                        "kind": e["kind"],
                        "payload": e["payload"],
                        "workstation_id": e.get("workstation_id"),
                    }
                    for e in pulled.events
                ],
            )
        checkpoint("pull-applied")
        local.execute(
            text("UPDATE syncstate SET applying = 0, cursor = :c, last_pull_at = :at WHERE id = 1"),
            {"c": pulled.last_seq, "at": desk.now_text()},
        )


def _high_water(desk: Desk) -> int:
    with desk.hub.read() as hub:
        return int(hub.execute(select(func.coalesce(func.max(hub_change.c.seq), 0))).scalar_one())


def _pull(desk: Desk, cursor: int, result: SyncResult) -> int:
    high = retrying(partial(_high_water, desk), desk.delays)
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


def _register(desk: Desk, cursor: int, pushed: bool) -> None:
    now = desk.now_text()
    with desk.hub.write() as hub:
        hub.execute(
            _upsert(hub, hub_workstation, ignore=True),
            [
                {
                    "id": desk.workstation_id,
                    "officer_id": desk.officer_id,
                    "first_seen_at": now,
                    "cursor": 0,
                    "events_pushed": 0,
                }
            ],
        )
        pushed_here = (
            select(func.count())
            .select_from(hub_event)
            .where(hub_event.c.workstation_id == desk.workstation_id)
        )
        hub.execute(
            update(hub_workstation)
            .where(hub_workstation.c.id == desk.workstation_id)
            .values(
                officer_id=desk.officer_id,
                cursor=cursor,
                last_pull_at=now,
                events_pushed=pushed_here.scalar_subquery(),
                **({"last_push_at": now} if pushed else {}),
            )
        )


def _waiting(desk: Desk, cursor: int, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        result.waiting_events = _count(local, "SELECT count(*) FROM outbox")
        result.waiting_rows = _count(local, "SELECT count(*) FROM rowchange")
    high = retrying(partial(_high_water, desk), desk.delays)
    with desk.hub.read() as hub:
        result.waiting_changes = int(
            hub.execute(
                select(func.count()).select_from(hub_change).where(_feed_filter(desk, cursor, high))
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
        _push_events(desk, result)
        _push_rows(desk, result)
        result.cursor = _pull(desk, cursor, result)
        with store.writer.begin() as local:
            local.execute(
                text("UPDATE syncstate SET last_push_at = :at WHERE id = 1"),
                {"at": desk.now_text()},
            )
        retrying(lambda: _register(desk, result.cursor, pushed=True), retry_delays)
        _waiting(desk, result.cursor, result)
    result.seconds = time.perf_counter() - started
    return result
