"""Bulk writes in SQLite: secondary indexes dropped for the length of one large write and built
again, by sorting, from the finished table.

Both happen inside the caller's transaction (SQLite's DDL is transactional), so a write that
fails or is interrupted leaves every index exactly as it was, and readers (WAL) keep seeing
the old table and its indexes until the commit. Indexes behind primary keys and unique
constraints are never dropped: keys are checked throughout. Measured in docs/BENCHMARKS.md.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy import Connection

from drp_tui.store.rawsql import run

BULK_MIN_ROWS = 10_000


def worth_rebuilding(connection: Connection, table: str, rows: int) -> bool:
    """Whether writing `rows` rows is large enough, against what `table` already holds, for
    building its indexes again to beat updating them row by row: at least BULK_MIN_ROWS, and
    at least as many as the table had (inserts) or half of them (updates of existing rows).
    SQLite stores only: a PostgreSQL hub manages its own."""
    if connection.dialect.name != "sqlite" or rows < BULK_MIN_ROWS:
        return False
    row = run(connection, f'SELECT count(*) FROM "{table}"').first()
    return rows * 2 >= (0 if row is None else int(row[0]))


def drop_indexes(
    connection: Connection, tables: Sequence[str], column: str | None = None
) -> list[str]:
    """Drop the named (secondary) indexes of `tables`, or only those over `column`, and return
    the SQL that makes them again, for `rebuild`."""
    marks = ",".join("?" * len(tables))
    found = run(
        connection,
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).fetchall()
    dropped = []
    for name, sql in found:
        if column is not None:
            columns = {r[2] for r in run(connection, f'PRAGMA index_info("{name}")')}
            if column not in columns:
                continue
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
        dropped.append(str(sql))
    return dropped


# SQLite's sorter keeps each run it sorts in memory up to the page cache's size, and no smaller
# than 1 MB. Sorting in runs of a few MB that fit the CPU's cache, then merging them, took
# about half the CPU of one large in-memory sort of a million index entries in random order.
SHORT_RUN_CACHE = -2000


def rebuild(
    connection: Connection, statements: Sequence[str], *, short_sort_runs: bool = False
) -> None:
    """Run the statements `drop_indexes` returned. With `short_sort_runs`, each index is sorted
    in short runs (a page cache of SHORT_RUN_CACHE while it is built, which the caller sets
    again after). The pages the transaction has already changed stay in memory meanwhile
    (cache spill off): none is written out before the commit."""
    if short_sort_runs and statements:
        connection.exec_driver_sql("PRAGMA cache_spill = OFF")
        connection.exec_driver_sql(f"PRAGMA cache_size = {SHORT_RUN_CACHE}")
    try:
        for sql in statements:
            connection.exec_driver_sql(sql)
    finally:
        if short_sort_runs and statements:
            connection.exec_driver_sql("PRAGMA cache_spill = ON")


@contextmanager
def references_checked_by_caller(connection: Connection) -> Iterator[None]:
    """SQLite's foreign-key checks off for the transactions begun inside the block, on again
    after it. Only for a write whose every reference the caller has checked itself, inside the
    same write transaction (measured: checking a million cases' officers took about as long as
    writing them). SQLite changes the setting only outside a transaction; a hub is left alone."""
    if connection.dialect.name != "sqlite":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        driver.execute("PRAGMA foreign_keys = ON")
