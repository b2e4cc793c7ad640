"""`drp sync` against PostgreSQL: push of N events from one desk, pull of the same N events by
a second desk of the same officer, and a raw COPY of the same rows into a table shaped like
the hub's event table, all on a throwaway cluster started for the run."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import psycopg

from drp_tui.store.engine import Store
from drp_tui.store.events import GENESIS, event_hash
from drp_tui.store.models import new_id
from drp_tui.store.types import canonical_json, instant_text
from drp_tui.sync.hub import Hub, connect, hub_url
from drp_tui.sync.protocol import sync
from drp_tui.sync.roles import ensure_login_role, set_password
from tests.hubteam import NOW, allocate, case_id, desk, team_hub
from tests.postgres import PostgresCluster


def _write_events(store: Store, count: int) -> list[tuple[str, ...]]:
    """`count` note events on case 1 as the store writes them (chained, in the outbox)."""
    with store.engine.connect() as connection:
        last = connection.exec_driver_sql(
            "SELECT hash FROM event ORDER BY seq DESC LIMIT 1"
        ).first()
    prev = GENESIS if last is None else str(last[0])
    rows: list[tuple[str, ...]] = []
    at = instant_text(NOW)
    for number in range(count):
        event_id, payload = new_id(), {"text": f"note {number}"}
        digest = event_hash(
            prev_hash=prev,
            event_id=event_id,
            officer_id="asmith",
            at=NOW,
            case_id=case_id(1),
            kind="note.added",
            payload=payload,
        )
        rows.append(
            (
                event_id,
                "asmith",
                at,
                case_id(1),
                "note.added",
                canonical_json(payload),
                prev,
                digest,
            )
        )
        prev = digest
    with store.writer.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO event (id, officer_id, at, case_id, kind, payload, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        connection.exec_driver_sql(
            "INSERT INTO outbox (event_id) VALUES (?)", [(r[0],) for r in rows]
        )
    return rows


def _copy(cluster: PostgresCluster, database: str, rows: list[tuple[str, ...]]) -> float:
    with psycopg.connect(cluster.url(database)) as connection:
        connection.execute(
            "CREATE TABLE copied (seq bigserial PRIMARY KEY, id text UNIQUE NOT NULL, "
            "officer_id text NOT NULL, at text NOT NULL, case_id text, kind text NOT NULL, "
            "payload text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, "
            "workstation_id text NOT NULL, received_at text NOT NULL)"
        )
        connection.execute("CREATE INDEX ON copied (case_id)")
        connection.commit()
        started = time.perf_counter()
        with (
            connection.cursor() as cursor,
            cursor.copy(
                "COPY copied (id, officer_id, at, case_id, kind, payload, prev_hash, hash, "
                "workstation_id, received_at) FROM STDIN"
            ) as copy,
        ):
            for row in rows:
                copy.write_row((*row, "bench", instant_text(NOW)))
        connection.commit()
        return time.perf_counter() - started


def _desk_login(cluster: PostgresCluster, owner: Hub, database: str) -> Hub:
    """The hub as asmith's desk reaches it: her own login role (row-level security and the
    server-side checks of hub revision h005 apply), its password from the passfile."""
    ensure_login_role(owner, "asmith")
    set_password(owner, "asmith", "bench-only-password")
    cluster.write_passfile("asmith", "bench-only-password")
    return connect(hub_url(cluster.url(database, user="asmith")))


def _once(cluster: PostgresCluster, folder: Path, count: int) -> dict[str, float]:
    database = cluster.new_database()
    owner: Hub = team_hub(cluster.url(database))
    allocate(owner, 1, "asmith")
    found: dict[str, float] = {}
    for how, hub in (("owner", owner), ("desk", _desk_login(cluster, owner, database))):
        pusher, puller = (
            desk(folder, f"push-{how}-{database}"),
            desk(folder, f"pull-{how}-{database}"),
        )
        for store in (pusher, puller):
            sync(store, hub, "asmith", clock=lambda: NOW)
        rows = _write_events(pusher, count)
        pushed = sync(pusher, hub, "asmith", clock=lambda: NOW)
        pulled = sync(puller, hub, "asmith", clock=lambda: NOW)
        assert pushed.pushed_events == count, pushed
        assert pulled.pulled_events >= count, pulled
        found |= {f"{how}_push_s": pushed.seconds, f"{how}_pull_s": pulled.seconds}
        if hub is not owner:
            hub.engine.dispose()
    found["copy_s"] = _copy(cluster, database, rows)
    owner.engine.dispose()
    return found


def run(count: int, repeats: int) -> dict[str, float]:
    cluster = PostgresCluster()
    cluster.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            runs = [_once(cluster, Path(folder), count) for _ in range(repeats)]
    finally:
        cluster.stop()
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return {
        "events": count,
        "repeats": repeats,
        **median,
        **{k.removesuffix("_s") + "_per_s": count / v for k, v in median.items()},
    }
