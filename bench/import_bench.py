"""Import benchmark: `drp import cases` against raw sqlite3.executemany of the same rows."""

from __future__ import annotations

import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

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


def timed_import(extract: Path, store_path: Path) -> float:
    store = open_store(fresh(store_path))
    book = load_policy(data_dir() / "policy")
    stages = {t.id: t.stages for t in book.recovery.debt_types}
    mapping = read_mapping("generic", stages)
    start = time.perf_counter()
    result = import_cases(store, extract, mapping, stages, officer_id="bench", at=datetime.now(UTC))
    elapsed = time.perf_counter() - start
    assert result.committed, result.rejects[:3]
    store.engine.dispose()
    return elapsed


def timed_raw(imported: Path, target: Path) -> float:
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
    start = time.perf_counter()
    db.execute("BEGIN IMMEDIATE")
    for table in TABLES:
        if rows[table]:
            marks = ",".join("?" * len(rows[table][0]))
            db.executemany(f'INSERT INTO "{table}" VALUES ({marks})', rows[table])
    db.execute("COMMIT")
    elapsed = time.perf_counter() - start
    db.close()
    return elapsed


def run(sizes: list[tuple[int, int]]) -> list[dict[str, float]]:
    """For each (rows, repeats): median seconds of the import and of raw executemany."""
    results = []
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        for rows, repeats in sizes:
            extract = work / f"extract-{rows}.csv"
            write_extract(extract, rows)
            imports, raws = [], []
            for _ in range(repeats):
                imports.append(timed_import(extract, work / "import.sqlite"))
                raws.append(timed_raw(work / "import.sqlite", work / "raw.sqlite"))
            median_import, median_raw = statistics.median(imports), statistics.median(raws)
            results.append(
                {
                    "rows": rows,
                    "repeats": repeats,
                    "import_s": median_import,
                    "raw_s": median_raw,
                    "rows_per_s": rows / median_import,
                    "raw_rows_per_s": rows / median_raw,
                    "ratio": median_import / median_raw,
                }
            )
            print(
                f"import {rows:,} rows: median {median_import:.2f}s "
                f"({rows / median_import:,.0f} rows/s); raw executemany of the same rows "
                f"{median_raw:.2f}s; ratio {median_import / median_raw:.2f}x"
            )
    return results
