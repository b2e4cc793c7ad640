"""Raw SQL through the database driver, for the bulk paths (import, scoring, allocation) where
SQLAlchemy's per-row work would cost more than the query itself.

Statements are written once, with `?` placeholders, and run on a desk's SQLite store and on a
team hub in PostgreSQL (psycopg wants `%s`). They hold no `%` of their own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, CursorResult

if TYPE_CHECKING:
    from sqlalchemy.util.typing import TupleAny

T = TypeVar("T")
Params = Sequence[Any] | Sequence[Sequence[Any]]


def chunks(items: Sequence[T], size: int = 500) -> Iterator[Sequence[T]]:
    """Long key lists in pieces for `IN (...)`: SQLite caps the bound parameters."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def is_sqlite(connection: Connection) -> bool:
    return connection.dialect.name == "sqlite"


def for_driver(connection: Connection, sql: str) -> str:
    """`sql` with its `?` placeholders in the connection's driver's own style."""
    return sql if connection.dialect.paramstyle == "qmark" else sql.replace("?", "%s")


def run(connection: Connection, sql: str, params: Params = ()) -> CursorResult[*TupleAny]:
    """Execute `sql` (a list of parameter tuples runs it once for each)."""
    return connection.exec_driver_sql(for_driver(connection, sql), params)


def in_join_order(connection: Connection) -> str:
    """A join SQLite must take in the order written (its CROSS JOIN); PostgreSQL plans it."""
    return "CROSS JOIN" if is_sqlite(connection) else "JOIN"
