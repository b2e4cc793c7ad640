"""What a supervisor reads about the hub: its contents, each workstation's last sync, and the
conflicts and refusals waiting for them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, text

from drp_tui.sync.hub import Hub
from drp_tui.sync.schema import hub_workstation


@dataclass(frozen=True)
class Workstation:
    id: str
    officer_id: str
    last_push_at: str | None
    last_pull_at: str | None
    events_pushed: int
    behind: int  # hub changes after its cursor (not all of them are for it)


@dataclass(frozen=True)
class HubStatus:
    hub: str
    officers: int
    cases: int
    allocated: int
    events: int
    changes: int
    open_conflicts: int
    refusals: int
    workstations: list[Workstation]

    def as_json(self) -> dict[str, Any]:
        return {
            "hub": self.hub,
            "officers": self.officers,
            "cases": self.cases,
            "allocated": self.allocated,
            "events": self.events,
            "changes": self.changes,
            "open_conflicts": self.open_conflicts,
            "refusals": self.refusals,
            "workstations": [w.__dict__ for w in self.workstations],
        }


def hub_status(hub: Hub) -> HubStatus:
    with hub.read() as connection:

        def count(sql: str) -> int:
            return int(connection.execute(text(sql)).scalar() or 0)

        high = count("SELECT coalesce(max(seq), 0) FROM hubchange")
        workstations = [
            Workstation(
                row.id,
                row.officer_id,
                row.last_push_at,
                row.last_pull_at,
                int(row.events_pushed),
                high - int(row.cursor),
            )
            for row in connection.execute(
                select(hub_workstation).order_by(hub_workstation.c.officer_id, hub_workstation.c.id)
            )
        ]
        return HubStatus(
            hub=hub.shown,
            officers=count("SELECT count(*) FROM officer WHERE active"),
            cases=count('SELECT count(*) FROM "case"'),
            allocated=count('SELECT count(*) FROM "case" WHERE officer_id IS NOT NULL'),
            events=count("SELECT count(*) FROM hubevent") + count("SELECT count(*) FROM event"),
            changes=count("SELECT count(*) FROM hubchange"),
            open_conflicts=count("SELECT count(*) FROM hubconflict WHERE resolved_at IS NULL"),
            refusals=count("SELECT count(*) FROM hubrefusal"),
            workstations=workstations,
        )


@dataclass(frozen=True)
class Conflict:
    id: str
    kind: str
    case_reference: str | None
    detail: dict[str, Any]
    workstation_id: str | None
    flagged_at: str


def open_conflicts(hub: Hub) -> list[Conflict]:
    with hub.read() as connection:
        rows = connection.execute(
            text(
                "SELECT x.id, x.kind, c.reference, x.detail, x.workstation_id, x.flagged_at "
                'FROM hubconflict x LEFT JOIN "case" c ON c.id = x.case_id '
                "WHERE x.resolved_at IS NULL ORDER BY x.flagged_at, x.id"
            )
        ).all()
    return [Conflict(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]
