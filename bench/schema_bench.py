"""Key and index layouts for the bulk load, measured: raw executemany of exactly the rows an
import wrote, into the import's five tables laid out each way (same pragmas, one transaction).

Run by bench.run's import section; the layouts are the issue's candidates: the current text
UUID keys (in the import's order, and sorted by key), secondary indexes built after the load,
16-byte blob keys, and integer row ids with the UUID as a secondary column.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

TABLES = ["person", "case", "address", "phone", "debt"]
PRAGMAS = (
    "journal_mode = WAL",
    "synchronous = NORMAL",
    "foreign_keys = ON",
    "cache_size = -262144",
)

# Columns each table is loaded with (the import's own), the key first.
COLUMNS = {
    "person": "id, host_system, host_ref, title, forename, surname, date_of_birth, email, "
    "preferred_contact",
    "case": "id, reference, person_id, status, priority_score, priority_reason",
    "address": "id, person_id, line1, line2, town, postcode, current",
    "phone": "id, person_id, number, kind, status",
    "debt": "id, host_system, host_ref, case_id, debt_type, period, original_amount, balance, "
    "costs, stage, stage_date, liability_order_date, jurisdiction",
}
PARENT = {
    "case": ("person_id", "person"),
    "address": ("person_id", "person"),
    "phone": ("person_id", "person"),
    "debt": ("case_id", "case"),
}


def _ddl(key: str, ref: str) -> list[str]:
    """The five tables with `key` as the id column's declaration and `ref` as a reference's
    type; secondary indexes separately (see INDEXES)."""
    return [
        f"CREATE TABLE person (id {key}, host_system TEXT NOT NULL, host_ref TEXT NOT NULL, "
        "title TEXT NOT NULL, forename TEXT NOT NULL, surname TEXT NOT NULL, date_of_birth DATE, "
        "email TEXT, preferred_contact TEXT NOT NULL, deceased_on DATE)",
        f'CREATE TABLE "case" (id {key}, reference TEXT NOT NULL, person_id {ref} NOT NULL '
        "REFERENCES person (id), officer_id TEXT, status TEXT NOT NULL, hold_kind TEXT, "
        "hold_reason TEXT, hold_until DATE, next_action_due TEXT, priority_score INTEGER NOT "
        "NULL, priority_reason TEXT NOT NULL, updated_at TEXT)",
        f"CREATE TABLE address (id {key}, person_id {ref} NOT NULL REFERENCES person (id), "
        "line1 TEXT NOT NULL, line2 TEXT NOT NULL, town TEXT NOT NULL, postcode TEXT NOT NULL, "
        "current BOOLEAN NOT NULL)",
        f"CREATE TABLE phone (id {key}, person_id {ref} NOT NULL REFERENCES person (id), "
        "number TEXT NOT NULL, kind TEXT NOT NULL, status TEXT NOT NULL)",
        f"CREATE TABLE debt (id {key}, host_system TEXT NOT NULL, host_ref TEXT NOT NULL, "
        f'case_id {ref} NOT NULL REFERENCES "case" (id), debt_type TEXT NOT NULL, period TEXT '
        "NOT NULL, original_amount INTEGER NOT NULL, balance INTEGER NOT NULL, costs INTEGER "
        "NOT NULL, stage TEXT NOT NULL, stage_date DATE, liability_order_date DATE, "
        "jurisdiction TEXT NOT NULL)",
    ]


# Today's unique constraints and secondary indexes, as named indexes.
INDEXES = [
    "CREATE UNIQUE INDEX ux_person_host ON person (host_system, host_ref)",
    "CREATE INDEX ix_person_surname ON person (surname)",
    "CREATE INDEX ix_person_deceased_on ON person (deceased_on)",
    'CREATE UNIQUE INDEX ux_case_person ON "case" (person_id)',
    'CREATE UNIQUE INDEX ux_case_reference ON "case" (reference)',
    'CREATE INDEX ix_case_next_action_due ON "case" (next_action_due)',
    'CREATE INDEX ix_case_officer_id ON "case" (officer_id)',
    'CREATE INDEX ix_case_status ON "case" (status)',
    'CREATE INDEX ix_case_hold_kind ON "case" (hold_kind)',
    "CREATE INDEX ix_address_person_id ON address (person_id)",
    "CREATE INDEX ix_address_postcode ON address (postcode)",
    "CREATE UNIQUE INDEX ux_phone_person_number ON phone (person_id, number)",
    "CREATE UNIQUE INDEX ux_debt_host ON debt (host_system, host_ref)",
    "CREATE INDEX ix_debt_case_id ON debt (case_id)",
    "CREATE INDEX ix_debt_debt_type ON debt (debt_type)",
]


def _connect(path: Path) -> sqlite3.Connection:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in PRAGMAS:
        db.execute(f"PRAGMA {pragma}")
    return db


Rows = dict[str, list[tuple[Any, ...]]]


def _load(
    path: Path,
    key: str,
    ref: str,
    rows: Rows,
    *,
    indexes_first: bool,
    uuid_column: bool = False,
    keep: tuple[str, ...] = (),
    key_index: bool = False,
    refs_to: str = "id",
) -> float:
    """`keep`: indexes made with the tables even when the rest are built after the load;
    `key_index`: the text key is a unique index (built after, foreign keys checked after);
    `refs_to`: the column references point at ("uuid": text UUIDs beside integer keys, whose
    unique indexes are built after the load, so foreign keys are checked after it)."""
    db = _connect(path)
    for statement in _ddl(key, ref):
        if uuid_column:  # the UUID beside an integer key
            statement = statement.replace(f"(id {key}, ", f"(id {key}, uuid TEXT NOT NULL, ", 1)
        db.execute(statement.replace("(id)", f"({refs_to})"))
    if refs_to != "id":
        key_index = True
    extra = []
    if uuid_column:
        extra = [f'CREATE UNIQUE INDEX ux_{t}_uuid ON "{t}" (uuid)' for t in TABLES]
    if key_index:
        if refs_to == "id":
            extra = [f'CREATE UNIQUE INDEX ux_{t}_id ON "{t}" (id)' for t in TABLES]
        db.execute("PRAGMA foreign_keys = OFF")
    later = []
    for statement in INDEXES + extra:
        if indexes_first or any(f" {name} " in statement for name in keep):
            db.execute(statement)
        else:
            later.append(statement)
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        columns = ("id, uuid, " + COLUMNS[table][4:]) if uuid_column else COLUMNS[table]
        marks = ",".join("?" * len(rows[table][0]))
        db.executemany(f'INSERT INTO "{table}" ({columns}) VALUES ({marks})', rows[table])
    for statement in later:
        db.execute(statement)
    if key_index:
        for table in TABLES:
            assert not db.execute(f'PRAGMA foreign_key_check("{table}")').fetchall()
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def _read(store: Path) -> Rows:
    source = sqlite3.connect(store)
    rows = {
        t: source.execute(f'SELECT {COLUMNS[t]} FROM "{t}" ORDER BY rowid').fetchall()
        for t in TABLES
    }
    source.close()
    return rows


def _sorted(rows: Rows) -> Rows:
    return {t: sorted(r, key=lambda row: row[0]) for t, r in rows.items()}


def _blobs(rows: Rows) -> Rows:
    """Every key and reference as its UUID's 16 bytes, each table sorted by key."""

    def b(text: str) -> bytes:
        return uuid.UUID(text).bytes

    out: Rows = {}
    for table, table_rows in rows.items():
        out[table] = sorted(
            ((b(r[0]), *r[1:]) if table in ("person",) else _blob_ref(table, r, b))
            for r in table_rows
        )
    return out


def _blob_ref(table: str, row: tuple[Any, ...], b: Callable[[str], bytes]) -> tuple[Any, ...]:
    column = COLUMNS[table].split(", ").index(PARENT[table][0])
    values = [b(row[0]), *row[1:]]
    values[column] = b(row[column])
    return tuple(values)


def _integers(rows: Rows) -> Rows:
    """Integer row ids in load order, the UUID beside each, references as row ids."""
    number: dict[str, dict[str, int]] = {}
    out: Rows = {}
    for table in TABLES:
        number[table] = {r[0]: n for n, r in enumerate(rows[table], start=1)}
        names = COLUMNS[table].split(", ")
        converted = []
        for r in rows[table]:
            values = list(r)
            if table in PARENT:
                column = names.index(PARENT[table][0])
                values[column] = number[PARENT[table][1]][values[column]]
            converted.append((number[table][r[0]], *values))
        out[table] = converted
    return out


def _integer_keys(rows: Rows) -> Rows:
    """Integer row ids in load order, the UUID beside each, references left as text UUIDs."""
    return {t: [(n, *r) for n, r in enumerate(rows[t], start=1)] for t in TABLES}


TEXT_KEY = "TEXT NOT NULL PRIMARY KEY"


def integer_layouts(store: Path, work: Path) -> list[tuple[str, float, float]]:
    """(layout, wall seconds, CPU seconds of this process) of one load of the rows in `store`:
    today's layout beside integer row ids with the UUID as a unique column built after the
    load, with references as integers and as text UUIDs (issue 18's next question)."""
    rows = _read(store)
    layouts: list[tuple[str, Callable[[Path], float]]] = [
        (
            "text UUID keys, indexes kept, import order (today)",
            lambda p: _load(p, TEXT_KEY, "TEXT", rows, indexes_first=True),
        ),
        (
            "integer row ids + UUID column built after, references as integers",
            lambda p: _load(
                p,
                "INTEGER PRIMARY KEY",
                "INTEGER",
                _integers(rows),
                indexes_first=False,
                uuid_column=True,
            ),
        ),
        (
            "integer row ids + UUID column built after, references as text UUIDs "
            "(foreign keys checked after)",
            lambda p: _load(
                p,
                "INTEGER PRIMARY KEY",
                "TEXT",
                _integer_keys(rows),
                indexes_first=False,
                uuid_column=True,
                refs_to="uuid",
            ),
        ),
    ]
    results = []
    for name, load in layouts:
        cpu = time.process_time()
        wall = load(work / "layout.sqlite")
        cpu = time.process_time() - cpu
        results.append((name, wall, cpu))
        print(f"  {name}: wall {wall:.2f}s CPU {cpu:.2f}s", flush=True)
    return results


def run(store: Path, work: Path, repeats: int) -> list[tuple[str, float, float]]:
    """(layout, median seconds, p95 seconds) of loading the rows in `store` each way."""
    rows = _read(store)
    layouts: list[tuple[str, Callable[[Path], float]]] = [
        (
            "text UUID keys, indexes kept, import order (today)",
            lambda p: _load(p, TEXT_KEY, "TEXT", rows, indexes_first=True),
        ),
        (
            "text UUID keys, indexes kept, sorted by key",
            lambda p: _load(p, TEXT_KEY, "TEXT", _sorted(rows), indexes_first=True),
        ),
        (
            "text UUID keys, secondary indexes built after, sorted by key",
            lambda p: _load(p, TEXT_KEY, "TEXT", _sorted(rows), indexes_first=False),
        ),
        (
            "text UUID keys, unique constraints kept, other indexes built after, sorted by key",
            lambda p: _load(
                p,
                TEXT_KEY,
                "TEXT",
                _sorted(rows),
                indexes_first=False,
                keep=(
                    "ux_person_host",
                    "ux_case_person",
                    "ux_case_reference",
                    "ux_phone_person_number",
                    "ux_debt_host",
                ),
            ),
        ),
        (
            "text UUID keys as a unique index, every index built after, foreign keys checked after",
            lambda p: _load(
                p, "TEXT NOT NULL", "TEXT", _sorted(rows), indexes_first=False, key_index=True
            ),
        ),
        (
            "16-byte blob keys, secondary indexes built after, sorted by key",
            lambda p: _load(
                p, "BLOB NOT NULL PRIMARY KEY", "BLOB", _blobs(rows), indexes_first=False
            ),
        ),
        (
            "integer row ids + UUID column, secondary indexes built after",
            lambda p: _load(
                p,
                "INTEGER PRIMARY KEY",
                "INTEGER",
                _integers(rows),
                indexes_first=False,
                uuid_column=True,
            ),
        ),
    ]
    results = []
    for name, load in layouts:
        times = sorted(load(work / "layout.sqlite") for _ in range(repeats))
        p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
        results.append((name, statistics.median(times), p95))
        print(f"  {name}: median {statistics.median(times):.2f}s p95 {p95:.2f}s")
    return results
