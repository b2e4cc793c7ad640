"""Desks' chain heads on the hub (hub revision h012), and the hub's own log verified (issue 20).

Each sync sends the desk's newest event `{seq, hash}` to `hubanchor`, where the desk's user
cannot change it (append-only, and on PostgreSQL a desk role inserts only its own). Before it
does, the desk's chain must still hold the hub's last anchor: a desk cut short or re-hashed
since is refused (recorded in `hubrefusal`) and not anchored again, so the hub keeps the
proof. `drp audit verify` on the desk reads the last anchor back (`last_anchor`).

`verify_hub` checks the hub's log: the hub's own `event` chain link by link; every desk event
in `hubevent` against its own hash, and each workstation's events linked in the order they
arrived, the first from the chain's start (a gap is a deleted event, unless that workstation
had events refused, which stay on the desk); each
workstation's anchors only go forward, each naming an event the hub received from it; and the
append-only triggers still in place.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select, text
from sqlmodel import col

from drp_tui.store.events import GENESIS, ChainCheck, event_hash, verify_chain
from drp_tui.store.models import Event
from drp_tui.store.types import instant_from_text
from drp_tui.sync.common import Desk, SyncResult, insert_rows
from drp_tui.sync.hub import Hub
from drp_tui.sync.schema import hub_anchor, hub_event, hub_refusal

# The triggers that keep the hub's log append-only (h004, h012), by dialect.
APPEND_ONLY = {
    "sqlite": (
        "hubevent_no_update",
        "hubevent_no_delete",
        "hubanchor_no_update",
        "hubanchor_no_delete",
        "hubanchor_forward",
        "event_no_update",
        "event_no_delete",
    ),
    "postgresql": (
        "hubevent_no_update",
        "hubevent_no_delete",
        "hubevent_no_truncate",
        "event_no_update",
        "event_no_delete",
        "event_no_truncate",
        "hubanchor_no_update",
        "hubanchor_no_delete",
        "hubanchor_no_truncate",
        "hubanchor_forward",
    ),
}


@dataclass(frozen=True)
class HubAnchor:
    seq: int
    hash: str
    received_at: str


def last_anchor(connection: Connection, workstation_id: str) -> HubAnchor | None:
    row = connection.execute(
        select(hub_anchor.c.seq, hub_anchor.c.hash, hub_anchor.c.received_at)
        .where(hub_anchor.c.workstation_id == workstation_id)
        .order_by(hub_anchor.c.seq.desc())
        .limit(1)
    ).first()
    return None if row is None else HubAnchor(int(row[0]), str(row[1]), str(row[2]))


def read_last_anchor(hub: Hub, workstation_id: str) -> HubAnchor | None:
    with hub.read() as connection:
        return last_anchor(connection, workstation_id)


def _local_hash(desk: Desk, seq: int) -> str | None:
    with desk.store.engine.connect() as local:
        found = local.execute(text("SELECT hash FROM event WHERE seq = :s"), {"s": seq}).first()
    return None if found is None else str(found[0])


def send_head(desk: Desk, result: SyncResult) -> None:
    """Anchor the desk's chain head on the hub, if it has grown past the last anchor and
    still holds it; a chain that does not is refused (a security event), not anchored."""
    from drp_tui.sync.push import refuse  # (push imports this module's neighbours)

    with desk.store.engine.connect() as local:
        head = local.execute(text("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1")).first()
    with desk.hub.write(origin=desk.workstation_id) as hub:
        last = last_anchor(hub, desk.workstation_id)
        problem = None
        if last is not None:
            held = _local_hash(desk, last.seq)
            if held is None:
                problem = f"chain ends before event #{last.seq}, anchored on the hub"
            elif held != last.hash:
                problem = f"event #{last.seq} no longer has the hash anchored on the hub"
        if problem is not None:
            refuse(hub, desk, [(f"anchor {last.seq if last else 0}", None, problem)])
            result.refused += 1
            return
        if head is None or (last is not None and int(head[0]) <= last.seq):
            return
        anchor = {
            "workstation_id": desk.workstation_id,
            "seq": int(head[0]),
            "officer_id": desk.officer_id,
            "hash": str(head[1]),
            "received_at": desk.now_text(),
        }
        insert_rows(hub, hub_anchor, [anchor], ignore=False)


# --- the hub's own log


@dataclass
class HubLogReport:
    events: ChainCheck  # the hub's own `event` chain
    desk_events: int = 0
    anchors: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.events.intact and not self.problems

    def as_json(self) -> dict[str, Any]:
        return {
            "intact": self.intact,
            "events": self.events.events,
            "chain_intact": self.events.intact,
            "first_broken_seq": self.events.first_broken_seq,
            "problem": self.events.problem,
            "desk_events": self.desk_events,
            "anchors": self.anchors,
            "problems": self.problems,
        }


def verify_hub(hub: Hub) -> HubLogReport:
    with hub.translate(), hub.as_store().read() as session:
        chain = verify_chain(session.execute(select(Event).order_by(col(Event.seq))).scalars())
    report = HubLogReport(chain)
    with hub.read() as connection:
        report.problems.extend(_missing_triggers(connection))
        report.problems.extend(_desk_events(connection, report))
        report.problems.extend(_anchors_forward(connection, report))
        report.problems.extend(_anchors_received(connection))
    return report


def _anchors_received(connection: Connection) -> Iterator[str]:
    """Each anchor names an event the hub received from its workstation: a sync anchors the
    head it has just pushed, so an anchor naming any other hash was not made by a sync (a
    desk login inserting the head of a chain it re-hashed). Not judged for a workstation that
    had events refused (they stay on its desk, and its head may be one of them)."""
    refused = select(hub_refusal.c.workstation_id).where(hub_refusal.c.item.like("event %"))
    received = (
        select(hub_event.c.seq)
        .where(
            hub_event.c.workstation_id == hub_anchor.c.workstation_id,
            hub_event.c.hash == hub_anchor.c.hash,
        )
        .exists()
    )
    for workstation, seq in connection.execute(
        select(hub_anchor.c.workstation_id, hub_anchor.c.seq)
        .where(~received, hub_anchor.c.workstation_id.not_in(refused))
        .order_by(hub_anchor.c.workstation_id, hub_anchor.c.seq)
    ):
        yield (
            f"workstation {workstation}'s anchor #{seq} names an event the hub never received "
            "from it: the anchor was not made by a sync"
        )


def _missing_triggers(connection: Connection) -> Iterator[str]:
    dialect = connection.dialect.name
    if dialect == "postgresql":  # (a disabled trigger is there but keeps nothing)
        found = {
            str(r[0])
            for r in connection.execute(
                text("SELECT tgname FROM pg_trigger WHERE tgenabled <> 'D'")
            )
        }
    else:
        found = {
            str(r[0])
            for r in connection.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            )
        }
    for name in APPEND_ONLY.get(dialect, ()):
        if name not in found:
            yield f"the trigger {name} is gone or disabled: the log is no longer append-only"


def _desk_events(connection: Connection, report: HubLogReport) -> Iterator[str]:
    refused = {
        str(r[0])
        for r in connection.execute(
            select(hub_refusal.c.workstation_id).where(hub_refusal.c.item.like("event %"))
        )
    }
    last: dict[str, str] = {}
    broken: set[str] = set()
    rows = connection.execute(select(hub_event).order_by(hub_event.c.seq))
    for row in rows:
        report.desk_events += 1
        event = row._mapping
        workstation = str(event["workstation_id"])
        payload = event["payload"]
        expected = event_hash(
            prev_hash=event["prev_hash"],
            event_id=event["id"],
            officer_id=event["officer_id"],
            at=instant_from_text(event["at"]),
            case_id=event["case_id"],
            kind=event["kind"],
            payload=_json(payload),
        )
        if expected != event["hash"]:
            yield (
                f"desk event {event['id']} (hub #{event['seq']}) does not match its hash: "
                "it was altered on the hub"
            )
        before = last.get(workstation, GENESIS)
        if (
            event["prev_hash"] != before
            and workstation not in refused
            and workstation not in broken
        ):
            broken.add(workstation)
            yield (
                f"workstation {workstation}'s events are not linked at hub #{event['seq']}: "
                "an event before it was removed from the hub"
            )
        last[workstation] = str(event["hash"])


def _anchors_forward(connection: Connection, report: HubLogReport) -> Iterator[str]:
    seen: dict[str, int] = {}
    for workstation, seq in connection.execute(
        select(hub_anchor.c.workstation_id, hub_anchor.c.seq).order_by(
            hub_anchor.c.received_at, hub_anchor.c.seq
        )
    ):
        report.anchors += 1
        if int(seq) <= seen.get(workstation, 0):
            yield f"workstation {workstation}'s anchor #{seq} goes back: anchors were rewritten"
        seen[workstation] = int(seq)


def _json(payload: Any) -> Any:
    return json.loads(payload) if isinstance(payload, str) else payload
