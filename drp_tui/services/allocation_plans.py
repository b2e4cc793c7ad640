"""An allocation's plan in a desk's SQLite store: the cases that move read in one query, and
the plan, its digest and its seal made as text in C from lists, for a million cases at a time.

Cases are keyed here by rowid, read in rowid order, so the plan is written back in table
order. Measured in docs/BENCHMARKS.md (issue 18).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from operator import lt
from typing import Any

from sqlalchemy import Connection

from drp_tui.store import bulk
from drp_tui.store.rawsql import is_sqlite
from drp_tui.store.seals import json_object, plain

ALLOCATION_CACHE = -262144  # KiB: 256 MB, the case table of a million cases and more

# The cases that move, as three JSON arrays (rowid, score, id) in rowid order: a million
# Python tuples cost more than the query, and JSON keeps each value's type. The status
# index is not used (`+c.status`): nearly every case of a morning's allocation is open, and
# scanning the table beats a million lookups from the index; a rebalance (`c.officer_id =
# ?`) still reads its officer's cases through the officer index.
_MOVING = """
SELECT json_group_array(k), json_group_array(s), json_group_array(i) FROM (
  SELECT c.rowid AS k, c.priority_score AS s, c.id AS i
  FROM "case" c LEFT JOIN officer o ON o.id = c.officer_id
  WHERE +c.status = 'open' AND ({moving}) ORDER BY c.rowid
)
"""


def moving_cases(
    connection: Connection, moving: str, params: tuple[Any, ...]
) -> tuple[list[int], list[int], list[str], bool, list[str]]:
    """Each open case matching `moving` (a WHERE clause over case c and its officer o): its
    rowid, its score and its id, in rowid order; whether every id goes into JSON as it is
    (`seals.plain`); and each rowid as text."""
    row = connection.exec_driver_sql(_MOVING.format(moving=moving), params).one()
    keys, points, ids = (json.loads(text) for text in row)
    texts = row[0][1:-1].split(",") if keys else []  # each rowid's text, as JSON wrote it
    if not all(map(lt, keys, islice(keys, 1, None))):  # SQLite promises no order to groups
        ordered = sorted(zip(keys, points, ids, strict=True))
        keys, points, ids = ([case[n] for case in ordered] for n in range(3))
        texts = list(map(str, keys))
    # JSON escapes a quote, a backslash or a control character with a backslash: with none
    # in the ids' text, no id needs escaping (one search of the text, not of each id).
    return keys, points, ids, "\\" not in row[2], texts


def plan_repr(texts: Sequence[str], positions: Sequence[int], officers: Sequence[str]) -> str:
    """`repr` of the plan's (rowid, officer) pairs, the text its digest is of, made in C (`repr`
    of a million tuples took about half a second): each rowid's text, then what follows it
    up to the next rowid, made once per officer with the officer's own `repr`."""
    if not texts:
        return "[]"
    after = [f", {officer!r}), (" for officer in officers]
    return "[(" + _interleaved(texts, after, positions)[: -len("), (")] + ")]"


def plan_json(
    texts: Sequence[str], given: Sequence[str], positions: Sequence[int], officers: Sequence[str]
) -> str:
    """The plan as a JSON object, rowid -> officer, in key order: made in C when no officer's
    login needs escaping (rowids never do)."""
    if not texts or not all(map(plain, officers)):
        return json_object(list(zip(texts, given, strict=True)))
    return _object(texts, positions, officers)


def seal_text(
    ids: Sequence[str],
    given: Sequence[str],
    positions: Sequence[int],
    officers: Sequence[str],
    ids_plain: bool,
) -> str:
    """The seal's JSON object, case id -> officer in the plan's order: the text `write_seal`
    makes of those pairs, made in C when no id (`ids_plain`) or login needs escaping."""
    if not ids:
        return "{}"
    if ids_plain and all(map(plain, officers)):
        return _object(ids, positions, officers)
    return json_object(list(zip(ids, given, strict=True)))


def _object(keys: Sequence[str], positions: Sequence[int], officers: Sequence[str]) -> str:
    """`{"key":"officer",...}` of keys and officers that need no escaping."""
    after = [f'":"{officer}","' for officer in officers]
    return '{"' + _interleaved(keys, after, positions)[: -len(',"')] + "}"


def _interleaved(keys: Sequence[str], after: Sequence[str], positions: Sequence[int]) -> str:
    """Each key followed by its officer's text `after` it, joined in one go (no string made
    for each pair)."""
    return "".join(chain.from_iterable(zip(keys, map(after.__getitem__, positions), strict=True)))


@contextmanager
def page_cache(connection: Connection) -> Iterator[None]:
    """A large page cache for an allocation's transaction in SQLite: the case table's pages
    its read brings in are still there for its UPDATE. SQLite's default again after."""
    if not is_sqlite(connection):
        yield
        return
    driver = connection.connection.driver_connection  # outside SQLAlchemy's transaction
    assert driver is not None
    driver.execute(f"PRAGMA cache_size = {ALLOCATION_CACHE}")
    try:
        yield
    finally:
        driver.execute("PRAGMA cache_size = -2000")


def write_plan(connection: Connection, written: str, cases: int) -> None:
    """Set each planned case's officer in one set-based UPDATE, in rowid (table) order, from
    the plan as one JSON object (rowid -> officer) that SQLite reads itself: binding a million
    rows into a temporary table took longer than the UPDATE. When most cases move (the
    morning's allocation), the officer index is built again afterwards rather than updated a
    million times, sorted in short runs (`bulk.rebuild`, `short_sort_runs`)."""
    if not cases:
        return
    rebuilt = []
    if bulk.worth_rebuilding(connection, "case", cases):
        rebuilt = bulk.drop_indexes(connection, ["case"], column="officer_id")
    connection.exec_driver_sql(
        'UPDATE "case" SET officer_id = plan.value FROM json_each(?) AS plan '
        'WHERE "case".rowid = CAST(plan.key AS INTEGER)',
        (written,),
    )
    bulk.rebuild(connection, rebuilt, short_sort_runs=True)
    connection.exec_driver_sql(f"PRAGMA cache_size = {ALLOCATION_CACHE}")
