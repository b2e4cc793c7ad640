"""Allocation and report benchmarks on a synthetic store of any size.

The store is filled with plain SQL (people, open cases with scores, officers, events): the
import path has its own benchmark, and these measure what supervisors run every morning.
"""

from __future__ import annotations

import json
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from drp_tui.services import allocation, reports
from drp_tui.services.casework import Actor
from drp_tui.services.policy import data_dir, load_policy
from drp_tui.store.engine import open_store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
EVENT_KINDS = ["contact.recorded"] * 8 + ["promise.made", "payment.recorded", "case.viewed"]


def build(path: Path, cases: int, officers: int, events: int) -> None:
    open_store(path).engine.dispose()
    rng = random.Random(3)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO officer VALUES (?, ?, ?, ?, ?, 1, 60)",
        [
            (
                f"o{n:03d}",
                f"Officer {n}",
                "officer",
                f"team{n % 10}",
                '["vulnerability"]' if n % 7 == 0 else "[]",
            )
            for n in range(officers)
        ],
    )
    db.execute("INSERT INTO officer VALUES ('sup', 'Supervisor', 'supervisor', '', '[]', 1, 0)")
    people = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(cases)]
    db.executemany(
        "INSERT INTO person (id, host_system, host_ref, title, forename, surname, "
        "preferred_contact) VALUES (?, 'b', ?, '', 'A', 'B', '[]')",
        [(p, f"P{n}") for n, p in enumerate(people)],
    )
    case_ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(cases)]
    db.executemany(
        'INSERT INTO "case" (id, reference, person_id, status, priority_score, '
        "priority_reason) VALUES (?, ?, ?, 'open', ?, '')",
        [(c, f"C{n:07d}", people[n], rng.randint(0, 1500)) for n, c in enumerate(case_ids)],
    )
    start = NOW - timedelta(days=30)
    db.executemany(
        "INSERT INTO event (id, officer_id, at, case_id, kind, payload, prev_hash, "
        "hash) VALUES (?, ?, ?, ?, ?, ?, '', '')",
        [
            (
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                f"o{rng.randrange(officers):03d}",
                (start + timedelta(seconds=n * 2_592_000 // events)).isoformat(
                    timespec="microseconds"
                ),
                case_ids[rng.randrange(cases)],
                kind,
                json.dumps(
                    {
                        "right_party": rng.random() < 0.3,
                        "seconds": 180,
                        "amount": f"{rng.randint(1000, 20000) / 100:.2f}",
                    }
                ),
            )
            for n, kind in enumerate(rng.choices(EVENT_KINDS, k=events))
        ],
    )
    db.execute("COMMIT")
    db.close()


def run(cases: int, officers: int, events: int, repeats: int) -> dict[str, float]:
    policy = load_policy(data_dir() / "policy")
    supervisor = Actor("sup", clock=lambda: NOW)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite"
        build(path, cases, officers, events)
        store = open_store(path)
        allocations, raw_updates = [], []
        for _ in range(repeats):
            with store.writer.begin() as connection:
                connection.exec_driver_sql('UPDATE "case" SET officer_id = NULL')
            started = time.perf_counter()
            plan = allocation.allocate_cases(store, policy, supervisor, strategy="balanced")
            allocations.append(time.perf_counter() - started)
            assert plan.cases == cases
            # Baseline: the same assignment written back with a bare executemany.
            assignment = (
                store.engine.connect()
                .exec_driver_sql('SELECT officer_id, id FROM "case"')
                .fetchall()
            )
            db = sqlite3.connect(path, isolation_level=None)
            db.execute("BEGIN IMMEDIATE")
            started = time.perf_counter()
            db.executemany('UPDATE "case" SET officer_id = ? WHERE id = ?', assignment)
            raw_updates.append(time.perf_counter() - started)
            db.execute("ROLLBACK")
            db.close()
        report_times, raw_scans = [], []
        first, last = (NOW - timedelta(days=30)).date(), NOW.date()
        for _ in range(repeats):
            started = time.perf_counter()
            reports.performance(store, first, last)
            report_times.append(time.perf_counter() - started)
            db = sqlite3.connect(path)
            started = time.perf_counter()
            db.execute("SELECT officer_id, kind, count(*) FROM event GROUP BY 1, 2").fetchall()
            raw_scans.append(time.perf_counter() - started)
            db.close()
        store.engine.dispose()
    result = {
        "cases": cases,
        "officers": officers,
        "events": events,
        "repeats": repeats,
        "allocate_s": statistics.median(allocations),
        "raw_update_s": statistics.median(raw_updates),
        "report_s": statistics.median(report_times),
        "raw_scan_s": statistics.median(raw_scans),
    }
    print(
        f"allocate {cases:,} cases over {officers} officers: median "
        f"{result['allocate_s']:.2f}s (raw UPDATE of the same assignment "
        f"{result['raw_update_s']:.2f}s); report over {events:,} events: median "
        f"{result['report_s']:.2f}s (raw GROUP BY scan {result['raw_scan_s']:.2f}s)"
    )
    return result
