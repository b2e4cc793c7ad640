"""Conflicts a push finds that the facts cannot settle (two placements of one debt, work on a
case after it moved, two live arrangements on one debt), kept on the hub for a supervisor
(`drp hub conflicts`)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection

from drp_tui.store.types import canonical_json
from drp_tui.sync.common import (
    CONFLICT_NAMESPACE,
    LIVE_WORK,
    Desk,
    insert_rows,
    raw_table,
)
from drp_tui.sync.diary_rows import Booking
from drp_tui.sync.live_arrangements import live_covering
from drp_tui.sync.moved import case_officers
from drp_tui.sync.placements import Clash
from drp_tui.sync.schema import hub_conflict
from drp_tui.sync.tables import Replicated

# Work done on a case after it moved, flagged: an appointment booked on a desk that had not
# heard of the move is taken in its booker's calendar, and told (review 21d).
AFTER_A_MOVE = (*LIVE_WORK, "appointment")


def conflict_id(kind: str, subject: str) -> str:
    return str(uuid.uuid5(CONFLICT_NAMESPACE, f"{kind}:{subject}"))


def flag_conflicts(
    hub: Connection,
    desk: Desk,
    spec: Replicated,
    accepted: list[dict[str, Any]],
    new: list[dict[str, Any]],
    clashes: Sequence[Clash] = (),
    bookings: Sequence[Booking] = (),
) -> list[str]:
    """Clashes the facts cannot settle, kept for a supervisor (`drp hub conflicts`)."""
    found: list[tuple[str, str, str | None, dict[str, Any]]] = [
        (
            "two_placements",
            f"{c.debt_id} {c.stands} {c.clashed}",
            c.case_id,
            {"debt": c.debt_id, "stands": c.stands, "clashed": [c.clashed]},
        )
        for c in clashes
    ]
    found += [
        (
            "two_appointments",
            f"{b.officer_id} {b.stands} {b.clashed}",
            b.case_id,
            {"officer": b.officer_id, "stands": b.stands, "clashed": [b.clashed]},
        )
        for b in bookings
    ]
    if spec.name in AFTER_A_MOVE and new:
        owners = case_officers(hub, {r["case_id"] for r in new})
        for row in new:
            owner = owners.get(row["case_id"])
            if owner != desk.officer_id:
                found.append(
                    (
                        "worked_after_reallocation",
                        f"{spec.name} {row['id']}",
                        row["case_id"],
                        {
                            "table": spec.name,
                            "row": row["id"],
                            "by": desk.officer_id,
                            "case_officer": owner,
                        },
                    )
                )
    if spec.name in ("arrangement", "arrangement_debt"):
        # A debt is covered by the arrangement made for it or by a link to one (sent after
        # the arrangement); either way, two live ones on one debt are flagged once.
        debts = {
            r["debt_id"] for r in accepted if r["debt_id"] and r.get("status", "live") == "live"
        }
        live = live_covering(hub, raw_table("arrangement"), raw_table("arrangement_debt"), debts)
        for debt_id, arrangements in sorted(live.items()):
            if len(arrangements) > 1:
                ids = [a for a, _ in arrangements]
                found.append(
                    (
                        "two_live_arrangements",
                        f"{debt_id} {' '.join(ids)}",
                        arrangements[0][1],
                        {"debt": debt_id, "arrangements": ids},
                    )
                )
    if not found:
        return []
    rows = [
        {
            "id": conflict_id(kind, subject),
            "kind": kind,
            "case_id": case_id,
            "detail": canonical_json(detail),
            "workstation_id": desk.workstation_id,
            "flagged_at": desk.now_text(),
            "resolved_at": None,
        }
        for kind, subject, case_id, detail in found
    ]
    insert_rows(hub, hub_conflict, rows)
    return [conflict_id(kind, subject) for kind, subject, _, _ in found]
