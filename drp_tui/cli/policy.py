"""`drp policy`: check, list and load the policy tables."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, day
from drp_tui.domain.policy import Dated
from drp_tui.services.policy import (
    POLICY_FILES,
    PolicyBook,
    install_guidelines,
    policy_dir,
    policy_for,
)
from drp_tui.services.renewals import coverage, renewals_due
from drp_tui.settings import load_settings

OnOption = Annotated[str | None, typer.Option("--on", help="The date to check (default today).")]

app = typer.Typer(help="Check, list and load the dated policy tables.", no_args_is_help=True)


def _dated_rows(value: Any) -> list[tuple[str, Dated]]:
    """Every dated row inside a loaded table, with its display name."""
    found: list[tuple[str, Dated]] = []
    items = value if isinstance(value, tuple) else [value]
    for item in items:
        dated = getattr(item, "dated", None)
        if isinstance(dated, Dated):
            name = getattr(item, "name", None) or getattr(item, "code", None) or ""
            found.append((str(name), dated))
            continue
        if hasattr(item, "__dataclass_fields__"):
            for f in fields(item):
                found += _dated_rows(getattr(item, f.name))
    return found


def _book_rows(book: PolicyBook) -> list[tuple[str, str, Dated]]:
    rows = []
    for key, (filename, _) in POLICY_FILES.items():
        for name, dated in _dated_rows(getattr(book, key)):
            rows.append((filename, name, dated))
    return rows


@app.command("check")
def check(on: OnOption = None, as_json: JsonFlag = False) -> None:
    """Validate every policy table; the first problem is named by file and row (exit 1). Also
    exit 1 when a table the calculators use has no row in force on --on, or a gap between rows."""
    settings = load_settings()
    when = day(on, "--on", settings.current_date())
    book = policy_for(settings)
    rows = _book_rows(book)
    found = coverage(book, when)
    problems = [f"{t.label}: no row in force on {when.isoformat()}" for t in found.missing]
    problems += [
        f"{t.label}: no row in force from {start.isoformat()} to {end.isoformat()}"
        for t, start, end in found.gaps
    ]
    if as_json:
        output.print_json(
            {
                "directory": str(book.directory),
                "valid": found.ok,
                "on": when.isoformat(),
                "rows": len(rows),
                "files": sorted(name for name, _ in POLICY_FILES.values()),
                "problems": problems,
            }
        )
    elif found.ok:
        output.console().print(
            f"[green]ok[/green] {len(rows)} dated rows in {len(POLICY_FILES)} files under "
            f"{escape(str(book.directory))}; every table the calculators use has a row in "
            f"force on {when.isoformat()}"
        )
    else:
        for problem in problems:
            output.console(stderr=True).print(f"[red]missing[/red] {escape(problem)}")
    if not found.ok:
        raise typer.Exit(1)


@app.command("due")
def due(on: OnOption = None, as_json: JsonFlag = False) -> None:
    """The tables whose next row is due (within 30 days) or overdue on --on (default today)."""
    settings = load_settings()
    when = day(on, "--on", settings.current_date())
    states = renewals_due(policy_for(settings), when)
    if as_json:
        output.print_json(
            {
                "on": when.isoformat(),
                "tables": [
                    {
                        "file": s.table.file,
                        "table": s.table.kind,
                        "group": s.table.group or None,
                        "renews": s.table.rule,
                        "status": s.status,
                        "due_on": None if s.due_on is None else s.due_on.isoformat(),
                        "newest_from": s.table.newest.effective_from.isoformat(),
                    }
                    for s in states
                ],
            }
        )
        return
    if not states:
        output.console().print(f"nothing due: every watched table is current on {when.isoformat()}")
        return
    for state in states:
        colour = "red" if state.status == "overdue" else "yellow"
        output.console().print(f"[{colour}]{state.status}[/{colour}] {escape(state.message)}")


@app.command("show")
def show(
    on: Annotated[str | None, typer.Option(help="Only rows in force on this date.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List the policy rows (those in force on --on, or all), with status and source."""
    settings = load_settings()
    when = None if on is None else day(on, "--on", settings.current_date())
    rows = [
        (f, n, d) for f, n, d in _book_rows(policy_for(settings)) if when is None or d.covers(when)
    ]
    if as_json:
        output.print_json(
            {
                "rows": [
                    {
                        "file": f,
                        "name": n,
                        "effective_from": d.effective_from.isoformat(),
                        "effective_to": None
                        if d.effective_to is None
                        else d.effective_to.isoformat(),
                        "jurisdiction": sorted(d.jurisdictions),
                        "status": d.status,
                        "source": d.source,
                    }
                    for f, n, d in rows
                ]
            }
        )
        return
    table = Table(
        "file",
        "row",
        "from",
        "to",
        "status",
        title=f"Policy rows under {policy_dir(settings)}",
        title_justify="left",
    )
    for f, n, d in rows:
        table.add_row(
            f,
            n,
            d.effective_from.isoformat(),
            "" if d.effective_to is None else d.effective_to.isoformat(),
            d.status if d.status == "confirmed" else f"[yellow]{d.status}[/yellow]",
        )
    output.console().print(table)


@app.command("load-guidelines")
def load_guidelines(
    file: Annotated[
        Path,
        typer.Argument(
            help="The council's licensed SFS guideline table (TOML, in the format "
            "of data/sfs/example-guidelines.toml)."
        ),
    ],
) -> None:
    """Validate and install the council's licensed SFS spending guidelines."""
    settings = load_settings()
    table = install_guidelines(settings, file)
    kind = "EXAMPLE figures" if table.example else "guidelines"
    output.console().print(
        f"[green]loaded[/green] {kind} "
        + escape(f"'{table.name}' ({len(table.rows)} household rows) to {settings.guidelines_path}")
    )
