"""Checking the state tables against the event chain (`drp audit verify`, issue 20).

The chain proves what happened; the tables say what is. Three things an insider could change
in the tables without touching the chain are checked against what the events say:

- payments: every `payment.recorded` event (this desk's, and those pulled from the hub) has
  its payment row with the same debt and amount, and every payment row has its event;
- balances: a debt's balance is the balance last sealed for it (by an import, or by a sync's
  pull for the debts it brought from the hub: the event holds the digest of the balances,
  drp_tui/store/seals.py), less the payments and approved write-offs recorded after that;
- allocation: a case's officer is the one last sealed for it (an allocation, a rebalance, a
  return of lent cases) or named by a later `queue.moved` event.

Each check is one SQL statement over the whole store (window functions and joins, no
per-row Python); rows the events say nothing about (a case allocated on the hub and pulled
whole, before any event here named it) are not judged. Each seal is checked against the digest
in its event first: a seal edited to match a tampered table is found; and only the kinds of
event that may seal a kind of row are believed (seals.SEALED_BY): a balance seal on a note is
reported, not honoured.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection

from drp_tui.store.engine import Store
from drp_tui.store.seals import BALANCE, OFFICER, RETENTION, SEALED_BY, digest, honoured


@dataclass(frozen=True)
class StateProblem:
    table: str  # debt, payment, case or audit_seal
    row: str  # the row's id
    case: str | None  # the case reference, where there is one
    found: str  # what the table holds
    events_say: str  # what the events say it should hold
    event_seq: int | None  # the event that says so (None: a pulled event, or none at all)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


# Pence from an event's "12.50" amount.
_PENCE = "CAST(round(json_extract({0}.payload, '$.amount') * 100) AS INTEGER)"
# Cases whose records retention has erased: their payments and balances are gone on purpose
# (drp_tui/services/retention.py seals them as "case.retention"). Only a case no longer held
# is passed over: a seal names the cases, it does not remove them, and anyone holding the
# file can append a well-linked event carrying one (review 20d).
_ERASED = (
    "SELECT j.key FROM audit_seal s JOIN event e ON e.id = s.event_id JOIN json_each(s.body) j "
    f"WHERE s.kind = '{RETENTION}' AND e.kind IN {honoured(RETENTION)}"
)

_PAYMENTS_MISSING = f"""
WITH said AS (
    SELECT e.seq AS seq, json_extract(e.payload, '$.payment') AS pid,
           json_extract(e.payload, '$.debt') AS debt_id, {_PENCE.format("e")} AS pence,
           e.case_id AS case_id
    FROM event e WHERE e.kind = 'payment.recorded'
    UNION ALL
    SELECT NULL, json_extract(s.payload, '$.payment'), json_extract(s.payload, '$.debt'),
           {_PENCE.format("s")}, s.case_id
    FROM syncedevent s WHERE s.kind = 'payment.recorded'
)
SELECT said.pid, c.reference, p.id, p.debt_id, p.amount, said.debt_id, said.pence, said.seq
FROM said
LEFT JOIN payment p ON p.id = said.pid
LEFT JOIN "case" c ON c.id = said.case_id
WHERE (p.id IS NULL OR p.debt_id IS NOT said.debt_id OR p.amount != said.pence)
  AND (said.case_id IS NULL OR c.id IS NOT NULL OR said.case_id NOT IN ({_ERASED}))
ORDER BY said.seq
"""

_PAYMENTS_UNRECORDED = """
WITH said AS MATERIALIZED (
    SELECT json_extract(payload, '$.payment') AS pid FROM event WHERE kind = 'payment.recorded'
    UNION
    SELECT json_extract(payload, '$.payment') FROM syncedevent WHERE kind = 'payment.recorded'
),
unsaid AS MATERIALIZED (
    SELECT id, debt_id, amount FROM payment WHERE id NOT IN (SELECT pid FROM said)
)
SELECT u.id, c.reference, u.debt_id, u.amount
FROM unsaid u
JOIN debt d ON d.id = u.debt_id
JOIN "case" c ON c.id = d.case_id
ORDER BY c.reference, u.id
"""

# The latest seal of each row: SQLite takes a bare column's value from the row that gives
# max() (documented behaviour), so one GROUP BY finds it without a window's sort.
_BALANCES = f"""
WITH sealed AS MATERIALIZED (
    SELECT j.key AS debt_id, CAST(j.value AS INTEGER) AS base, max(e.seq) AS seq, e.at AS at
    FROM audit_seal s JOIN event e ON e.id = s.event_id JOIN json_each(s.body) j
    WHERE s.kind = '{BALANCE}' AND e.kind IN {honoured(BALANCE)}
    GROUP BY j.key
),
since AS MATERIALIZED (
    SELECT json_extract(e.payload, '$.debt') AS debt_id, {_PENCE.format("e")} AS pence,
           e.seq AS seq, NULL AS at
    FROM event e WHERE e.kind = 'payment.recorded'
    UNION ALL
    SELECT w.debt_id, {_PENCE.format("e")}, e.seq, NULL
    FROM event e JOIN writeoffrequest w ON w.id = json_extract(e.payload, '$.request')
    WHERE e.kind = 'writeoff.approved'
    UNION ALL
    SELECT json_extract(s.payload, '$.debt'), {_PENCE.format("s")}, NULL, s.at
    FROM syncedevent s WHERE s.kind = 'payment.recorded'
),
moved AS (
    SELECT b.debt_id, sum(m.pence) AS pence
    FROM since m JOIN sealed b ON b.debt_id = m.debt_id
    WHERE m.seq > b.seq OR (m.seq IS NULL AND m.at > b.at)
    GROUP BY b.debt_id
),
wrong AS MATERIALIZED (
    SELECT d.id, d.case_id, d.balance, b.base - coalesce(moved.pence, 0) AS expected, b.seq
    FROM sealed b
    JOIN debt d ON d.id = b.debt_id
    LEFT JOIN moved ON moved.debt_id = b.debt_id
    WHERE d.balance != b.base - coalesce(moved.pence, 0)
)
SELECT w.id, c.reference, w.balance, w.expected, w.seq
FROM wrong w JOIN "case" c ON c.id = w.case_id
ORDER BY c.reference, w.id
"""

_OFFICERS = f"""
WITH here AS MATERIALIZED (
    SELECT case_id, officer, max(seq) AS seq, at FROM (
        SELECT j.key AS case_id, j.value AS officer, e.seq AS seq, e.at AS at
        FROM audit_seal s JOIN event e ON e.id = s.event_id JOIN json_each(s.body) j
        WHERE s.kind = '{OFFICER}' AND e.kind IN {honoured(OFFICER)}
        UNION ALL
        SELECT e.case_id, json_extract(e.payload, '$.to'), e.seq, e.at
        FROM event e WHERE e.kind = 'queue.moved'
    )
    GROUP BY case_id
),
pulled AS MATERIALIZED (
    SELECT case_id, json_extract(payload, '$.to') AS officer, max(at) AS at
    FROM syncedevent WHERE kind = 'queue.moved'
    GROUP BY case_id
),
said AS (
    SELECT h.case_id,
           CASE WHEN p.at > h.at THEN p.officer ELSE h.officer END AS officer,
           CASE WHEN p.at > h.at THEN NULL ELSE h.seq END AS seq
    FROM here h LEFT JOIN pulled p ON p.case_id = h.case_id
)
SELECT c.id, c.reference, c.officer_id, said.officer, said.seq
FROM said
JOIN "case" c ON c.id = said.case_id
WHERE c.officer_id IS NOT said.officer
ORDER BY c.reference
"""


def pounds(pence: Any) -> str:
    value = int(pence)
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value) // 100:,}.{abs(value) % 100:02d}"


def _seal_problems(connection: Connection) -> Iterator[StateProblem]:
    """Each seal against the row count and digest its event's payload holds."""
    claimed: dict[tuple[str, str], tuple[int, Any]] = {}
    for seq, event_id, event_kind, seals in connection.exec_driver_sql(
        "SELECT seq, id, kind, json_extract(payload, '$.seals') FROM event "
        "WHERE json_extract(payload, '$.seals') IS NOT NULL"
    ):
        for kind, said in json.loads(seals).items():
            claimed[(event_id, kind)] = (seq, said)
            if event_kind not in SEALED_BY.get(kind, ()):
                yield StateProblem(
                    "audit_seal",
                    event_id,
                    None,
                    f"a {kind} seal on a {event_kind} event",
                    f"only {', '.join(SEALED_BY.get(kind, ())) or 'no event'} may seal it",
                    seq,
                )
    found: set[tuple[str, str]] = set()
    for event_id, kind, body, rows in connection.exec_driver_sql(
        "SELECT event_id, kind, body, CASE WHEN json_valid(body) "
        "THEN (SELECT count(*) FROM json_each(body)) ELSE 0 END FROM audit_seal"
    ):
        found.add((event_id, kind))
        seq, said = claimed.get((event_id, kind), (None, None))
        if said != {"rows": rows, "sha256": digest(str(body))}:
            shown = "no such seal" if said is None else f"{said.get('rows')} rows, another digest"
            yield StateProblem("audit_seal", event_id, None, f"{rows} {kind} rows", shown, seq)
    for (event_id, kind), (seq, said) in claimed.items():
        if (event_id, kind) not in found and said.get("rows"):
            yield StateProblem(
                "audit_seal", event_id, None, f"0 {kind} rows", f"{said.get('rows')} rows", seq
            )


def state_problems(store: Store, *, limit: int = 1000) -> list[StateProblem]:
    """Every disagreement between the state tables and the events (the first `limit`)."""
    found: list[StateProblem] = []
    with store.engine.connect() as connection:
        found.extend(_seal_problems(connection))
        for pid, ref, row, debt, amount, said_debt, said_pence, seq in connection.exec_driver_sql(
            _PAYMENTS_MISSING
        ):
            shown = "no row (deleted)" if row is None else f"{pounds(amount)} on debt {debt}"
            said = f"{pounds(said_pence)} on debt {said_debt}"
            found.append(StateProblem("payment", pid, ref, shown, said, seq))
        for pid, ref, debt, amount in connection.exec_driver_sql(_PAYMENTS_UNRECORDED):
            found.append(
                StateProblem(
                    "payment",
                    pid,
                    ref,
                    f"{pounds(amount)} on debt {debt}",
                    "no payment.recorded event",
                    None,
                )
            )
        for debt, ref, balance, expected, seq in connection.exec_driver_sql(_BALANCES):
            found.append(
                StateProblem("debt", debt, ref, f"balance {pounds(balance)}", pounds(expected), seq)
            )
        for case, ref, officer, expected, seq in connection.exec_driver_sql(_OFFICERS):
            found.append(
                StateProblem(
                    "case",
                    case,
                    ref,
                    f"officer {officer or 'none'}",
                    f"officer {expected or 'none'}",
                    seq,
                )
            )
    return found[:limit]
