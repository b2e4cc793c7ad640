"""What the sync's push and pull share: the result, the desk, the store's tables as plain
columns (so values cross between databases as they are stored), and retries."""

from __future__ import annotations

import json
import os
import sys
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Connection,
    MetaData,
    Table,
    Text,
    any_,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Result
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import SQLModel

import drp_tui.store.models  # noqa: F401  (registers the store's tables)
from drp_tui.store.engine import Store
from drp_tui.store.rawsql import chunks
from drp_tui.store.types import instant_text
from drp_tui.sync.errors import HubUnreachable
from drp_tui.sync.hub import Hub, desk_login
from drp_tui.sync.tables import KEY_SEPARATOR, Replicated, row_key

BATCH = 2_000
RETRY_DELAYS_S = (0.5, 1.0, 2.0)
CONFLICT_NAMESPACE = uuid.UUID("0b7d2c43-5d0e-4b43-9a57-3c1f7f3b2e90")
STALL_VARIABLE = "DRP_SYNC_STALL_AT"
LIVE_WORK = ("contactattempt", "promise", "arrangement")

Progress = Callable[[str, int, int], None]
T = TypeVar("T")


@dataclass(frozen=True)
class HubRemoval:
    """One of the hub's retention removals (hubremoval, h024) of a case this desk holds."""

    case_id: str
    record_type: str  # special_category, personal or financial (the case whole)
    removed_at: str  # when the hub's retention removed it (ISO 8601)


@dataclass
class HubRemovals:
    """The removals this desk has to make, and the feed's number read through."""

    through: int = 0
    removals: list[HubRemoval] = field(default_factory=list)


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
    # What the hub's retention removed of cases this desk holds (sync/removed.py), for the
    # caller to remove with the retention service; how many cases it removed from.
    removed_on_hub: HubRemovals = field(default_factory=HubRemovals)
    removed_cases: int = 0
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
            "removed_cases": self.removed_cases,
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


def upsert(
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


def insert_ignoring(connection: Connection, table: Table) -> Insert:
    """Insert, leaving a row already there with the same key. No conflict target: PostgreSQL
    wants SELECT on the table to infer one, which a desk's own login has not on the tables
    it only adds to (hubrefusal, hubconflict)."""
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()


def insert_rows(
    connection: Connection, table: Table, rows: list[dict[str, Any]], *, ignore: bool = True
) -> None:
    """Insert `rows` into the hub's `table` (with `ignore`, leaving a row already there with
    the same key). A desk's own login on a PostgreSQL hub writes no table itself (hub revision
    h023): the rows go to `drp_desk_insert`, which inserts them in one statement under the
    privileges, policies and checks a desk's own INSERT had; without `ignore`, a key the desk
    can read on the hub fails it as the owner's INSERT fails (h026; a key only a row it cannot
    read holds answers as a fresh key does, and is recorded)."""
    if not rows:
        return
    if desk_login(connection) is not None:
        connection.execute(
            text("SELECT drp_desk_insert(:t, CAST(:rows AS jsonb), :ignore)"),
            {"t": table.name, "rows": _as_json(rows), "ignore": ignore},
        )
        return
    connection.execute(insert_ignoring(connection, table) if ignore else insert(table), rows)


def _as_json(rows: list[dict[str, Any]]) -> str:
    return json.dumps(rows, default=_json_value, ensure_ascii=False)


def _json_value(value: Any) -> Any:
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"a hub row holds a {type(value).__name__}, which JSON cannot carry")


def as_dicts(result: Result[Any]) -> Iterator[dict[str, Any]]:
    """A result's rows as dicts, the column names looked up once (a row's own `_mapping`
    builds its keys again for every row: a fifth of a pull's time on this side)."""
    names = list(result.keys())
    return (dict(zip(names, row, strict=True)) for row in result)


def _member_of(
    connection: Connection, expression: ColumnElement[Any], values: Sequence[str]
) -> Iterator[ColumnElement[bool]]:
    """`expression IN values`, in as few statements as the database takes: on PostgreSQL one
    `= ANY(array)` bound as a single value (a batch's 2,000 ids as 2,000 bound parameters cost
    the pull more to render and parse on this side than the hub took to answer), on SQLite
    in pieces under its cap on bound parameters."""
    if connection.dialect.name == "postgresql":
        if values:
            yield expression == any_(bindparam("wanted", list(values), type_=ARRAY(Text())))
        return
    for chunk in chunks(values):
        yield expression.in_(chunk)


def rows_by_key(
    connection: Connection, spec: Replicated, keys: Sequence[str]
) -> list[dict[str, Any]]:
    table = raw_table(spec.name)
    joined: ColumnElement[Any] = table.c[spec.key[0]]
    for column in spec.key[1:]:
        joined = joined + KEY_SEPARATOR + table.c[column]
    found: list[dict[str, Any]] = []
    for where in _member_of(connection, joined, keys):
        found.extend(as_dicts(connection.execute(select(table).where(where))))
    return found


def rows_where(
    connection: Connection, table: Table | str, column: str, values: Iterable[str]
) -> list[dict[str, Any]]:
    """Rows of `table` (a hub table, or a store table by name) whose `column` is in `values`."""
    if isinstance(table, str):
        table = raw_table(table)
    found: list[dict[str, Any]] = []
    for where in _member_of(connection, table.c[column], sorted(set(values))):
        found.extend(as_dicts(connection.execute(select(table).where(where))))
    return found


def update_columns(
    connection: Connection,
    table: Table,
    rows: list[dict[str, Any]],
    columns: Sequence[str],
    key: Sequence[str] = ("id",),
) -> None:
    """Write only `columns` of `rows` (by their `key` columns) over the rows already there. A
    desk's own login on a PostgreSQL hub goes through `drp_desk_update` (h023), which finds
    the rows by the table's primary key (`key` must be it)."""
    if rows and columns and desk_login(connection) is not None:
        connection.execute(
            text("SELECT drp_desk_update(:t, :columns, CAST(:rows AS jsonb))"),
            {
                "t": table.name,
                "columns": list(columns),
                "rows": _as_json([{c: r[c] for c in (*key, *columns)} for r in rows]),
            },
        )
    elif rows and columns:
        connection.execute(
            update(table)
            .where(*(table.c[k] == bindparam(f"key_{k}") for k in key))
            .values({c: bindparam(f"{c}_") for c in columns}),
            [{**{f"key_{k}": r[k] for k in key}, **{f"{c}_": r[c] for c in columns}} for r in rows],
        )


def key_of(spec: Replicated, row: dict[str, Any]) -> str:
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


def count_of(connection: Connection, sql: str, **params: Any) -> int:
    return int(connection.execute(text(sql), params).scalar() or 0)


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
