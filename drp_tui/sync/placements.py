"""A debt is with one agency at a time, across desks too: two desks may each place a debt
before either syncs. The first placement to reach the hub stands; a later one is kept, as
"clashed" (never open, so never worked or exported as with its agency), sent back to the
desk that made it, and flagged for a supervisor to settle."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, select

from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import insert_rows

CLASHED = "clashed"


@dataclass(frozen=True)
class Clash:
    debt_id: str
    stands: str  # the placement open on the hub
    clashed: str  # the one that arrived later
    case_id: str | None


def settle_placements(
    hub: Connection, placement: Table, new: list[dict[str, Any]], cases: Mapping[str, str | None]
) -> list[Clash]:
    """Mark each of `new` (rows about to be inserted; `cases` their cases by id) that would be
    a second open placement on its debt as clashed, in place; the clashes, in order."""
    opening = [r for r in new if r["status"] == "open"]
    if not opening:
        return []
    standing: dict[str, str] = {}
    for chunk in chunks(sorted({r["debt_id"] for r in opening})):
        standing |= dict(
            hub.execute(
                select(placement.c.debt_id, placement.c.id).where(
                    placement.c.debt_id.in_(chunk), placement.c.status == "open"
                )
            ).all()
        )
    clashes = []
    for row in opening:
        stands = standing.setdefault(row["debt_id"], row["id"])
        if stands != row["id"]:
            row["status"] = CLASHED
            row["return_reason"] = f"placed at the same time as {stands}; the first stands"
            clashes.append(Clash(row["debt_id"], stands, row["id"], cases.get(row["id"])))
    return clashes


def feed_back(hub: Connection, change: Table, table: str, rows: dict[str, str | None]) -> None:
    """Feed each of `rows` (key: case) as a change of the hub's own (no origin), so the desk
    that sent it otherwise takes the hub's copy back: a clashed placement, a settled row."""
    insert_rows(
        hub,
        change,
        [{"table_name": table, "row_key": key, "case_id": case} for key, case in rows.items()],
        ignore=False,
    )


def closing_first(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Placements as a desk applies them: those no longer open first, so a placement that
    clashed here is closed before the one that stands is opened (one open per debt)."""
    return sorted(rows, key=lambda row: row["status"] == "open")
