"""Import benchmark: `drp import cases` against raw sqlite3.executemany of the same rows."""

from __future__ import annotations

import sqlite3
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.extract import write_extract
from drp_tui.services.importer import import_cases, read_mapping
from drp_tui.services.policy import data_dir, load_policy
from drp_tui.store.engine import open_store

# Parent tables first, as the foreign keys require.
TABLES = ["person", "case", "address", "phone", "debt", "debtparty"]


def fresh(path: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return path


def timed_import(extract: Path, store_path: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds (this process's) of the import."""
    store = open_store(fresh(store_path))
    book = load_policy(data_dir() / "policy")
    stages = {t.id: t.stages for t in book.recovery.debt_types}
    mapping = read_mapping("generic", stages)
    start, cpu = time.perf_counter(), time.process_time()
    result = import_cases(store, extract, mapping, stages, officer_id="bench", at=datetime.now(UTC))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    assert result.committed, result.rejects[:3]
    store.engine.dispose()
    return elapsed, cpu


def timed_raw(imported: Path, target: Path) -> tuple[float, float]:
    """Insert exactly the rows the import wrote, with plain executemany, into a fresh store
    with the same schema and the same pragmas (WAL, foreign keys, the import's page cache)."""
    source = sqlite3.connect(imported)
    rows = {t: source.execute(f'SELECT * FROM "{t}"').fetchall() for t in TABLES}
    source.close()
    open_store(fresh(target)).engine.dispose()
    db = sqlite3.connect(target, isolation_level=None)
    for pragma in (
        "journal_mode = WAL",
        "synchronous = NORMAL",
        "foreign_keys = ON",
        "cache_size = -262144",
    ):
        db.execute(f"PRAGMA {pragma}")
    start, cpu = time.perf_counter(), time.process_time()
    db.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        if rows[table]:
            marks = ",".join("?" * len(rows[table][0]))
            db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows[table])
    db.execute("COMMIT")
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    db.close()
    return elapsed, cpu


def parse_only(extract: Path) -> tuple[float, float]:
    """Reading and checking the extract alone (no store): the part the load path leaves."""
    from drp_tui.services.importer import parse_extract

    book = load_policy(data_dir() / "policy")
    stages = {t.id: t.stages for t in book.recovery.debt_types}
    mapping = read_mapping("generic", stages)
    start, cpu = time.perf_counter(), time.process_time()
    parse_extract(extract.read_bytes(), mapping, stages, datetime.now(UTC).date())
    return time.perf_counter() - start, time.process_time() - cpu


# Entry points for bench.versions.call (paths arrive as text).
def worker_import(extract: str, store: str) -> tuple[float, float]:
    return timed_import(Path(extract), Path(store))


def worker_raw(imported: str, target: str) -> tuple[float, float]:
    return timed_raw(Path(imported), Path(target))


def worker_parse(extract: str) -> tuple[float, float]:
    return parse_only(Path(extract))


def run(sizes: list[tuple[int, int]], baseline: str) -> list[dict[str, Any]]:
    """For each (rows, repeats): the import at `baseline` (a git revision) and in this
    checkout, back to back, each beside raw executemany of the rows it wrote into its own
    schema; and the extract's reading and checking alone. Lists of wall-clock seconds, one
    per run, and beside each (key + "_cpu") the CPU seconds of the process: on a shared,
    loaded machine the CPU time is what separates versions."""
    from bench.versions import call

    results = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for rows, repeats in sizes:
            extract = work / f"extract-{rows}.csv"
            write_extract(extract, rows)
            found: dict[str, Any] = {"rows": rows, "repeats": repeats}
            for key in ("before", "after", "raw_before", "raw_after", "parse"):
                found[key] = []
                found[f"{key}_cpu"] = []
            for _ in range(repeats):
                for version, name in ((baseline, "before"), (None, "after")):
                    store = work / f"{name}.sqlite"
                    runs = {
                        name: call(version, "bench.import_bench.worker_import", extract, store),
                        f"raw_{name}": call(
                            version, "bench.import_bench.worker_raw", store, work / "raw.sqlite"
                        ),
                    }
                    for key, (wall, cpu) in runs.items():
                        found[key].append(wall)
                        found[f"{key}_cpu"].append(cpu)
                wall, cpu = call(None, "bench.import_bench.worker_parse", extract)
                found["parse"].append(wall)
                found["parse_cpu"].append(cpu)
                print(
                    f"import {rows:,} rows: before {found['before'][-1]:.2f}s "
                    f"(raw {found['raw_before'][-1]:.2f}s), after {found['after'][-1]:.2f}s "
                    f"(raw {found['raw_after'][-1]:.2f}s), reading alone {found['parse'][-1]:.2f}s",
                    flush=True,
                )
            results.append(found)
    return results


def layouts(rows: int, repeats: int) -> list[tuple[str, float, float]]:
    """The key and index layouts of bench.schema_bench, loaded with the rows this checkout's
    import writes for a `rows`-row extract."""
    from bench import schema_bench

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        extract = work / "extract.csv"
        write_extract(extract, rows)
        timed_import(extract, work / "import.sqlite")
        return schema_bench.run(work / "import.sqlite", work, repeats)


def integer_layouts(rows: int) -> list[tuple[str, float, float]]:
    """bench.schema_bench.integer_layouts with the rows this checkout's import writes for a
    `rows`-row extract (one load of each)."""
    from bench import schema_bench

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        extract = work / "extract.csv"
        write_extract(extract, rows)
        timed_import(extract, work / "import.sqlite")
        return schema_bench.integer_layouts(work / "import.sqlite", work)
