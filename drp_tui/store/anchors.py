"""Anchors: the chain's head, recorded outside the store each time a write transaction that
wrote events commits, so `drp audit verify` can tell a chain cut short, emptied or re-hashed
from an honest one (issue 20).

A hash chain alone proves only that it is self-consistent: delete its last events, or edit
one and re-hash everything after it, and it still verifies. So every commit that appended
events adds a line `{"seq": N, "hash": H, "at": T}` to an append-only file beside the store
(`<store>.anchors`, 0600 in the store's 0700 folder); verify checks that every anchored event
is still there with the anchored hash. Someone who can rewrite the store can rewrite this
file too: the hub keeps each desk's head where a desk's user cannot reach it (each sync sends
it, drp_tui/sync/anchors.py), and verify checks the chain against that as well.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, event

HEAD_KEY = "drp_chain_head"  # connection.info: the last event appended in this transaction


@dataclass(frozen=True)
class Anchor:
    seq: int
    hash: str
    at: str  # when it was recorded (UTC, ISO 8601)

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "hash": self.hash, "at": self.at}


def anchor_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + ".anchors")


def note_head(connection: Connection, seq: int, chain_hash: str) -> None:
    """Called by `append_event`: the transaction's newest event, anchored when it commits."""
    connection.info[HEAD_KEY] = (seq, chain_hash)


def record(store_path: Path, seq: int, chain_hash: str) -> Anchor:
    anchor = Anchor(seq, chain_hash, datetime.now(UTC).isoformat(timespec="microseconds"))
    line = json.dumps(anchor.as_json(), sort_keys=True) + "\n"
    fd = os.open(
        anchor_path(store_path), os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o600
    )
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    return anchor


def watch(engine: Engine, store_path: Path) -> None:
    """Anchor the head of every committed transaction that appended events on `engine`."""

    @event.listens_for(engine, "commit")
    def _on_commit(connection: Connection) -> None:
        head = connection.info.pop(HEAD_KEY, None)
        if head is not None:
            record(store_path, *head)

    @event.listens_for(engine, "rollback")
    def _on_rollback(connection: Connection) -> None:
        connection.info.pop(HEAD_KEY, None)


def read_anchors(store_path: Path) -> tuple[list[Anchor], list[str]]:
    """The anchors recorded for the store, and the lines that could not be read as one."""
    path = anchor_path(store_path)
    if not path.exists():
        return [], []
    anchors, unreadable = [], []
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1):
        try:
            found = json.loads(line)
            anchors.append(Anchor(int(found["seq"]), str(found["hash"]), str(found["at"])))
        except (ValueError, KeyError, TypeError):
            unreadable.append(f"line {number}")
    return anchors, unreadable


def head_for_hub(store_path: Path) -> dict[str, Any] | None:
    """The desk's latest anchor in the file, as JSON. The sync sends the hub the head of the
    event table itself (drp_tui/sync/anchors.py `send_head`): a file deleted or cut short
    cannot make it send less."""
    anchors, _ = read_anchors(store_path)
    return anchors[-1].as_json() if anchors else None
