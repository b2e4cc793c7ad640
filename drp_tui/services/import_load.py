"""Writing a validated host extract into the store: the load path of `drp import cases`.

Every statement is prepared once per table and run over all its rows (`executemany`), with
values already in their stored form (pence as integers, dates as ISO text, exactly what the
ORM column types write): per-value ORM processing would cost more than SQLite's own work.

A large load into a small store (the first import, or one that at least doubles the debts)
is a bulk load: the tables' named secondary indexes are dropped inside the import's own
transaction, the new rows are inserted, and the indexes are built again from the finished
tables before the commit. Building an index by sorting is several times cheaper
than inserting a million keys one by one at random places in it, and since the drop, the
load and the rebuild are one transaction, a failed or interrupted import leaves every index
exactly as it was. Keys, unique constraints and foreign keys are checked throughout. The
measurements that chose this are in docs/BENCHMARKS.md (bench/schema_bench.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection

from drp_tui.domain.extract import ExtractRow
from drp_tui.store import bulk
from drp_tui.store.ids import host_ids, random_ids
from drp_tui.store.rawsql import chunks, is_sqlite, run

CHUNK = 5_000
# The tables an import writes, parents first (as the foreign keys require).
LOADED_TABLES = ("person", "case", "address", "phone", "debt", "debtparty")


class Progress(Protocol):
    def __call__(self, phase: str, done: int, total: int, /) -> None: ...


@dataclass
class LoadCounts:
    people_new: int = 0
    people_updated: int = 0
    debts_new: int = 0
    debts_updated: int = 0
    bulk: bool = False
    rebuilt_indexes: list[str] = field(default_factory=list)
    balances: list[tuple[str, str]] = field(default_factory=list)  # sealed by the event


_PERSON_UPSERT = """
INSERT INTO person (id, host_system, host_ref, title, forename, surname, date_of_birth, email,
                    preferred_contact)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, '[]')
ON CONFLICT (id) DO UPDATE SET title = excluded.title, forename = excluded.forename,
    surname = excluded.surname, date_of_birth = excluded.date_of_birth,
    email = coalesce(excluded.email, person.email)
"""
_CASE_INSERT = """
INSERT INTO "case" (id, reference, person_id, status, priority_score, priority_reason)
VALUES (?, ?, ?, 'open', 0, '')
"""
_DEBT_UPSERT = """
INSERT INTO debt (id, host_system, host_ref, case_id, debt_type, period, original_amount,
                  balance, costs, stage, stage_date, liability_order_date, jurisdiction)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET debt_type = excluded.debt_type, period = excluded.period,
    original_amount = excluded.original_amount, balance = excluded.balance,
    costs = excluded.costs, stage = excluded.stage, stage_date = excluded.stage_date,
    liability_order_date = excluded.liability_order_date, jurisdiction = excluded.jurisdiction
"""
_ADDRESS_INSERT = (
    "INSERT INTO address (id, person_id, line1, line2, town, postcode, current) "
    "VALUES (?, ?, ?, ?, ?, ?, TRUE)"
)
_PHONE_INSERT = (
    "INSERT INTO phone (id, person_id, number, kind, status) "
    "VALUES (?, ?, ?, ?, 'good') ON CONFLICT DO NOTHING"
)
_JOINT_INSERT = (
    "INSERT INTO debtparty (debt_id, person_id, role) VALUES (?, ?, 'joint') ON CONFLICT DO NOTHING"
)


def _many(connection: Connection, sql: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if rows:
        run(connection, sql, list(rows))


def _existing(connection: Connection, table: str, ids: Sequence[str]) -> set[str]:
    found: set[str] = set()
    if run(connection, f'SELECT 1 FROM "{table}" LIMIT 1').first() is None:
        return found  # the first import: nothing to look up
    for chunk in chunks(ids):
        marks = ",".join("?" * len(chunk))
        rows = run(connection, f'SELECT id FROM "{table}" WHERE id IN ({marks})', tuple(chunk))
        found.update(row[0] for row in rows)
    return found


def _count(connection: Connection, table: str) -> int:
    row = run(connection, f'SELECT count(*) FROM "{table}"').first()
    return 0 if row is None else int(row[0])


class _Iso(dict[date | None, str | None]):
    """Dates as stored (ISO text), each made once: an extract repeats a few thousand dates,
    and a hit is a plain dictionary look-up."""

    def __init__(self) -> None:
        super().__init__({None: None})

    def __missing__(self, day: date | None) -> str | None:
        text = self[day] = None if day is None else day.isoformat()
        return text


def is_bulk(connection: Connection, new_debts: int) -> bool:
    """Whether to load with the secondary indexes built afterwards: a SQLite store, and a load
    of at least BULK_MIN_ROWS new debts that at least doubles the debt table."""
    if not is_sqlite(connection) or new_debts < bulk.BULK_MIN_ROWS:
        return False
    return new_debts >= _count(connection, "debt")


def write_rows(
    connection: Connection,
    rows: list[ExtractRow],
    host: str,
    progress: Progress | None = None,
) -> LoadCounts:
    """Write validated rows in the caller's transaction; how many people and debts were new."""
    counts = LoadCounts()
    people: dict[str, ExtractRow] = {}
    for row in rows:  # a person's details come from their first row, as the checks assume
        people.setdefault(row.person_ref, row)
    person_ids = dict(zip(people, host_ids("person", host, people), strict=True))
    case_ids = dict(zip(people, host_ids("case", host, people), strict=True))
    debt_ids = host_ids("debt", host, [row.debt_ref for row in rows])
    existing_people = _existing(connection, "person", list(person_ids.values()))
    existing_debts = _existing(connection, "debt", debt_ids)
    counts.people_new = len(person_ids) - len(existing_people)
    counts.people_updated = len(existing_people)
    counts.debts_new = len(debt_ids) - len(existing_debts)
    counts.debts_updated = len(existing_debts)

    # What changes rows already here is done first, while every index is in place.
    addresses, phones = _contact_details(connection, people, person_ids, existing_people)
    counts.bulk = is_bulk(connection, counts.debts_new)
    if counts.bulk:
        counts.rebuilt_indexes = bulk.drop_indexes(connection, LOADED_TABLES)

    iso = _Iso()
    person_rows = [
        (
            person_ids[ref],
            host,
            ref,
            row.title,
            row.forename,
            row.surname,
            iso[row.date_of_birth],
            row.email,
        )
        for ref, row in people.items()
    ]
    _many(connection, _PERSON_UPSERT, person_rows)
    next_number = _next_case_number(connection)
    new_cases = []
    for ref in people:
        pid = person_ids[ref]
        if pid not in existing_people:
            new_cases.append((case_ids[ref], f"C{next_number:07d}", pid))
            next_number += 1
    _many(connection, _CASE_INSERT, new_cases)
    _many(connection, _ADDRESS_INSERT, addresses)
    _many(connection, _PHONE_INSERT, phones)
    debts = [
        (
            debt_ids[index],
            host,
            row.debt_ref,
            case_ids[row.person_ref],
            row.debt_type,
            row.period,
            row.original_pence,
            row.balance_pence,
            row.costs_pence,
            row.stage,
            iso[row.stage_date],
            iso[row.liability_order_date],
            row.jurisdiction,
        )
        for index, row in enumerate(rows)
    ]
    counts.balances = [(debt[0], str(debt[7])) for debt in debts]
    total = len(debts)
    for start in range(0, total, CHUNK):
        _many(connection, _DEBT_UPSERT, debts[start : start + CHUNK])
        if progress:
            progress("writing", min(start + CHUNK, total), total)
    joint = [
        (debt_ids[index], person_ids[row.joint_person_ref])
        for index, row in enumerate(rows)
        if row.joint_person_ref is not None
    ]
    _many(connection, _JOINT_INSERT, joint)
    if counts.bulk:
        if progress:
            progress("indexing", 0, len(counts.rebuilt_indexes))
        for done, sql in enumerate(counts.rebuilt_indexes, start=1):
            bulk.rebuild(connection, [sql])
            if progress:
                progress("indexing", done, len(counts.rebuilt_indexes))
    return counts


def _next_case_number(connection: Connection) -> int:
    row = run(connection, 'SELECT max(CAST(substr(reference, 2) AS INTEGER)) FROM "case"').first()
    return 1 if row is None or row[0] is None else int(row[0]) + 1


def _contact_details(
    connection: Connection,
    people: dict[str, ExtractRow],
    person_ids: dict[str, str],
    existing_people: set[str],
) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The addresses and phone numbers to insert. New phone numbers are added (a number drp
    has marked wrong keeps its status); a changed address becomes the current one and the old
    one is kept as history (marked here, before any index is dropped)."""
    current: dict[str, tuple[str, str, str, str]] = {}
    for chunk in chunks(sorted(existing_people)):
        marks = ",".join("?" * len(chunk))
        for pid, *address in run(
            connection,
            f"SELECT person_id, line1, line2, town, postcode FROM address "
            f"WHERE current AND person_id IN ({marks})",
            tuple(chunk),
        ):
            current[pid] = (address[0], address[1], address[2], address[3])
    moved: list[tuple[str]] = []
    new_addresses: list[tuple[str, str, str, str, str]] = []
    new_phones: list[tuple[str, str, str]] = []
    for ref, row in people.items():
        pid = person_ids[ref]
        if row.address is not None and current.get(pid) != row.address:
            if pid in current:
                moved.append((pid,))
            new_addresses.append((pid, *row.address))
        new_phones.extend((pid, number, kind) for number, kind in row.phones)
    _many(connection, "UPDATE address SET current = FALSE WHERE person_id = ? AND current", moved)
    ids = random_ids(len(new_addresses) + len(new_phones))
    addresses: list[tuple[str, ...]] = [(ids[n], *a) for n, a in enumerate(new_addresses)]
    offset = len(new_addresses)
    phones: list[tuple[str, ...]] = [(ids[offset + n], *p) for n, p in enumerate(new_phones)]
    return addresses, phones
