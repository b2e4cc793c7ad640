"""The event log: every change drp makes is recorded as an immutable, hash-chained event, and
queued in the outbox for the hub, in the same transaction as the change itself."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.store.anchors import note_head
from drp_tui.store.models import Event, Outbox, new_id
from drp_tui.store.personal import seal
from drp_tui.store.types import canonical_json, instant_text

GENESIS = "0" * 64


def event_hash(
    *,
    prev_hash: str,
    event_id: str,
    officer_id: str,
    at: datetime,
    case_id: str | None,
    kind: str,
    payload: Mapping[str, Any],
) -> str:
    # The instant is hashed exactly as the store writes it (UTC, microseconds), so a chain
    # verified from the stored rows gives the same hashes whatever clock zone wrote them.
    body = canonical_json(
        {
            "prev": prev_hash,
            "id": event_id,
            "officer": officer_id,
            "at": instant_text(at),
            "case": case_id,
            "kind": kind,
            "payload": payload,
        }
    )
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


def append_event(
    session: Session,
    *,
    officer_id: str,
    kind: str,
    at: datetime,
    case_id: str | None = None,
    payload: Mapping[str, Any] | None = None,
    event_id: str | None = None,
) -> Event:
    """Add an event to the chain and the outbox. Call inside the write transaction that makes
    the change the event records (`Store.write`), so both happen or neither does."""
    last = session.execute(select(col(Event.hash)).order_by(col(Event.seq).desc()).limit(1)).first()
    prev_hash = GENESIS if last is None else str(last[0])
    event_id = event_id or new_id()
    body = dict(payload or {})
    # Round-trip through JSON so the stored payload and the hashed payload are the same value.
    body = json.loads(canonical_json(body))
    # Personal fields sealed under the person's key before hashing: the hash covers the
    # ciphertext, so erasing the key (crypto-shredding) leaves the chain verifiable.
    body = seal(session, case_id=case_id, kind=kind, at=at, payload=body)
    event = Event(
        id=event_id,
        officer_id=officer_id,
        at=at,
        case_id=case_id,
        kind=kind,
        payload=body,
        prev_hash=prev_hash,
        hash=event_hash(
            prev_hash=prev_hash,
            event_id=event_id,
            officer_id=officer_id,
            at=at,
            case_id=case_id,
            kind=kind,
            payload=body,
        ),
    )
    session.add(event)
    session.add(Outbox(event_id=event_id))
    session.flush()
    assert event.seq is not None
    note_head(session.connection(), event.seq, event.hash)
    return event


@dataclass(frozen=True)
class ChainCheck:
    events: int
    first_broken_seq: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.first_broken_seq is None


def verify_chain(events: Iterable[Event]) -> ChainCheck:
    """Recompute every link in `seq` order; name the first event whose link or content does
    not match."""
    prev = GENESIS
    count = 0
    for event in events:
        count += 1
        if event.prev_hash != prev:
            return ChainCheck(
                count,
                event.seq,
                "its link to the previous event does not match "
                "(an event before it was removed or reordered)",
            )
        expected = event_hash(
            prev_hash=event.prev_hash,
            event_id=event.id,
            officer_id=event.officer_id,
            at=event.at,
            case_id=event.case_id,
            kind=event.kind,
            payload=event.payload,
        )
        if expected != event.hash:
            return ChainCheck(
                count,
                event.seq,
                "its content does not match its hash (it was altered after it was written)",
            )
        prev = event.hash
    return ChainCheck(count, None, None)
