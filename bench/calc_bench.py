"""Calculator and CLI start-up benchmarks (a section of bench/run.py)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
import tomllib
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

from drp_tui.domain.affordability import assess, statement_from_data
from drp_tui.domain.attachment import ctaeo_deduction
from drp_tui.domain.schedule import build_schedule
from drp_tui.services.policy import POLICY_FILES, data_dir, load_policy

REPO = Path(__file__).resolve().parent.parent

TODAY = date(2026, 11, 22)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return samples


def summary(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def process(args: list[str]) -> Callable[[], object]:
    env = {**os.environ, "DRP_CONFIG": "/nonexistent/drp-bench.toml"}
    return lambda: subprocess.run(args, env=env, capture_output=True, check=True)


WATCHED = (
    "drp_tui.cli.main",
    "drp_tui.settings",
    "pydantic_settings",
    "typer",
    "rich.table",
    "holidays",
    "dateutil.relativedelta",
    "drp_tui.services.policy",
)


def import_costs(args: list[str]) -> list[tuple[str, float]]:
    env = {**os.environ, "DRP_CONFIG": "/nonexistent/drp-bench.toml"}
    done = subprocess.run(
        [args[0], "-X", "importtime", *args[1:]],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    costs: dict[str, float] = {}
    for line in done.stderr.splitlines():
        parts = [part.strip() for part in line.removeprefix("import time:").split("|")]
        if len(parts) == 3 and parts[2] in WATCHED and parts[1].isdigit():
            costs[parts[2]] = int(parts[1]) / 1000
    return sorted(costs.items(), key=lambda item: -item[1])


def section() -> list[str]:
    python = sys.executable
    drp = [python, "-m", "drp_tui"]
    rows: list[tuple[str, str, float, float, float]] = []

    def compare(
        name: str,
        baseline_name: str,
        fn: Callable[[], object],
        baseline: Callable[[], object],
        runs: int,
        unit: float = 1000,
    ) -> None:
        fn(), baseline()  # warm caches
        base = summary(timed(baseline, runs))
        measured = summary(timed(fn, runs))
        rows.append(
            (name, baseline_name, measured[0] * unit, measured[1] * unit, measured[0] / base[0])
        )
        label = "ms" if unit == 1000 else "µs"
        median, p95 = measured[0] * unit, measured[1] * unit
        ratio = measured[0] / base[0]
        print(
            f"{name}: median {median:.3f} {label}, p95 {p95:.3f} {label}, {ratio:.2f}x "
            f"{baseline_name}"
        )

    compare(
        "`drp calc aeo --json` (new process)",
        "`python -c pass`",
        process([*drp, "calc", "aeo", "--net", "400", "--period", "weekly", "--json"]),
        process([python, "-c", "pass"]),
        runs=30,
    )
    compare(
        "`drp calc aeo --json` (new process)",
        "`python -c 'import typer, rich'`",
        process([*drp, "calc", "aeo", "--net", "400", "--period", "weekly", "--json"]),
        process([python, "-c", "import typer, rich.console, rich.table"]),
        runs=30,
    )

    directory = data_dir() / "policy"

    def parse_only() -> None:
        for filename, _ in POLICY_FILES.values():
            with (directory / filename).open("rb") as handle:
                tomllib.load(handle)

    def load_and_validate() -> None:
        load_policy.cache_clear()
        load_policy(directory)

    compare(
        "load and validate all policy tables",
        "tomllib parse of the same files",
        load_and_validate,
        parse_only,
        runs=50,
    )

    book = load_policy(directory)
    edges = [Decimal(x) for x in ("75", "135", "185", "225", "355", "505")]
    rates = [Decimal(x) for x in ("0", "3", "5", "7", "12", "17")]

    def raw_band() -> Decimal:
        net = Decimal("400")
        for edge, rate in zip(edges, rates, strict=True):
            if net <= edge:
                return net * rate / 100
        return edges[-1] * rates[-1] / 100 + (net - edges[-1]) / 2

    compare(
        "CTAEO deduction (table lookup by date)",
        "bare band arithmetic",
        lambda: ctaeo_deduction(book.ctaeo, net=Decimal("400"), period="weekly", made_on=TODAY),
        raw_band,
        runs=2000,
        unit=1e6,
    )
    compare(
        "12-instalment monthly schedule with checks",
        "bare band arithmetic",
        lambda: build_schedule(
            book.arrangements,
            total=Decimal("1234.56"),
            frequency="monthly",
            first=date(2026, 12, 1),
            today=TODAY,
            count=12,
            debt_type="council_tax",
        ),
        raw_band,
        runs=500,
        unit=1e6,
    )
    statement = statement_from_data(
        __import__("json").loads((REPO / "docs" / "examples" / "statement.json").read_text())
    )
    compare(
        "SFS affordability assessment",
        "bare band arithmetic",
        lambda: assess(statement, savings_rules=book.savings, on=TODAY),
        raw_band,
        runs=2000,
        unit=1e6,
    )

    lines = [
        "## Calculators and CLI start-up",
        "",
        "| what | median | p95 | baseline | ratio to baseline |",
        "| --- | --- | --- | --- | --- |",
    ]
    for name, baseline_name, median, p95, ratio in rows:
        unit = "ms" if "process" in name or "policy" in name else "µs"
        lines.append(
            f"| {name} | {median:.2f} {unit} | {p95:.2f} {unit} | {baseline_name} | {ratio:.2f}× |"
        )
    lines += [
        "",
        "Where `drp calc` start-up goes (cumulative import time, one run of "
        "`python -X importtime`):",
        "",
    ]
    lines += [
        f"- `{module}`: {ms:.0f} ms"
        for module, ms in import_costs(
            [*drp, "calc", "aeo", "--net", "400", "--period", "weekly", "--json"]
        )
    ]
    lines += [
        "",
        "Headless commands must not import Textual or the store (tested in "
        "`tests/test_packaging.py`); a keypress in the TUI must update the screen within 16 ms, "
        "so a calculation in the affordability form or arrangement builder must take a small "
        "fraction of that.",
        "",
    ]
    return lines
