"""Seals: what one event set row by row, in bulk (an import's balances, an allocation's
officers, the cases retention removed). The values go to `audit_seal` as one JSON object per
event and kind (row id -> value), and the event's payload carries the object's
row count and SHA-256, so the chain covers them: `drp audit verify` hashes each object again
and checks the state tables against the latest sealed value
(drp_tui/services/audit_state.py, reading the object with SQLite's json_each)."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence

from sqlalchemy import Connection

from drp_tui.store.rawsql import run

BALANCE = "debt.balance"  # value: the balance in pence, as text
OFFICER = "case.officer"  # value: the officer's login
RETENTION = "case.retention"  # value: the record type retention removed
# A desk's record of cases the hub's retention removed, removed there too (services/retention.py).
REMOVED_ON_HUB = "retention.removed_on_hub"
# The only events whose seals of each kind `drp audit verify` honours: a seal on any other
# event (a note carrying a balance of 0) is reported, not believed.
SEALED_BY: dict[str, tuple[str, ...]] = {
    BALANCE: ("import.cases",),
    OFFICER: ("queue.allocated", "queue.rebalanced", "queue.returned"),
    RETENTION: ("retention.applied", REMOVED_ON_HUB),
}


def honoured(kind: str) -> str:
    """SQL: the event kinds whose `kind` seals are honoured, as `('a', 'b')`."""
    return "(" + ", ".join(f"'{k}'" for k in SEALED_BY[kind]) + ")"


_NEEDS_ESCAPING = re.compile(r'["\\\x00-\x1f]')


def plain(text: str) -> bool:
    """Whether `text` goes into JSON as it is (no quote, backslash or control character)."""
    return _NEEDS_ESCAPING.search(text) is None


def json_object(pairs: Sequence[tuple[str, str]]) -> str:
    """A JSON object of text keys and values, in the order given, without spaces. Ids, pence
    and logins need no escaping, so the text is joined directly, in C (a million pairs in a
    fraction of a second); anything else goes through json."""
    if not pairs:
        return "{}"
    if _NEEDS_ESCAPING.search("".join(map("".join, pairs))) is None:
        return '{"' + '","'.join(map('":"'.join, pairs)) + '"}'
    return json.dumps(dict(pairs), separators=(",", ":"), ensure_ascii=False)


def body_of(pairs: Sequence[tuple[str, str]]) -> str:
    """The seal's JSON object, in the order given (the digest is of this text as stored, so
    no order is imposed)."""
    return json_object(pairs)


def digest(body: str) -> str:
    return hashlib.sha256(body.encode()).hexdigest()


def write_seal(
    connection: Connection, event_id: str, kind: str, pairs: Sequence[tuple[str, str]]
) -> dict[str, object]:
    """Store the seal (inside the event's transaction) and return what the event's payload
    says about it: {"rows": n, "sha256": digest}. Row ids are unique within a seal."""
    return seal_body(connection, event_id, kind, (body_of(pairs), len(pairs)))


def seal_body(
    connection: Connection, event_id: str, kind: str, made: tuple[str, int]
) -> dict[str, object]:
    """`write_seal` of a body already made (the JSON object's text and its row count)."""
    body, rows = made
    if rows:
        run(
            connection,
            "INSERT INTO audit_seal (event_id, kind, body) VALUES (?, ?, ?)",
            (event_id, kind, body),
        )
    return {"rows": rows, "sha256": digest(body)}
