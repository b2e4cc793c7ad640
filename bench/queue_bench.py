"""Allocation and report benchmarks on a synthetic store of any size.

The store is filled with plain SQL (people, open cases with scores, officers, events): the
import path has its own benchmark, and these measure what supervisors run every morning.
"""

from __future__ import annotations

import json
import random
import sqlite3
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

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
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES (?, ?, ?, ?, ?, 1, 60)",
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
    db.execute(
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES ('sup', 'Supervisor', 'supervisor', '', '[]', 1, 0)"
    )
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


def timed_allocation(path: Path) -> tuple[float, float]:
    """`drp queue allocate`'s work on every case (their officers cleared first, untimed):
    seconds of wall clock and of the process's CPU."""
    policy = load_policy(data_dir() / "policy")
    store = open_store(path)
    with store.writer.begin() as connection:
        connection.exec_driver_sql('UPDATE "case" SET officer_id = NULL')
    started, cpu = time.perf_counter(), time.process_time()
    plan = allocation.allocate_cases(
        store, policy, Actor("sup", clock=lambda: NOW), strategy="balanced"
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.engine.dispose()
    assert plan.committed
    return elapsed, cpu


def timed_raw_update(path: Path) -> float:
    """Baseline: the assignment now in the store written back with a bare executemany."""
    db = sqlite3.connect(path, isolation_level=None)
    assignment = db.execute('SELECT officer_id, id FROM "case"').fetchall()
    db.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    db.executemany('UPDATE "case" SET officer_id = ? WHERE id = ?', assignment)
    elapsed = time.perf_counter() - started
    db.execute("ROLLBACK")
    db.close()
    return elapsed


def timed_report(path: Path) -> tuple[float, float]:
    """The thirty-day officer report: seconds of wall clock and of the process's CPU."""
    store = open_store(path)
    started, cpu = time.perf_counter(), time.process_time()
    reports.performance(store, (NOW - timedelta(days=30)).date(), NOW.date())
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    store.engine.dispose()
    return elapsed, cpu


def timed_raw_scan(path: Path) -> float:
    """Baseline: one GROUP BY scan of the events."""
    db = sqlite3.connect(path)
    started = time.perf_counter()
    db.execute("SELECT officer_id, kind, count(*) FROM event GROUP BY 1, 2").fetchall()
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


# Entry points for bench.versions.call (paths arrive as text).
def worker_build(path: str, cases: int, officers: int, events: int) -> None:
    build(Path(path), cases, officers, events)


def worker_allocate(path: str) -> list[float]:
    return [*timed_allocation(Path(path)), timed_raw_update(Path(path))]


def worker_report(path: str) -> list[float]:
    return [*timed_report(Path(path)), timed_raw_scan(Path(path))]


def run(cases: int, officers: int, events: int, repeats: int, baseline: str) -> dict[str, Any]:
    """Allocation and the officer report at `baseline` (a git revision) and in this checkout,
    back to back on stores of the same rows built by each version; lists of seconds."""
    from bench.versions import call

    found: dict[str, Any] = {"cases": cases, "officers": officers, "events": events}
    found["repeats"] = repeats
    for key in ("allocate", "allocate_cpu", "raw_update", "report", "report_cpu", "raw_scan"):
        for name in ("before", "after"):
            found[f"{key}_{name}"] = []
    with tempfile.TemporaryDirectory() as folder:
        stores = {"before": Path(folder) / "before.sqlite", "after": Path(folder) / "after.sqlite"}
        versions = {"before": baseline, "after": None}
        for name, path in stores.items():
            call(versions[name], "bench.queue_bench.worker_build", path, cases, officers, events)
        for _ in range(repeats):
            for name, path in stores.items():
                allocated, cpu, raw = call(
                    versions[name], "bench.queue_bench.worker_allocate", path
                )
                found[f"allocate_{name}"].append(allocated)
                found[f"allocate_cpu_{name}"].append(cpu)
                found[f"raw_update_{name}"].append(raw)
                reported, cpu, scan = call(versions[name], "bench.queue_bench.worker_report", path)
                found[f"report_{name}"].append(reported)
                found[f"report_cpu_{name}"].append(cpu)
                found[f"raw_scan_{name}"].append(scan)
            print(
                f"allocate {cases:,}: before {found['allocate_before'][-1]:.2f}s, after "
                f"{found['allocate_after'][-1]:.2f}s; report over {events:,} events: before "
                f"{found['report_before'][-1]:.2f}s, after {found['report_after'][-1]:.2f}s",
                flush=True,
            )
    return found


def worker_allocate_only(path: str) -> list[float]:
    """The allocation alone, without the raw baseline: for comparing versions quickly."""
    return [*timed_allocation(Path(path))]
