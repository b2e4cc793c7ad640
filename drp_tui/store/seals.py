"""Seals: what one event set row by row, in bulk (an import's balances, an allocation's
officers). The rows go to `audit_seal` under the event's id, and the event's payload carries
their digest, so the chain covers them: `drp audit verify` recomputes each digest and checks
the state tables against the latest sealed value (drp_tui/services/audit_state.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection

from drp_tui.store.rawsql import run

BALANCE = "debt.balance"  # value: the balance in pence, as text
OFFICER = "case.officer"  # value: the officer's login


def digest(kind: str, pairs: Iterable[tuple[str, str]]) -> str:
    """The digest of seal rows, taken in row_id order (as verify reads them)."""
    hashed = hashlib.sha256(kind.encode())
    for row_id, value in pairs:
        hashed.update(f"\n{row_id}\t{value}".encode())
    return hashed.hexdigest()


def write_seal(
    connection: Connection, event_id: str, kind: str, pairs: Sequence[tuple[str, str]]
) -> dict[str, object]:
    """Store the seal rows (inside the event's transaction) and return what the event's
    payload says about them: {"rows": n, "sha256": digest}."""
    ordered = sorted(pairs)
    if ordered:
        run(
            connection,
            "INSERT INTO audit_seal (event_id, kind, row_id, value) VALUES (?, ?, ?, ?)",
            [(event_id, kind, row_id, value) for row_id, value in ordered],
        )
    return {"rows": len(ordered), "sha256": digest(kind, ordered)}
