"""drp benchmarks, one command: .venv/bin/python -m bench.run [--quick] [--only SECTION]
[--baseline REV]

The terminal section needs the pyte emulator (.venv/bin/pip install -e '.[bench]'); set
DRP_BENCH_BIG_STORE to a path to keep its million-case store between runs.

Writes docs/BENCHMARKS.md with the machine and date. Every figure is a median over repeated
runs, beside a baseline measured in the same run, so ratios mean something on any machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import calc_bench, import_bench, queue_bench, sync_bench, terminal_bench, tui_bench
from bench.versions import describe, median_p95

REPO = Path(__file__).resolve().parent.parent


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def _fmt(values: list[float]) -> str:
    median, p95 = median_p95(values)
    return f"{median:.2f} s / {p95:.2f} s"


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min)"


def import_section(quick: bool, baseline: str) -> list[str]:
    sizes = [(20_000, 2)] if quick else [(100_000, 3), (1_000_000, 1)]
    load_before = _load()
    results = import_bench.run(sizes, baseline)
    load_after = _load()
    layout_rows = 20_000 if quick else 100_000
    layouts = import_bench.layouts(layout_rows, 2 if quick else 3)
    lines = [
        "## Host-extract import (`drp import cases`)",
        "",
        f"Baseline: drp at {describe(baseline)}, run back to back with this version (one "
        "run of each in turn, each in a fresh process) on the same generated generic-format "
        "extract (about 1.25 debts per person, each person with an address and a mobile "
        "number), each into a fresh store. Raw executemany: plain `sqlite3.executemany` of "
        "exactly the rows that version's import wrote (person, case, address, phone, debt) "
        "into a fresh store of that version's schema, indexes in place, same pragmas. Reading "
        "alone: this version's reading and checking of the extract with no store. **The "
        "machine is shared with other engineers' test runs and was loaded** "
        f"({load_before} at the start, {load_after} at the end, on 2 cores): a process had "
        "well under one core, so wall-clock figures are several times what an idle machine "
        "gives and swing from run to run. Each run's CPU time (the process's own, "
        "`time.process_time`) is given beside it: it is what separates the versions here, "
        "and what an idle two-core machine's wall clock would come close to (one core does "
        "all the work).",
        "",
        "| extract rows | runs | before: wall median / p95 | after: wall median / p95 | "
        "before: CPU | after: CPU | rows/s of CPU before → after | raw executemany CPU "
        "before / after | after ÷ raw after (CPU) | reading alone: CPU |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]

    def med(r: dict[str, Any], key: str) -> float:
        return median_p95(r[key])[0]

    for r in results:
        rows = int(r["rows"])
        lines.append(
            f"| {rows:,} | {int(r['repeats'])} | {_fmt(r['before'])} | {_fmt(r['after'])} | "
            f"{med(r, 'before_cpu'):.2f} s | {med(r, 'after_cpu'):.2f} s | "
            f"{rows / med(r, 'before_cpu'):,.0f} → {rows / med(r, 'after_cpu'):,.0f} | "
            f"{med(r, 'raw_before_cpu'):.2f} s / {med(r, 'raw_after_cpu'):.2f} s | "
            f"{med(r, 'after_cpu') / med(r, 'raw_after_cpu'):.2f}× | "
            f"{med(r, 'parse_cpu'):.2f} s |"
        )
    last = results[-1]
    rows = int(last["rows"])
    after_cpu, raw_cpu = med(last, "after_cpu"), med(last, "raw_after_cpu")
    parse_cpu = med(last, "parse_cpu")
    rate = rows / after_cpu
    ratio = after_cpu / raw_cpu
    lines += [
        "",
        f"Against the goals at {rows:,} rows: {rate:,.0f} rows/s of CPU, "
        f"{rows / med(last, 'after'):,.0f} rows/s of wall clock on this loaded machine "
        f"({'met' if rate >= 50_000 else 'not met'}: goal at least 50,000 rows/s); "
        f"{ratio:.2f}× raw executemany in CPU, {med(last, 'after') / med(last, 'raw_after'):.2f}"
        f"× in wall clock ({'met' if ratio <= 3 else 'not met'}: goal within 3×).",
        "",
        f"Where the CPU goes at {rows:,} rows: reading and checking the extract "
        f"{parse_cpu:.2f} s ({rows / parse_cpu:,.0f} rows/s by itself); the load, the rest, "
        f"{after_cpu - parse_cpu:.2f} s, against raw executemany's {raw_cpu:.2f} s of the "
        "same rows into the same schema with every index in place. Raw executemany alone "
        f"runs at {rows / raw_cpu:,.0f} extract rows/s of CPU here (each extract row is "
        "about 4.2 table rows: a person, a case, an address and a phone for each 1.25 "
        "debts, and the debt), so no load path that writes these rows in this schema can "
        "bring the whole import to 50,000 rows/s on this machine's one core; the best "
        "layout measured at 1,000,000 rows (notes below) takes 41.5 s of CPU for SQLite's "
        "part alone.",
        "",
        f"Key and index layouts, measured (raw executemany of the rows a {layout_rows:,}-row "
        "import writes into the five tables laid out each way, one transaction, same "
        "pragmas; `bench/schema_bench.py`; wall clock, medians of "
        f"{2 if quick else 3}, same loaded machine, so differences under about 20% here are "
        "noise; the CPU figures at 1,000,000 rows in the notes below are the firmer "
        "comparison):",
        "",
        "| layout | median | p95 |",
        "| --- | --- | --- |",
    ]
    lines += [f"| {name} | {median:.2f} s | {p95:.2f} s |" for name, median, p95 in layouts]
    lines += ["", *IMPORT_NOTES, ""]
    return lines


IMPORT_NOTES = [
    "What changed (issue 18, bulk import at SQLite's speed), chosen by profiling a "
    "1,000,000-row import (cProfile with CPU time):",
    "",
    "- **Reading and checking** (`drp_tui/domain/extract_fast.py`): the common row is read "
    "by the positions of the header (no dict per row) and checked against what the file "
    "has already shown (each distinct date, amount, debt type and stage, postcode and phone "
    "number is parsed once); it says yes only to a row that `read_row` accepts with no "
    "reject and no warning, and gives exactly `read_row`'s row; every other row goes to "
    "`read_row`, which names every problem as before (tests/test_extract_fast.py compares "
    "the two over every CSV in the repository, the benchmark's rows and hypothesis's "
    "spoilt rows). `ExtractRow` is a named tuple (a frozen dataclass of 21 fields cost "
    "about 4 µs a row to make) and carries amounts in pence. No check was removed: a file "
    "with a control character anywhere is still read row by row by `read_row`.",
    "- **The load's own Python** (`drp_tui/services/import_load.py`, `drp_tui/store/ids.py`): "
    "2.6 million host ids (person, case, debt) made in one loop with the namespace hashed "
    "once; amounts already in pence; each distinct date made ISO text once. In the 1M "
    "profile these were about 40% of the load's CPU beside SQLite's own.",
    "- **Unchanged**: one transaction (all or nothing; kill -9 leaves the store as it was), "
    "the import's one hash-chained `import.cases` event sealing every balance, the text "
    "UUID keys the hub and exports know, secondary indexes dropped and built again inside "
    "the transaction for a large load, one prepared statement per table.",
    "",
    "Keys and schema, chosen by measurement (raw executemany of the rows a "
    "1,000,000-row import writes, CPU time of the process, this session, same loaded "
    "machine): text UUID keys with the unique constraints in place (the schema now), "
    "import order 50.5 s, sorted by key 48.6 s; with every unique constraint made a named "
    "index and built after the load, sorted by key, 41.5 s; with a 1 GB page cache instead "
    "of 256 MB, 47.9 s, 46.2 s and 35.6 s. Sorting each table's rows by key saved about as "
    "much SQLite time as the sort itself cost in Python, so the import does not sort. "
    "Unique constraints as droppable named indexes would save about 15% of SQLite's part "
    "(7 of about 50 s), but in SQLite they are part of the table's definition, so it takes "
    "a rebuild of person, case, phone and debt (every row copied, foreign keys pointing at "
    "them) on every desk's store and a different migration on the PostgreSQL hub: not "
    "made, for 15% of one part. 16-byte blob keys measured no faster than text (table "
    "above); integer row ids with the UUID beside them were the fastest layout, but every "
    "table, service, raw statement and the hub's sync protocol key rows by their text "
    "UUID. Neither would bring raw executemany itself to 50,000 extract rows/s on this "
    "machine, which is what the goal would need. So no schema revision in this work.",
    "",
    "What the 50,000 extract rows/s goal would need (looked at for issue 18 on "
    "2026-12-01; nothing built, no key change started). The goal is 1,000,000 rows in 20 "
    "s. Two measured parts each take about that alone: reading and checking the extract, "
    "20.6 s of CPU (48,445 rows/s with no store at all), and SQLite's part, 61.6 s of CPU"
    " in today's schema, 41.5 s in the best text-key layout (35.6 s with a 1 GB page "
    "cache). So it needs both of these: (1) the reading run beside the load, in a second "
    "process handing rows over in batches, so the import takes the longer of the two "
    "rather than their sum (and a second free core, which this shared machine does not "
    "have in the day); (2) a layout whose SQLite part fits in about 20 s of CPU. The only"
    " layout measured that might is integer row ids with the UUID as a unique column "
    "built after the load: 3.44 s against 13.37 s for today's at 100,000 rows (wall "
    "clock, loaded; table above), about 16 s at 1,000,000 if that ratio held. It has not "
    "been measured at 1,000,000 rows in CPU time, and that is the first thing to do, "
    "twice: with references (case.person_id, debt.case_id, address and phone person_id) "
    "as integers, and with them left as text UUIDs (then every foreign key check during "
    "the load needs the UUID index, and much of the gain may go). Building it would take "
    "a store revision that rebuilds person, case, address, phone and debt (and every "
    "table whose references point at them, if references become integers), every raw "
    "statement and service that joins on those ids changed, and the sync protocol, the "
    "hub and every export, which all key rows by UUID, given the UUID at the boundary; a "
    "test upgrading a store of the current schema with its data. Only (1) can be tried "
    "without a schema change.",
    "",
    "Measured next (issue 18, fifth session, 2026-12-01 14:19–14:33 UTC, same machine, "
    "load average 9.1 (1 min) at the start and 6.4 at the end, on 2 cores; "
    "`bench.import_bench.integer_layouts(1_000_000)`: one load of each, in one run, of "
    "the rows this checkout's import writes for a 1,000,000-row extract, CPU time of the "
    "process): today's layout (text UUID keys, indexes kept, import order) 70.27 s of CPU "
    "(195.66 s wall; 61.6 s in the earlier, less loaded run); integer row ids with the "
    "UUID as a unique column built after the load and references as integers 34.84 s "
    "(58.42 s wall); the same with references left as text UUIDs (their parents' UUID "
    "indexes are built after the load, so the foreign keys are checked after it with "
    "`PRAGMA foreign_key_check`) 40.26 s (110.74 s wall). At 1,000,000 rows the integer "
    "layout halves SQLite's part (2.0×, not the 3.9× seen at 100,000 rows in wall clock), "
    "and text references keep most of that (1.75×). Neither reaches the goal: with the "
    "reading's 20.6 s of CPU after it the import would take about 55 s of one core (about "
    "18,000 rows/s), and even with the reading in a second process on a free second core, "
    "the load's 34.8 s (about 28,700 rows/s) against the 20 s that 50,000 rows/s needs. "
    "So no schema rebuild was started: the integer layout is not enough by itself, and "
    "SQLite's part would still have to be cut by almost half again.",
]


def queue_section(quick: bool, baseline: str) -> list[str]:
    size = 50_000 if quick else 1_000_000
    load_before = _load()
    r = queue_bench.run(size, 100, size, 2 if quick else 3, baseline)
    load_after = _load()

    def verdict(values: list[float], goal: float) -> str:
        return "met" if median_p95(values)[0] < goal else "not met"

    def cpu(key: str) -> str:
        return f"{median_p95(r[key])[0]:.2f} s"

    return [
        "## Allocation and reports",
        "",
        f"Baseline: drp at {describe(baseline)}, run back to back with this version (one run "
        "of each in turn, each in a fresh process), each on its own store of the same "
        f"{int(r['cases']):,} open, unallocated cases and {int(r['events']):,} events over "
        "thirty days, made with plain SQL by that version's schema. Allocation is "
        "`allocate_cases(strategy='balanced')` over 100 officers (the work of `drp queue "
        "allocate`, which uses each case's stored score); its raw baseline writes the same "
        "assignment back with a bare `executemany`. The report is the thirty-day officer "
        "report (`drp report officers`); its raw baseline is one `GROUP BY` scan of the "
        "events. **The machine is shared with other engineers' test runs and was loaded** "
        f"({load_before} at the start, {load_after} at the end, on 2 cores): wall-clock "
        "figures are several times an idle machine's. Each run's CPU time (the process's "
        "own, `time.process_time`) is given beside it: it is what separates the versions "
        "here, and what an idle machine's wall clock comes close to (one core does the work).",
        "",
        "| what | before: wall median / p95 | after: wall median / p95 | before: CPU median "
        "| after: CPU median | raw baseline (after, wall median) | goal (wall) |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| allocate {int(r['cases']):,} cases | {_fmt(r['allocate_before'])} | "
        f"{_fmt(r['allocate_after'])} | {cpu('allocate_cpu_before')} | "
        f"{cpu('allocate_cpu_after')} | bare UPDATE of the assignment: "
        f"{median_p95(r['raw_update_after'])[0]:.2f} s | < 5 s: "
        f"{verdict(r['allocate_after'], 5)} (CPU: {verdict(r['allocate_cpu_after'], 5)}) |",
        f"| officer report over {int(r['events']):,} events | {_fmt(r['report_before'])} | "
        f"{_fmt(r['report_after'])} | {cpu('report_cpu_before')} | "
        f"{cpu('report_cpu_after')} | GROUP BY scan: "
        f"{median_p95(r['raw_scan_after'])[0]:.2f} s | < 2 s: "
        f"{verdict(r['report_after'], 2)} (CPU: {verdict(r['report_cpu_after'], 2)}) |",
        "",
        f"{int(r['repeats'])} runs of each. Runs in order (wall / CPU, seconds): allocate "
        f"before {_runs(r, 'allocate_before', 'allocate_cpu_before')}, after "
        f"{_runs(r, 'allocate_after', 'allocate_cpu_after')}; report before "
        f"{_runs(r, 'report_before', 'report_cpu_before')}, after "
        f"{_runs(r, 'report_after', 'report_cpu_after')}.",
        "",
        *QUEUE_NOTES,
        "",
    ]


def _runs(r: dict[str, Any], wall: str, cpu: str) -> str:
    return ", ".join(f"{w:.2f}/{c:.2f}" for w, c in zip(r[wall], r[cpu], strict=True))


QUEUE_NOTES = [
    "What changed in the sixth session (issue 18), chosen by timing each statement's CPU "
    "(user and system, `os.times`) inside one allocation of 1,000,000 cases, cProfile, and "
    "each step tried alone in sqlite3 on copies of the same store:",
    "",
    "- **The officer index built again in short sorted runs** (`drp_tui/store/bulk.py`, "
    "`rebuild(..., short_sort_runs=True)`): the fifth session's unexplained 1.4 s. SQLite's "
    "sorter keeps each run it sorts in memory up to the page cache's size, and the "
    "allocation had set a 256 MB cache: the million (officer, rowid) entries were sorted as "
    "one run, in random officer order, at about three times the CPU of the same sort of "
    "an orderly plan (1.2–1.7 s against 0.4 s, sqlite3, same store). With a 2 MB cache "
    "while the index is built it sorts runs that fit the CPU's cache and merges them: "
    "0.7–0.9 s. The pages the transaction has changed stay in memory meanwhile (cache "
    "spill off), so nothing is written before the commit. A larger or smaller run (1, 4, "
    "8, 32 MB) measured no better; keeping the index through the UPDATE, or updating in "
    "officer order, measured much slower (2.8 s and 4.2 s for the UPDATE alone).",
    "- **The read** (`drp_tui/services/allocation_plans.py`, `moving_cases`): the cases "
    "that move come back as three JSON arrays (rowid, score, id) from one table scan "
    "(`+c.status`: a million lookups from the status index cost more than the scan; the "
    "cases that stay are summed the same way), not a million Python tuples; each rowid's "
    "text is split from the JSON SQLite wrote. The ids are read so the seal is joined in "
    "C instead of SQLite parsing the plan again and looking each case up by rowid "
    "(`json_group_object`, 0.55–0.7 s). The page cache is large from the read on, so "
    "the UPDATE finds the pages the read brought in.",
    "- **The digest's text, the plan and the seal** (`plan_repr`, `plan_json`, "
    "`seal_text`): each made in one pass, every key followed by a piece of text made once "
    "per officer (`repr` of a million tuples took about 0.45 s; a string per pair was "
    "made before). The digest is of exactly `repr` of the (rowid, officer) pairs, and the "
    "seal exactly `json_object` of the (id, officer) pairs, for logins and ids that need "
    "escaping too (`tests/test_allocation_plans.py`, which also checks `drp audit "
    "verify` accepts such a seal); `tests/test_allocation_pinned.py` passes unchanged.",
    "- Where the CPU goes now (one instrumented run, load average about 5 on 2 cores): "
    "the read 0.8 s in SQLite and about 0.4 s turning its JSON into lists, the loads that "
    "stay 0.2 s, the deal 0.6 s, the digest, plan and seal texts about 0.6 s, the UPDATE "
    "1.3–1.6 s, the index 0.9–1.3 s, the seal's row and the commit about 0.5 s. Most of "
    "what is left is SQLite rewriting a million case rows (each grows: no officer → an "
    "officer) and sorting the index.",
    "",
    "Officer report (sixth session; `drp_tui/services/reports.py`, store revision "
    "`0015_event_report_index`): a covering partial index of the four kinds the report "
    "sums, on event (kind, officer_id, at, case_id, payload) WHERE kind is a call, "
    "promise, arrangement or payment. Both of the report's event queries carry that "
    "WHERE (SQLite uses a partial index only then) and read the index alone, in order, "
    "instead of looking up each event's row in the table: measured in sqlite3 on the same "
    "store (CPU), the per-officer query 1.51 s → 0.64–0.74 s, cash 0.48 s → 0.37–0.39 s, "
    "with the same rows. Its costs, measured: the benchmark's store grew from 819 MB to "
    "968 MB (+18%; the payloads are held twice, and a real call's payload is larger than "
    "the benchmark's); building it on upgrade took 4.0 s of CPU for 1,000,000 events; "
    "100,000 call events inserted into the million-event store in one transaction took "
    "5.0–5.7 s of CPU against 2.2–3.1 s without it with the benchmark's 60-byte payloads, "
    "and 7.6–8.4 s against 3.8–5.5 s in batches of 2,000 with a real call's payload "
    "(281 bytes): about 25–40 µs more an event written in bulk, up to twice the cost of "
    "writing events. An event written alone is dominated by its commit, but a sync pull "
    "writes events in batches and would pay much of this (issue 19's goal is 10,000 "
    "events/s, 100 µs an event): not measured through `drp sync` here. This is a trade "
    "for the lead to weigh; the index and the report's use of it are one commit and one "
    "revision, and can be left out without touching the allocation's changes. "
    "`tests/test_report_index.py` upgrades a 0014 store with events and checks the index "
    "and that the report's figures are the same; both queries' plans are checked to read "
    "the covering index.",
    "",
    "What changed in the fifth session (issue 18), chosen by timers of CPU time around each "
    "step of one allocation of 1,000,000 cases (12.1 s and 12.6 s of CPU in two runs before "
    "any change, load average about 9), py-spy, and each statement timed alone in sqlite3:",
    "",
    "- **The deal** (`drp_tui/domain/queue.py`, `deal`): making a million queue items, "
    "sorting them by score, the case-by-case heap and a dictionary of a million ids took "
    "about 4.5 s. Which officers a run of cases of equal points goes to depends only on "
    "the run's length; and once every officer's load is within one case's weight of the "
    "lowest, each officer a case goes to comes out above all the others, so the rest of "
    "the run goes round the officers in their (load, cases, position) order a whole round "
    "at a time. The deal now works out each score's officers once (case by case only "
    "while loads are further apart than that) and hands them to the cases in the store's "
    "order in C: no case is sorted or looked up by id. `tests/test_allocation_deal.py` "
    "keeps the old heap as its oracle and checks every strategy against it on random "
    "cases (negative, zero, equal and spread scores, uneven loads, trained officers) and "
    "on 20,000 cases of a few scores over very uneven loads.",
    "- **The read** (`drp_tui/services/allocation.py`): only the cases that move are read "
    "(rowid and score); the loads of the cases that stay are summed by SQLite (one "
    "`GROUP BY` of their officers) instead of a million rows through Python; the digest's "
    "pairs, the plan's JSON (officer logins checked for escaping once each, not the whole "
    "text) and the per-officer counts are made from lists in C.",
    "- **Reference checks** (`drp_tui/store/bulk.py`, `references_checked_by_caller`): "
    "with `foreign_keys` on, SQLite looked up each of the million cases' new officer: an "
    "UPDATE of every case to one officer took 1.88 s with the checks and 0.76 s "
    "without (sqlite3, the benchmark's store, index dropped). Every "
    "officer in the plan is read from the officer table inside the same write transaction, "
    "and the event is written before its outbox row, so the allocation's transaction runs "
    "with the checks off (SQLite only; they are set per connection, outside a transaction) "
    "and they are on again after it, also when it fails; "
    "`tests/test_allocation_bulk.py::test_an_allocation_leaves_every_reference_good_and_"
    "checks_on_again` checks `PRAGMA foreign_key_check` and the setting afterwards.",
    "- Unchanged: the plan digest, the seal, the event, one transaction, the officer index "
    "built again when most cases move; `tests/test_allocation_pinned.py` still passes "
    "unchanged.",
    "- Measured and not taken: a 1 GB page cache for the write (no gain); reading the "
    "cases' ids to make the seal in Python (about 0.2 s less at most, a million more "
    "strings held); the digest's text formatted by hand instead of `repr` (the same). Not "
    "touching rows whose officer does not change does not apply: every case in a plan "
    "changes officer (it has no active officer, or is the absent officer's and goes to "
    "another).",
    "",
    "Where the allocation's time went after the fifth session (CPU, one instrumented run, "
    "load average about "
    "10): reading the cases that move 1.0 s, the loads that stay 0.2 s, the deal 0.6 s, "
    "counts, pairs, digest and JSON about 1.2 s, the UPDATE 1.6 s, the officer index "
    "built again 1.4 s (0.4 s when timed alone in sqlite3 on the same store: not "
    "explained), the seal 1.2 s (SQLite's `json_group_object` over the plan, its SHA-256 "
    "and the 50 MB row), the event and commit 0.3 s. Most of what is left is SQLite "
    "writing the whole case table and its index and the seal; under 5 s of CPU on this "
    "loaded machine was not reached.",
    "",
    "Officer report, fifth session: nothing changed. Measured in sqlite3 on the same store "
    "(CPU): the per-officer query 1.7 s, of which reading each kind's events in officer "
    "order from the table is 1.0 s (the same query counting only, no JSON) and the JSON "
    "0.7 s; cash 0.7 s. Tried and slower or no better: one `json_extract` of both paths of "
    "a call (then two of a short array) 1.8 s; the events read in table order (`NOT "
    "INDEXED`, then a sort) 1.9–2.0 s; the events' rowids from the index first, then the "
    "table in rowid order, 3.0 s (cash 0.55–0.62 s against 0.64–0.71 s: within noise); "
    "a 256 MB page cache beside the mapping, the same; no mapping, 3.0 s against 2.3 s. "
    "The report's code is the same before and after (2.36 s and 2.25 s of CPU above: the "
    "difference is the machine); it stays over the 2 s goal here.",
    "",
    "Earlier (issue 18, fourth session), chosen by profiling both on a store of 1,000,000 "
    "cases and 1,000,000 events (cProfile and timers of CPU time):",
    "",
    "- **Allocation** (`drp_tui/services/allocation.py`): the read takes each open case's"
    " rowid, officer, score and whether it moves, but not its id (a million Python "
    "strings); the few cases on hold, with agencies or vulnerable are turned from ids "
    "into rowids with one query. The plan goes to SQLite as one JSON object (rowid → "
    "officer) that the UPDATE reads with `json_each`, instead of binding a million rows "
    "into a temporary table first (that took longer than the UPDATE). The `case.officer` "
    "seal is made by SQLite from the same object (`json_group_object` over the plan "
    "joined to each case's id, in the plan's order): the same text as before for ids and "
    "logins that need no JSON escaping (drp's UUIDs and logins; otherwise SQLite's "
    "escaping, still valid JSON that `drp audit verify` reads). Unchanged: the balanced "
    "deal (a heap of (load, cases, position) tuples; packing the triple into one integer,"
    " and other shapes of the loop, measured slower; replaced in the fifth session, "
    "above), the plan digest, one transaction, "
    "the officer index dropped and built again when most cases move. "
    "`tests/test_allocation_pinned.py` pins every strategy's cases, digest, seal, payload"
    " and indexes (and a lent rebalance's) to what drp gave before the change.",
    "- **Officer report** (`drp_tui/services/reports.py`, store revision "
    "`0014_event_kind_officer`): event's index on kind became one on (kind, officer_id), "
    "so the per-officer query reads each kind's events in officer order and sums them as "
    "it goes, with no sort of the month's events (the old plan's temporary B-tree); every"
    " lookup by kind uses the new index as it did the old. Cash is summed by case first, "
    "then each case looked up once. The report's connection maps the store into memory "
    "while it reads (`PRAGMA mmap_size`, put back after): the cases behind each payment "
    "are read in no order, and a mapped page costs no system call. "
    "`tests/test_report_speed_paths.py` upgrades a 0012 store and checks the report's "
    "figures before and after, including cash on cases with several payments, none, or no"
    " officer, and that the query plan has no sort. The raw baseline's GROUP BY scan is "
    "served by the new index too (it reads only the index after the change), so its "
    "figure is not comparable with earlier ones.",
]


IN_PROCESS: dict[str, float] = {}  # the Textual section's figures, for the terminal section


def tui_section(quick: bool) -> list[str]:
    cases, runs, starts = (20_000, 12, 5) if quick else (1_000_000, 52, 50)
    r = tui_bench.run(cases, runs, starts)
    IN_PROCESS.update({k: v for k, v in r.items() if isinstance(v, float)})

    def verdict(value: float, goal: float) -> str:
        return "met" if value < goal else "not met"

    ms = 1000
    return [
        "## Officer's workstation (Textual)",
        "",
        f"A store of {int(r['cases']):,} cases and {int(r['cases']):,} events, every case with a "
        f"debt, an address and a phone, shared by 100 officers ({int(r['queue']):,} in the "
        "measured officer's queue), built with plain SQL "
        f"({r['build_s']:.0f} s). Start: a fresh process per run, from launch until the queue "
        "is on screen, opened as `drp` opens it (`drp_tui.cli.main.desk_app`: its command "
        "line loaded, settings read from the environment, the first queue read in a forked "
        "second process; the app at 120x40 under Textual's headless driver); its baseline is a "
        "process that starts Textual and paints one static widget. Enter and keypress: in one "
        "process with Pilot, each key sent to the driver (Pilot's own press/pause also wait "
        "20 ms or more for the process to look idle, which would hide what is measured). "
        "Enter, pressed 1.6 s after the row is highlighted (an officer reads the row first; "
        "that pause is when the app collects garbage), is timed until every message it "
        "caused is handled and the screen drawn; a "
        "keypress until the form has worked its totals out again and the screen is drawn "
        "(waiting for all 200 of the form's widgets to report idle would time Pilot). Their "
        "baselines are the service calls the screens wait on, timed in the same process.",
        "",
        "| what | runs | median | p95 | baseline | baseline median | goal |",
        "| --- | --- | --- | --- | --- | --- | --- |",
        f"| start to queue painted | {int(r['start_runs'])} | {r['start_median']:.2f} s | "
        f"{r['start_p95']:.2f} s | bare Textual app painted | {r['bare_start_median']:.2f} s | "
        f"< 1.0 s: {verdict(r['start_median'], 1.0)} |",
        f"| of which: loading drp's modules (`drp_tui.cli.main`, `drp_tui.app`) | "
        f"{int(r['part_runs'])} | {r['imports_median']:.2f} s | | | | part of the start |",
        f"| alongside: first read of the queue (service alone, in a fresh process; `drp` "
        f"runs it in the second process) | {int(r['part_runs'])} | "
        f"{r['first_queue_median']:.2f} s | | | | overlaps the loading |",
        f"| Enter on a row to debtor screen painted | {int(r['runs'])} | "
        f"{r['open_median'] * ms:.0f} ms | {r['open_p95'] * ms:.0f} ms | `open_case` "
        f"(audit write and read) | {r['open_service_median'] * ms:.1f} ms | p95 < 50 ms: "
        f"{verdict(r['open_p95'], 0.050)} |",
        f"| keypress to affordability totals drawn | {int(r['keys'])} | "
        f"{r['key_median'] * ms:.1f} ms | {r['key_p95'] * ms:.1f} ms | `assess` | "
        f"{r['assess_median'] * ms:.2f} ms | p95 < 16 ms: {verdict(r['key_p95'], 0.016)} |",
        f"| resident memory with the queue on screen | {int(r['start_runs'])} | "
        f"{r['rss_mb']} MB (peak {r['peak_mb']} MB) | | | | < 250 MB: "
        f"{verdict(r['peak_mb'], 250)} |",
        "",
        "Where the time goes: a start is two long jobs, loading the modules (SQLAlchemy, "
        "SQLModel and pydantic, Textual, typer and Rich, and drp's own) and the first read of "
        "the queue (10k cases scored live and checked against the calling rules: about half "
        "SQL, reading each of the officer's cases, people and debts once, and half Python). "
        "In one process they cannot overlap: a reader thread needs Python's lock back after "
        "every row SQLite steps, and the loading thread holds it (measured: a read started "
        "before Textual was loaded finished no sooner). So `drp` opens the store, then forks "
        "a second process that reads and scores the queue and leaves it pickled in a shared "
        "in-memory file (`drp_tui/read_ahead.py`), while the first loads the ORM, the "
        "services and Textual; the queue's module loads no ORM so the fork comes early, the "
        "case screens and the holidays library load after the queue is up, and the "
        "officer's figures are read while the first process waits. What is left is mostly "
        "the first process's own loading; then Textual starting, the table of the top 200 "
        "rows being built and the screen drawn. Where there is no fork (Windows, macOS) the "
        "queue is read in a worker thread as before, and the start is the two parts added "
        "up. Memory is the first process's: the second exits once the queue is read. "
        "Opening a case: one "
        "debtor screen is kept and given each case, the highlighted row's case is read ahead "
        "of Enter so only the audit write is waited for (the baseline column is the whole "
        "`open_case`), and the rest is Textual resuming the screen (without restyling it "
        "all unless the theme changed while it was away) and drawing it; the first "
        "case of a session also builds the screen (about 90 ms), and is one of the runs. Full "
        "garbage collections (80 to 500 ms on this heap) wait for an idle moment: the app "
        "freezes what is alive at its first idle second and collects when no key has been "
        "pressed for a second; this benchmark opens case after case without a pause, so the "
        "collector's pushed-out threshold is what keeps them out of its runs. A keystroke: "
        "`assess` is a fraction of a millisecond; the rest is Textual handling the key and "
        "redrawing the field and the totals (form fields no longer lay the whole screen out "
        "again on each key).",
        "",
        "Goals (issue 4): with 1M cases in the store and 10k in the officer's queue, start to "
        "queue painted < 1.0 s, Enter to debtor screen p95 < 50 ms, keypress p95 < 16 ms, "
        "resident memory < 250 MB.",
        "",
    ]


def sync_section(quick: bool) -> list[str]:
    r = sync_bench.run(10_000 if quick else 100_000, 1 if quick else 3)
    events = int(r["events"])

    def verdict(rate: float) -> str:
        return "met" if rate >= 10_000 else "not met"

    return [
        "## Team sync against PostgreSQL (`drp sync`)",
        "",
        f"{events:,} events written on one desk, pushed by `drp sync`, then pulled by a second "
        "desk of the same officer; a throwaway PostgreSQL cluster on this machine (loopback, "
        "fsync off as in the tests). The baseline is a raw `COPY` of exactly those rows into a "
        "table shaped like the hub's event table, in the same run. Each sync figure is the "
        "whole command's work: batches of 2,000, the allocation check, the hub's change feed "
        "(triggers), the local outbox cleared, and on pull the cursor advanced per batch.",
        "",
        "| what | median | events/s | raw COPY events/s | ratio to COPY | goal |",
        "| --- | --- | --- | --- | --- | --- |",
        *(
            f"| {phase} {events:,} events, {who} | {r[f'{how}_{phase}_s']:.2f} s | "
            f"{r[f'{how}_{phase}_per_s']:,.0f} | {r['copy_per_s']:,.0f} | "
            f"{r[f'{how}_{phase}_s'] / r['copy_s']:.1f}× | ≥ 10,000/s: "
            f"{verdict(r[f'{how}_{phase}_per_s'])} |"
            for how, who in (
                ("owner", "as the hub's owner"),
                ("desk", "as the officer's own login (RLS, server-side checks)"),
            )
            for phase in ("push", "pull")
        ),
        "",
        f"Medians of {int(r['repeats'])} runs, each on a fresh hub database.",
        "",
    ]


TERMINAL_GOALS = {  # issue 22, on an idle machine
    "enter": 0.100,
    "afford_first": 0.150,
    "afford": 0.100,
    "key": 0.100,
    "builder": 0.100,
    "next": 0.100,
}


def terminal_section(quick: bool) -> list[str]:
    big, rounds, cases = (20_000, 2, 3) if quick else (1_000_000, 5, 4)
    kept = os.environ.get("DRP_BENCH_BIG_STORE")  # a 1M store built before, to save minutes
    r = terminal_bench.run(big, rounds, cases, Path(kept) if kept else None)
    ms = 1000
    in_process = {
        "enter": ("open_p95", "Enter, Pilot"),
        "key": ("key_p95", "keypress, Pilot"),
    }
    lines = [
        "## Speed through a real terminal (`drp` in a pty)",
        "",
        "`bench/terminal_bench.py` starts the real `drp` command in a pseudo-terminal of 120x40 "
        "(`bench/pty_terminal.py`; its output drawn by the pyte terminal emulator) and sends "
        "keys as a terminal sends them; each step is timed from the key until the screen shows "
        "its effect: the case's header and keys, the form with its totals, the totals changed, "
        "the builder's fields, the next case's header. Each round is a fresh process: start, "
        f"then {cases} cases one after another (Enter; ID&V; `a`; four digits typed one at a "
        "time into Earnings; Esc; `r`; Esc; `o`, RPC, Save → next case; Esc to the queue). "
        f"{rounds} rounds on the demo store (`drp demo`, 2,000 people, officer jmorgan) and "
        f"{rounds} on a store of {int(r['big_cases']):,} cases (officer o000, 10,000 in the "
        "queue; `bench/tui_bench.build`). The emulator is a Python program on the same two "
        "cores: the column 'emulator' is how much of each median was the emulator drawing "
        "drp's output (a real terminal's share, not drp's). "
        f"Load: before, {r['load_before']}; after, {r['load_after']}.",
        "",
        "| step | store | runs | median | p95 | of which emulator (median) | goal (idle) "
        "| in-process p95 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for step, label in terminal_bench.STEPS.items():
        for store, name in (("demo", "demo"), ("big", f"{int(r['big_cases']):,} cases")):
            figures = r[store].get(step)
            if not figures:
                continue
            emulator = r[store].get(f"emulator:{step}", {}).get("median", 0.0)
            goal = TERMINAL_GOALS.get(step)
            verdict = (
                f"p95 < {goal * ms:.0f} ms: {'met' if figures['p95'] < goal else 'not met'}"
                if goal
                else ""
            )
            key, what = in_process.get(step, ("", ""))
            beside = ""
            if key and store == "big":
                beside = (
                    f"{IN_PROCESS[key] * ms:.0f} ms ({what})"
                    if key in IN_PROCESS
                    else f"{what}: see the section above"
                )
            lines.append(
                f"| {label} | {name} | {figures['runs']} | {figures['median'] * ms:.0f} ms | "
                f"{figures['p95'] * ms:.0f} ms | {emulator * ms:.0f} ms | {verdict} | {beside} |"
            )
    lines += ["", *TERMINAL_FINDINGS, ""]
    return lines


TERMINAL_FINDINGS = [
    "How each step is built now (issue 22), which is what these figures time:",
    "",
    "- **Enter → debtor**: the case screen is built once and given each case; the case is "
    "read in a worker while the queue stays drawn, and the screen is shown once read.",
    "- **`a` → affordability**: the form (237 widgets) is built the first time it is opened "
    "on a case screen and kept (`AffordabilityScreen.begin` gives it each case and call), "
    "so only the first open composes and styles it; later opens clear and refill it.",
    "- **`r` → builder**: the arrangement builder is built once and kept in the same way "
    "(`ArrangementModal.begin`).",
    "- **Outcome saved → next case**: the next case was read ahead while the officer worked "
    "the last one, and opens in place on the same case screen; the queue is read again "
    "after, not before, so the old queue is never drawn between the two cases.",
    "- **A keystroke** is mostly Textual handling the key and drawing the field and the "
    "totals (`assess` is a fraction of a millisecond, section above); the emulator column "
    "is the terminal's share, not drp's.",
    "- **`drp` start**: `drp demo` reuses the store it built (about 0.7 s of CPU to find and "
    "check it, against 12-16 s to build it again).",
]


SECTIONS: dict[str, Callable[[bool, str], list[str]]] = {
    "calc": lambda quick, baseline: calc_bench.section(),
    "import": import_section,
    "queue": queue_section,
    "sync": lambda quick, baseline: sync_section(quick),
    "tui": lambda quick, baseline: tui_section(quick),
    "terminal": lambda quick, baseline: terminal_section(quick),
}


def default_baseline() -> str:
    """Where this branch left main (the code before it), or main itself."""
    found = subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True, text=True
    )
    return found.stdout.strip() or "HEAD"


def merge(existing: str, fresh: dict[str, list[str]], header: list[str]) -> str:
    """The benchmarks file with the sections just run replaced and the others kept."""
    sections: dict[str, str] = {}
    for block in existing.split("\n## ")[1:]:
        title = block.splitlines()[0]
        sections[title] = "## " + block.rstrip() + "\n"
    for lines in fresh.values():
        sections[lines[0].removeprefix("## ")] = "\n".join(lines).rstrip() + "\n"
    return "\n".join(header) + "\n" + "\n".join(sections.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--only", choices=sorted(SECTIONS), action="append")
    parser.add_argument(
        "--baseline",
        help="git revision timed back to back with this checkout (import, queue); "
        "default: where this branch left main",
    )
    args = parser.parse_args()
    baseline = args.baseline or default_baseline()
    chosen = args.only or list(SECTIONS)
    stamp = f"_Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine()}._"
    fresh = {}
    for name in chosen:
        print(f"== {name}")
        lines = SECTIONS[name](args.quick, baseline)
        fresh[name] = [lines[0], "", stamp, *lines[1:]]
    if args.quick:
        print("(--quick: docs/BENCHMARKS.md left as it was)")
        return
    header = [
        "# Benchmarks",
        "",
        "Run with `.venv/bin/python -m bench.run` (every section; `--only import` for one, "
        "which replaces just that section here). Each figure is a median over repeated runs, "
        "with a baseline measured in the same run; each section says when and on what machine "
        "it was measured.",
        "",
    ]
    target = REPO / "docs" / "BENCHMARKS.md"
    existing = target.read_text(encoding="utf-8") if target.exists() else ""
    target.write_text(merge(existing, fresh, header), encoding="utf-8")


if __name__ == "__main__":
    main()
