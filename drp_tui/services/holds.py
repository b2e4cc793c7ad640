"""A case's holds, worked out here once for every caller: the queue, allocation, casework's
checks and the case view. Which actions a hold refuses, and until when, is the domain's
(drp_tui.domain.holds); this reads what is recorded: Breathing Space and mental health crisis
on the person, a death on the person, a dispute or vulnerability review on the case, an open
complaint whose stage pauses recovery.

Raw SQL over a connection and no ORM: the queue is read in a process forked before the ORM is
loaded (drp_tui.read_ahead). A caller holding an ORM session passes the session: its pending
changes are flushed and its own connection (and transaction) is read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from typing import Any, Protocol

from sqlalchemy import Connection

from drp_tui.domain.holds import Hold
from drp_tui.store.rawsql import chunks, in_join_order, run

CASE_HOLDS = ("dispute", "vulnerability_review")  # the holds kept on the case row itself


class SessionLike(Protocol):
    """An ORM session, without importing the ORM here."""

    def flush(self) -> None: ...

    def connection(self) -> Connection: ...


def _connection(db: Connection | SessionLike) -> Connection:
    if isinstance(db, Connection):
        return db
    db.flush()  # what the caller's transaction has added counts
    return db.connection()


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def holds_by_case(
    db: Connection | SessionLike, case_ids: Sequence[str] | None = None
) -> dict[str, list[Hold]]:
    """The holds recorded on each case that has any: on every case (None), or on those given.
    A case with none is left out.

    For every case, the few held people and cases are read first and their cases looked up by
    index, rather than every case scanned."""
    connection = _connection(db)
    holds: dict[str, list[Hold]] = defaultdict(list)
    if case_ids is None:
        _read(connection, holds, ())
    else:
        for part in chunks(list(dict.fromkeys(case_ids))):
            _read(connection, holds, tuple(part))
    return dict(holds)


def case_holds(db: Connection | SessionLike, case_id: str) -> list[Hold]:
    """The holds recorded on one case (none: an empty list)."""
    return holds_by_case(db, [case_id]).get(case_id, [])


def _read(connection: Connection, holds: dict[str, list[Hold]], ids: tuple[str, ...]) -> None:
    """Add the holds of the cases `ids` (none given: of every case) to `holds`."""
    # Without cases given, SQLite is made to start from the few held people (CROSS JOIN);
    # with them, it starts from the cases.
    join = "JOIN" if ids else in_join_order(connection)
    only = f"c.id IN ({','.join('?' * len(ids))})" if ids else "1 = 1"
    for case_id, kind, start, end, treatment_end in run(
        connection,
        'SELECT c.id, b.kind, b.start, b."end", b.treatment_end FROM breathingspace b '
        f'{join} "case" c ON c.person_id = b.person_id WHERE {only} ORDER BY c.id, b.start',
        ids,
    ):
        holds[case_id].append(Hold(kind, _day(start) or date.min, _day(end), _day(treatment_end)))
    for case_id, died_on in run(
        connection,
        f'SELECT c.id, p.deceased_on FROM person p {join} "case" c ON c.person_id = p.id '
        f"WHERE p.deceased_on IS NOT NULL AND {only}",
        ids,
    ):
        holds[case_id].append(Hold("deceased", _day(died_on) or date.min))
    for case_id, kind, until in run(
        connection,
        'SELECT c.id, c.hold_kind, c.hold_until FROM "case" c '
        f"WHERE c.hold_kind IN ({','.join('?' * len(CASE_HOLDS))}) AND {only}",
        CASE_HOLDS + ids,
    ):
        holds[case_id].append(Hold(kind, date.min, _day(until)))
    for case_id, received_on in run(
        connection,
        "SELECT c.id, min(k.received_on) FROM complaint k "
        f'{join} "case" c ON c.id = k.case_id '
        f"WHERE k.status = 'open' AND k.pauses_recovery AND {only} GROUP BY c.id",
        ids,
    ):
        holds[case_id].append(Hold("complaint", _day(received_on) or date.min))
