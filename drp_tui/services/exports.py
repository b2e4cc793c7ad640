"""Files for the host systems: outcomes, arrangements and agency payments to post."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from drp_tui.domain.csvsafe import csv_text
from drp_tui.store.engine import Store
from drp_tui.store.types import instant_from_text, instant_text

LONDON = ZoneInfo("Europe/London")
KINDS = ("outcomes", "arrangements", "reconciliation")
EARLIEST = date(2000, 1, 1)

_OUTCOMES_SQL = """
SELECT c.reference, p.host_system, p.host_ref, x.officer_id, x.started_at, x.outcome_code,
       x.right_party, x.idv_result, x.notes
FROM contactattempt x JOIN "case" c ON c.id = x.case_id JOIN person p ON p.id = c.person_id
WHERE x.started_at >= ? ORDER BY x.started_at
"""
_ARRANGEMENTS_SQL = """
SELECT a.id, c.reference, d.host_system, d.host_ref, a.total, a.frequency, a.status,
       a.status_reason, a.created_at, a.status_changed_at
FROM arrangement a JOIN "case" c ON c.id = a.case_id LEFT JOIN debt d ON d.id = a.debt_id
WHERE a.created_at >= ? OR a.status_changed_at >= ? ORDER BY a.created_at
"""
_DEBTS_SQL = """
SELECT d.host_ref, l.position, l.amount FROM arrangement_debt l JOIN debt d ON d.id = l.debt_id
WHERE l.arrangement_id = ? ORDER BY l.position
"""
_INSTALMENTS_SQL = """
SELECT due_on, amount, paid FROM instalment WHERE arrangement_id = ? ORDER BY number
"""
_RECONCILIATION_SQL = """
SELECT d.host_system, d.host_ref, y.amount, y.received_on, a.name, y.reference, y.source
FROM payment y JOIN debt d ON d.id = y.debt_id JOIN agency a ON a.id = y.agency_id
WHERE y.source != 'host' AND y.received_on >= ? ORDER BY y.received_on, d.host_ref
"""


def _since(day: date | None) -> str:
    return instant_text(datetime.combine(day or EARLIEST, time(0), LONDON))


def _money(pence: Any) -> str:
    return "" if pence is None else f"{int(pence) / 100:.2f}"


def _when(value: Any) -> str:
    if value is None:
        return ""
    return instant_from_text(value).astimezone(LONDON).isoformat(timespec="seconds")


def _outcomes(connection: Connection, since: date | None) -> list[dict[str, Any]]:
    found = connection.exec_driver_sql(_OUTCOMES_SQL, (_since(since),)).fetchall()
    return [
        {
            "case": ref,
            "host_system": host,
            "person_ref": person_ref,
            "officer": officer,
            "called_at": _when(started),
            "outcome": outcome,
            "right_party": bool(rpc),
            "idv": idv,
            "notes": notes,
        }
        for ref, host, person_ref, officer, started, outcome, rpc, idv, notes in found
    ]


def _arrangements(connection: Connection, since: date | None) -> list[dict[str, Any]]:
    rows = []
    found = connection.exec_driver_sql(_ARRANGEMENTS_SQL, (_since(since), _since(since)))
    for (
        arrangement_id,
        ref,
        host,
        debt_ref,
        total,
        frequency,
        status,
        reason,
        created,
        changed,
    ) in found.fetchall():
        instalments = connection.exec_driver_sql(_INSTALMENTS_SQL, (arrangement_id,))
        debts = connection.exec_driver_sql(_DEBTS_SQL, (arrangement_id,))
        rows.append(
            {
                "case": ref,
                "host_system": host or "",
                "debt_ref": debt_ref or "",  # the first debt paid
                "debts": [  # every debt covered, in the order payments go to them
                    {"debt_ref": ref, "order": position, "amount": _money(amount)}
                    for ref, position, amount in debts
                ],
                "total": _money(total),
                "frequency": frequency,
                "status": status,
                "status_reason": reason,
                "made_at": _when(created),
                "status_changed_at": _when(changed),
                "instalments": [
                    {"due": due, "amount": _money(amount), "paid": _money(paid)}
                    for due, amount, paid in instalments
                ],
            }
        )
    return rows


def _reconciliation(connection: Connection, since: date | None) -> list[dict[str, Any]]:
    since_day = (since or EARLIEST).isoformat()
    found = connection.exec_driver_sql(_RECONCILIATION_SQL, (since_day,)).fetchall()
    return [
        {
            "host_system": host,
            "debt_ref": debt_ref,
            "amount": _money(amount),
            "received_on": received,
            "agency": agency,
            "agency_reference": reference,
            "source": source,
        }
        for host, debt_ref, amount, received, agency, reference, source in found
    ]


def export_rows(store: Store, kind: str, since: date | None) -> list[dict[str, Any]]:
    readers = {
        "outcomes": _outcomes,
        "arrangements": _arrangements,
        "reconciliation": _reconciliation,
    }
    with store.engine.connect() as connection:
        return readers[kind](connection, since)


def render(rows: Sequence[dict[str, Any]], fmt: str) -> str:
    """JSON as is; CSV with any nested list (instalments) as a JSON cell, and every cell a
    spreadsheet would run as a formula neutralised (drp_tui.domain.csvsafe)."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if not rows:
        return ""
    flat = [
        {k: (json.dumps(v) if isinstance(v, list) else v) for k, v in row.items()} for row in rows
    ]
    return csv_text(list(flat[0]), flat)
