"""A desk's own login pushes its events staged (hub revision h006): the batch is COPYed into
`hubstage_event` (no lock: nothing is fed yet) and one call of `drp_push_events` judges and
appends it on the server, taking the feed lock only for that call. Each statement commits on
its own, so no hub lock is ever held while the hub waits for this desk."""

from __future__ import annotations

from typing import Any

import psycopg
from sqlalchemy import Connection

from drp_tui.sync.common import Desk

STAGED = ("id", "officer_id", "at", "case_id", "kind", "payload", "prev_hash", "hash")
APPENDED = (*STAGED, "workstation_id", "received_at")


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


def append_copied(connection: Connection, events: list[dict[str, Any]]) -> None:
    """Append events the push has judged to a PostgreSQL hub's `hubevent` in the hub owner's
    transaction (a push with the owner's credential): COPYed into a temporary table, then one
    INSERT. Sent one INSERT an event, each ran the hub's statement triggers (the change feed
    and its lock): five times slower (docs/BENCHMARKS.md)."""
    raw = connection.connection.dbapi_connection
    assert isinstance(raw, psycopg.Connection)
    listed = ", ".join(APPENDED)
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS drp_push_event "
            f"({', '.join(f'{c} text' for c in APPENDED)}) ON COMMIT DELETE ROWS"
        )
        with cursor.copy(f"COPY pg_temp.drp_push_event ({listed}) FROM STDIN") as copy:
            for event in events:
                copy.write_row(tuple(event[column] for column in APPENDED))
        cursor.execute(
            f"INSERT INTO public.hubevent ({listed}) SELECT {listed} "
            "FROM pg_temp.drp_push_event ON CONFLICT (id) DO NOTHING"
        )
