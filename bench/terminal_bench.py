"""Speed as the officer feels it: the real `drp` in a pseudo-terminal (bench/pty_terminal.py),
keys sent as a terminal sends them, each step timed from the key until the screen shows its
effect. On the demo store and on a store of a million cases (bench/tui_bench.build).

Each round is a fresh `drp` process: start to queue painted, then case after case: Enter on
the highlighted row -> debtor screen painted with that case; ID&V; `a` -> affordability form
drawn (the first of the process, then later ones); digits typed into it one by one -> its
totals redrawn; Esc; `r` -> arrangement builder drawn; Esc; `o`, RPC chosen, Save -> the
next case painted; Esc back to the queue.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from bench.pty_terminal import Lines, ScreenTimeout, Terminal

REPO = Path(__file__).resolve().parent.parent
NOW = "2026-11-23T10:30:00+00:00"  # a Monday morning: cases may be called
CASE_REF = re.compile(r"^ (C\d{7}) ")
STEPS = {
    "enter": "Enter on a row → debtor screen painted",
    "afford_first": "`a` → affordability form drawn (first in the process)",
    "afford": "`a` → affordability form drawn (later opens)",
    "key": "a digit typed in the affordability form → totals redrawn",
    "builder": "`r` → arrangement builder drawn",
    "next": "outcome saved → next case painted",
    "start": "`drp` started → queue painted",
}


def queue_shown(lines: Lines) -> bool:
    return "Search" in lines[-1] and any(re.match(r"^ 1\s+C\d{7}", line) for line in lines)


def highlighted(lines: Lines) -> str:
    """The highlighted row's case: the line under the queue names it in full."""
    for line in reversed(lines[:-1]):
        found = CASE_REF.match(line)
        if found and ":" in line:
            return found.group(1)
    raise ScreenTimeout("no highlighted case under the queue")


def debtor_shown(reference: str | None = None, verified: bool = False) -> Callable[[Lines], bool]:
    def shown(lines: Lines) -> bool:
        head = lines[0]
        return (
            head.startswith(" C")
            and " · " in head
            and (reference is None or head.startswith(f" {reference} "))
            and ("ID&V passed" in head if verified else True)
            and "o Outcome" in lines[-1]
        )

    return shown


def affordability_shown(lines: Lines) -> bool:
    return (
        lines[0].startswith(" Affordability")
        and "^s Save" in lines[-1]
        and any(line.startswith(" Earnings") for line in lines)
        and any("For the council" in line for line in lines)
    )


def totals(lines: Lines) -> str:
    return "".join(line.split("│", 1)[1] for line in lines[1:12] if "│" in line)


def changed(before: str, lines: Lines) -> bool:
    return totals(lines) != before


def builder_shown(lines: Lines) -> bool:
    return any("First due" in line for line in lines) and any(
        "Confirm" in line and "Back" in line for line in lines
    )


def outcome_shown(lines: Lines) -> bool:
    return any("Outcome of this call" in line for line in lines)


def pass_idv(term: Terminal) -> None:
    term.send("i")
    term.wait_for(lambda ls: any("ID&V — tick" in line for line in ls), what="ID&V form")
    term.settle()
    # The first two checks ticked, then Record (three fields on).
    term.send("space", "tab", "space", "tab", "tab", "tab", "enter")
    term.wait_for(debtor_shown(verified=True), what="ID&V passed")


class Times(dict[str, list[float]]):
    """Each step's seconds, and beside it (under 'emulator:' + step) the part of them spent
    in the terminal emulator drawing drp's output: a real terminal's share, not drp's."""

    def __init__(self) -> None:
        super().__init__({k: [] for k in STEPS} | {f"emulator:{k}": [] for k in STEPS})

    def add(self, step: str, seconds: float, term: Terminal) -> None:
        self[step].append(seconds)
        self[f"emulator:{step}"].append(term.last_feed)


def one_case(term: Terminal, times: Times, first: bool, called: str | None = None) -> str:
    """One case worked from the queue; the case's reference. Back on the queue after the
    case `called`, the queue is read again (10,000 cases on the big store) and redrawn with
    that case moved down: the case to open is the one highlighted once it is redrawn."""
    term.settle()
    if called is not None:
        term.wait_for(
            lambda ls: queue_shown(ls) and highlighted(ls) != called, 60, "the queue redrawn"
        )
    reference = highlighted(term.lines)
    times.add("enter", term.timed("enter", debtor_shown(reference), what="debtor screen"), term)
    pass_idv(term)
    key = "afford_first" if first else "afford"
    times.add(key, term.timed("a", affordability_shown, what="affordability"), term)
    term.settle()
    for digit in "1234":  # into the field the form opens on (Earnings)
        term.settle(0.15)
        before = totals(term.lines)
        seconds = term.timed(digit, partial(changed, before), 5, "totals redrawn")
        times.add("key", seconds, term)
    term.send("escape")
    term.wait_for(debtor_shown(reference), what="back on the case")
    times.add("builder", term.timed("r", builder_shown, what="arrangement builder"), term)
    term.send("escape")
    term.wait_for(lambda ls: not builder_shown(ls) and debtor_shown(reference)(ls))
    term.settle()
    term.send("o")  # the statement typed is not saved: drp says so, and `o` again goes on
    term.wait_for(lambda ls: any("typed on this call" in line for line in ls), what="draft warning")
    term.settle()
    term.send("o")
    term.wait_for(outcome_shown, what="outcome form")
    term.settle()
    term.send("enter")
    term.wait_for(lambda ls: any("RPC · Right party" in line for line in ls), what="codes")
    term.settle()
    term.send("down", "enter")
    term.wait_for(lambda ls: any("Notes" in line for line in ls), what="RPC chosen")
    term.settle()
    term.send("tab", "tab")  # Notes, then Save

    def next_case(lines: Lines) -> bool:
        return debtor_shown()(lines) and not lines[0].startswith(f" {reference} ")

    times.add("next", term.timed("enter", next_case, what="next case"), term)
    term.settle()
    term.send("escape")
    term.wait_for(queue_shown, what="the queue again")
    return reference


def rounds(
    store: Path, officer: str, rounds_: int, cases: int, home: Path
) -> dict[str, list[float]]:
    times = Times()
    env = {
        **os.environ,
        "DRP_STORE": str(store),
        "DRP_OFFICER": officer,
        "DRP_NOW": NOW,
        "DRP_CONFIG": str(home / "config.toml"),
        "DRP_DATA_HOME": str(home / "data"),
        "DRP_CURSOR_BLINK": "false",
    }
    drp = str(Path(sys.executable).parent / "drp")
    for _ in range(rounds_):
        term = Terminal([drp], env)
        try:
            times["start"].append(term.wait_for(queue_shown, 60, "queue") - term.launched)
            times["emulator:start"].append(term.feeding)
            called = None
            for number in range(cases):
                called = one_case(term, times, number == 0, called)
        finally:
            term.close()
    return times


def demo_store(folder: Path) -> Path:
    """The demo as `drp demo` builds it (2,000 people), at the benchmark's moment."""
    path = folder / "demo.sqlite"
    subprocess.run(
        [str(Path(sys.executable).parent / "drp"), "demo", "--store", str(path), "--no-launch"],
        env={
            **os.environ,
            "DRP_NOW": NOW,
            "DRP_DATA_HOME": str(folder / "data"),
            "DRP_CONFIG": str(folder / "config.toml"),
        },
        check=True,
        capture_output=True,
    )
    return path


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


def summary(times: dict[str, list[float]]) -> dict[str, Any]:
    return {
        step: {"runs": len(v), "median": statistics.median(v), "p95": p95(v)}
        for step, v in times.items()
        if v
    }


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


def training(path: Path) -> None:
    """Mark a benchmark store as one to practise on: DRP_OFFICER and DRP_NOW pick who and
    when only on a training or demo store, and the benchmark drives it as officer o000."""
    from drp_tui.services.identity import set_store_kind
    from drp_tui.store.engine import open_store

    store = open_store(path)
    set_store_kind(store, "training")
    store.engine.dispose()


def run(big_cases: int, rounds_: int, cases: int, big_store: Path | None = None) -> dict[str, Any]:
    """Both stores; `big_store`, if given and present, is reused (it takes minutes to build)."""
    results: dict[str, Any] = {"load_before": load()}
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        demo = demo_store(home)
        results["demo"] = summary(rounds(demo, "jmorgan", rounds_, cases, home))
        big = big_store or home / "big.sqlite"
        if not big.exists():
            from bench import tui_bench

            started = time.perf_counter()
            tui_bench.build(big, big_cases, 100, big_cases)
            results["build_s"] = time.perf_counter() - started
        training(big)
        results["big"] = summary(rounds(big, "o000", rounds_, cases, home))
        results["big_cases"] = big_cases
    results["load_after"] = load()
    return results


if __name__ == "__main__":
    import json

    kept = Path(sys.argv[4]) if len(sys.argv) > 4 else None
    print(json.dumps(run(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), kept), indent=1))
