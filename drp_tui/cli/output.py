"""Printing results: JSON for scripts (money as strings with two decimals), Rich for people."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from drp_tui.domain.controls import escaped
from drp_tui.domain.money import Money, format_money, money_text


def money(amount: Money) -> str:
    return money_text(amount)


def percent(value: Decimal) -> int | float:
    """A rate for JSON: a plain number (rates are not money)."""
    return int(value) if value == value.to_integral_value() else float(value)


def print_json(payload: Mapping[str, Any]) -> None:
    print(json.dumps(payload, indent=2, ensure_ascii=False))


def console(*, stderr: bool = False) -> Console:
    return Console(highlight=False, stderr=stderr)


def show(
    title: str,
    rows: Iterable[tuple[str, str | Text]],
    *,
    warnings: Sequence[str] = (),
    errors: Sequence[str] = (),
    notes: Sequence[str] = (),
) -> None:
    """A titled two-column table, then notes, warnings and errors."""
    out = console()
    for note in notes:
        out.print(Text(note, style="yellow" if note.startswith("notice:") else "dim"))
    table = Table(title=title, show_header=False, title_justify="left", title_style="bold")
    table.add_column(style="dim")
    table.add_column()
    for label, value in rows:
        # Data as is, save what would drive the terminal (drp_tui.domain.controls).
        table.add_row(label, Text(escaped(value)) if isinstance(value, str) else value)
    out.print(table)
    findings(warnings=warnings, errors=errors)


def findings(*, warnings: Sequence[str] = (), errors: Sequence[str] = ()) -> None:
    out = console()
    for warning in warnings:
        out.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    for error in errors:
        out.print(f"[red]error:[/red] {escape(error)}")


def pounds(amount: Money) -> str:
    return format_money(amount)
