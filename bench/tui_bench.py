"""The officer's workstation on a big store: 1M cases shared by 100 officers (10k each),
1M events. Measured with the real app: start to queue painted (a fresh process each run),
Enter on a row to the debtor screen painted, a keypress in the affordability form to the
totals updated (Pilot, in-process), and resident memory. Each beside the bare service call
it waits on, timed in the same process, so the ratio shows what the screen adds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

OFFICER = "o000"
READING_SECONDS = 1.6  # more than the idle collector's second plus its half-second check
NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)
DEBT_TYPES = ["council_tax"] * 6 + ["business_rates", "sundry", "hb_overpayment", "parking"]
STAGES = {
    "council_tax": ["reminder", "final_notice", "summons", "liability_order"],
    "business_rates": ["reminder", "final_notice", "liability_order"],
    "sundry": ["invoice", "reminder", "letter_of_claim"],
    "hb_overpayment": ["invoice", "reminder", "overpayment_notice"],
    "parking": ["charge_certificate", "order_for_recovery", "warrant_of_control"],
}


def build(path: Path, cases: int, officers: int, events: int) -> None:
    """The allocation benchmark's store, plus a debt, an address and a phone for every
    case, every case allocated (cases / officers each)."""
    from bench import queue_bench

    queue_bench.build(path, cases, officers, events)
    rng = random.Random(5)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA cache_size = -262144")
    db.execute("BEGIN")
    rows = db.execute('SELECT c.rowid, c.id, c.person_id FROM "case" c').fetchall()
    debts, addresses, phones = [], [], []
    for rowid, case_id, person_id in rows:
        debt_type = rng.choice(DEBT_TYPES)
        balance = rng.randint(5_000, 500_000)
        debts.append(
            (
                f"d-{case_id}",
                f"D{rowid}",
                case_id,
                debt_type,
                balance,
                balance,
                rng.choice(STAGES[debt_type]),
            )
        )
        addresses.append((f"a-{person_id}", person_id, f"{rowid} High Street", "AB1 2CD"))
        phones.append((f"p-{person_id}", person_id, f"+4477009{rowid % 100000:05d}"))
    db.executemany(
        "INSERT INTO debt (id, host_system, host_ref, case_id, debt_type, period, "
        "original_amount, balance, costs, stage, jurisdiction) "
        "VALUES (?, 'b', ?, ?, ?, '', ?, ?, 0, ?, 'england')",
        debts,
    )
    db.executemany(
        "INSERT INTO address (id, person_id, line1, line2, town, postcode, current) "
        "VALUES (?, ?, ?, '', 'Town', ?, 1)",
        addresses,
    )
    db.executemany(
        "INSERT INTO phone (id, person_id, number, kind, status) VALUES (?, ?, ?, 'mobile', "
        "'good')",
        phones,
    )
    db.execute(
        "UPDATE \"case\" SET officer_id = printf('o%03d', rowid % ?)",
        (officers,),
    )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    db.close()


async def painted(pilot: Any) -> None:
    """Every message already sent has been handled and the screen drawn. Pilot's own
    `press` and `pause` also wait for the process to look idle (at least 20 ms each), which
    would swamp what is measured here, so keys are posted to the app as the driver posts them,
    and this waits for every widget on the screen to reach the end of its queue (each is
    asked to call back once it has), then for the screen to be refreshed. Public calls only:
    `call_later` and `call_after_refresh`."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    waiting = []
    for node in (app, *app.screen.walk_children(with_self=True)):
        done = loop.create_future()
        if node.call_later(done.set_result, None):
            waiting.append(done)
    await asyncio.gather(*waiting)
    await refreshed(app.screen)


async def quiet(app: Any) -> None:
    """Until the app's workers and write jobs have finished (a read replaced by a newer one
    is cancelled: not an error here)."""
    from textual.worker import WorkerCancelled, WorkerFailed

    from screens.jobs import writes_running

    for worker in list(app.workers):
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
    await asyncio.gather(*writes_running(app))


async def refreshed(screen: Any) -> None:
    """Until `screen` has been refreshed (Textual's `call_after_refresh`)."""
    done = asyncio.get_running_loop().create_future()
    screen.call_after_refresh(done.set_result, None)
    await done


async def recalculated(calculator: Any, before: Any) -> None:
    """The affordability form has handled the key: its totals are worked out again (each
    key in the benchmark's typing gives a new result). Waiting for the whole screen to be
    idle, as `painted` does, would time Pilot calling on each of the form's 200 widgets."""
    deadline = time.perf_counter() + 5
    while calculator.result is before and time.perf_counter() < deadline:
        await asyncio.sleep(0)


def send_key(app: Any, key: str) -> None:
    """A key as the terminal's driver delivers it: posted to the app."""
    from textual import events

    app.post_message(events.Key(key, key if len(key) == 1 else None))


# --- one start, in a fresh process -----------------------------------------------------


def start_once() -> None:
    """Run in a child process: start the app as `drp` does (its command line loaded, settings
    read from the environment), wait for the queue to be on screen, print the moment it was
    (the parent subtracts when it launched the process), the queue's length and memory."""
    from drp_tui.cli.main import desk_app
    from drp_tui.settings import load_settings

    async def main() -> dict[str, Any]:
        app = desk_app(load_settings())
        from screens.queue import QueueScreen

        async with app.run_test(size=(120, 40)) as pilot:
            while not (isinstance(app.screen, QueueScreen) and app.screen.entries):
                await asyncio.sleep(0.001)
            await painted(pilot)
            at = time.time()
            rows = len(app.screen.entries)
            status = Path(f"/proc/{os.getpid()}/status").read_text()
        memory = {
            line.split(":")[0]: int(line.split()[1]) // 1024
            for line in status.splitlines()
            if line.startswith(("VmRSS", "VmHWM"))
        }
        return {
            "at": at,
            "rows": rows,
            "rss_mb": memory["VmRSS"],
            "peak_mb": memory["VmHWM"],
        }

    print(json.dumps(asyncio.run(main())))


def start_parts_once() -> None:
    """Run in a child process: the two big parts of a start, alone. The modules `drp` and the
    app load, then the first read of the queue (with full collections held off, as the app
    holds them off; `drp` reads it in a second process while the first loads the app)."""
    started = time.perf_counter()
    import drp_tui.app
    import drp_tui.cli.main  # noqa: F401
    from drp_tui.idle_gc import IdleCollector
    from drp_tui.services.workstation import open_workstation
    from drp_tui.settings import load_settings

    imports = time.perf_counter() - started
    workstation = open_workstation(load_settings())
    IdleCollector().start(time.monotonic())
    started = time.perf_counter()
    workstation.queue()
    print(json.dumps({"imports": imports, "queue": time.perf_counter() - started}))


def _child(store: Path, command: str) -> dict[str, Any]:
    """Run this module's `command` in a fresh process that has the store in its settings, as
    an officer's environment would; return what it printed, and when it was launched."""
    environment = {
        **os.environ,
        "DRP_CONFIG": str(store.parent / "no-config.toml"),
        "DRP_STORE": str(store),
        "DRP_OFFICER": OFFICER,
        "DRP_NOW": NOW.isoformat(),
        "DRP_DATA_HOME": str(store.parent),
    }
    launched = time.time()
    done = subprocess.run(
        [sys.executable, "-m", "bench.tui_bench", command],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=environment,
    )
    return {**json.loads(done.stdout.strip().splitlines()[-1]), "launched": launched}


def starts(store: Path, runs: int) -> list[dict[str, Any]]:
    results = []
    for _ in range(runs):
        result = _child(store, "start-once")
        results.append({**result, "seconds": result["at"] - result["launched"]})
    return results


def start_parts(store: Path, runs: int) -> dict[str, float]:
    parts = [_child(store, "start-parts-once") for _ in range(runs)]
    return {key: statistics.median(p[key] for p in parts) for key in ("imports", "queue")}


def bare_starts(runs: int) -> list[float]:
    """Baseline: a process that starts Textual and paints one static screen."""
    probe = (
        "import time, asyncio\n"
        "from bench.tui_bench import painted\n"
        "from textual.app import App\n"
        "from textual.widgets import Static\n"
        "class Bare(App[None]):\n"
        "    def compose(self):\n"
        "        yield Static('queue')\n"
        "async def main():\n"
        "    async with Bare().run_test(size=(120, 40)) as pilot:\n"
        "        await painted(pilot)\n"
        "        print(time.time())\n"
        "asyncio.run(main())\n"
    )
    out = []
    for _ in range(runs):
        launched = time.time()
        done = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
        out.append(float(done.stdout.strip().splitlines()[-1]) - launched)
    return out


# --- interaction, in this process --------------------------------------------------------


def interactions(store: Path, runs: int) -> dict[str, list[float]]:
    from drp_tui.app import create_app
    from drp_tui.settings import Settings
    from screens.affordability import AffordabilityScreen
    from screens.debtor import DebtorScreen
    from screens.queue import QueueScreen

    times: dict[str, list[float]] = {"open": [], "open_service": [], "key": [], "assess": []}

    async def main() -> None:
        app = create_app(Settings(store=store, officer=OFFICER, now=NOW, data_home=store.parent))
        async with app.run_test(size=(120, 40)) as pilot:
            await quiet(app)
            await pilot.pause()
            queue = app.screen
            assert isinstance(queue, QueueScreen)
            entries = queue.entries
            for n in range(runs):
                await pilot.press("down")
                await quiet(app)
                await pilot.pause()
                # An officer reads the highlighted row before pressing Enter; that pause is
                # when the app does its full garbage collection (drp_tui/idle_gc.py).
                await asyncio.sleep(READING_SECONDS)
                started = time.perf_counter()
                send_key(app, "enter")
                while not (isinstance(app.screen, DebtorScreen) and app.screen.view):
                    await asyncio.sleep(0.0005)
                await painted(pilot)
                times["open"].append(time.perf_counter() - started)
                debtor = app.screen
                started = time.perf_counter()
                app.workstation.open_case(entries[n + 1].case_id, "bench")
                times["open_service"].append(time.perf_counter() - started)
                if n == 0:
                    # The calculator opens after ID&V on the call: recorded as the ID&V
                    # dialog records it, then the case read again.
                    assert isinstance(debtor, DebtorScreen)
                    assert debtor.call is not None
                    app.workstation.verify(
                        debtor.call.id, frozenset({"date_of_birth", "postcode"}), False
                    )
                    debtor.reload(debtor.case_id)
                    await quiet(app)
                    await painted(pilot)
                    await pilot.press("a")
                    await pilot.pause()
                    calculator = app.screen
                    assert isinstance(calculator, AffordabilityScreen)
                    typing = ("1", "2", "5", "0", *["backspace"] * 4)  # £1,250 then clear
                    for key in typing * (runs // 8 + 1):
                        before = calculator.result
                        started = time.perf_counter()
                        send_key(app, key)
                        await recalculated(calculator, before)
                        await refreshed(calculator)
                        times["key"].append(time.perf_counter() - started)
                        statement = calculator.statement()
                        started = time.perf_counter()
                        app.workstation.assess(statement)
                        times["assess"].append(time.perf_counter() - started)
                    calculator.dismiss(None)
                    await pilot.pause()
                debtor.dismiss(None)
                await quiet(app)
                await pilot.pause()

    asyncio.run(main())
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run(cases: int, runs: int, start_runs: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "tui.sqlite"
        started = time.perf_counter()
        build(store, cases, 100, cases)
        built = time.perf_counter() - started
        start = starts(store, start_runs)
        part_runs = max(start_runs // 5, 1)
        parts = start_parts(store, part_runs)
        bare = bare_starts(start_runs)
        times = interactions(store, runs)
    seconds = [s["seconds"] for s in start]
    return {
        "cases": cases,
        "queue": start[0]["rows"],
        "build_s": built,
        "start_runs": start_runs,
        "start_median": statistics.median(seconds),
        "start_p95": p95(seconds) if len(seconds) > 1 else seconds[0],
        "bare_start_median": statistics.median(bare),
        "part_runs": part_runs,
        "imports_median": parts["imports"],
        "first_queue_median": parts["queue"],
        "rss_mb": max(s["rss_mb"] for s in start),
        "peak_mb": max(s["peak_mb"] for s in start),
        "runs": runs,
        **{f"{k}_median": statistics.median(v) for k, v in times.items()},
        **{f"{k}_p95": p95(v) for k, v in times.items()},
        "keys": len(times["key"]),
    }


if __name__ == "__main__":
    if sys.argv[1:2] == ["start-once"]:
        start_once()
    elif sys.argv[1:2] == ["start-parts-once"]:
        start_parts_once()
    else:
        print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])), indent=1))
