"""A desk's own login pushes its events staged (hub revision h006): the batch is COPYed into
`hubstage_event` (no lock: nothing is fed yet) and one call of `drp_push_events` judges and
appends it on the server, taking the feed lock only for that call. Each statement commits on
its own, so no hub lock is ever held while the hub waits for this desk."""

from __future__ import annotations

from typing import Any

import psycopg

from drp_tui.sync.common import Desk

STAGED = ("id", "officer_id", "at", "case_id", "kind", "payload", "prev_hash", "hash")


def push_staged(
    desk: Desk, batch: list[dict[str, Any]], received: str
) -> tuple[list[str], list[tuple[str, str | None, str]]]:
    """Stage and push `batch`; the ids now on the hub, and (item, case, reason) refused."""
    cases = {e["id"]: e["case_id"] for e in batch}
    with (
        desk.hub.translate(),
        desk.hub.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection,
    ):
        raw = connection.connection.dbapi_connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            with cursor.copy(f"COPY hubstage_event ({', '.join(STAGED)}) FROM STDIN") as copy:
                for event in batch:
                    copy.write_row(tuple(event[column] for column in STAGED))
            verdicts = cursor.execute(
                "SELECT pushed_id, refusal FROM drp_push_events(%s, %s)",
                (desk.workstation_id, received),
            ).fetchall()
    accepted = [str(event_id) for event_id, why in verdicts if why is None]
    refused = [
        (f"event {event_id}", cases.get(str(event_id)), str(why))
        for event_id, why in verdicts
        if why is not None
    ]
    return accepted, refused
