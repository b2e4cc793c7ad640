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


def fitted_tables(
    title: str,
    headers: Sequence[str],
    rows: Sequence[Sequence[str | Text]],
    *,
    right: Iterable[str] = (),
) -> None:
    """A table printed whole at any terminal width: the columns that do not fit beside the
    first (the row's name) go into a second table (and a third...), each repeating the first,
    rather than every column being cut to '…'. Headers wrap at spaces; figures never do."""
    out = console()
    aligned = set(right)
    figures = [max([len(_plain(row[i])) for row in rows] + [1]) for i in range(len(headers))]
    widths = [max(w, len(h)) for w, h in zip(figures, headers, strict=True)]  # headers whole
    if sum(widths) + 3 * len(widths) + 1 > out.width:  # else headers wrap at their spaces
        widths = [
            max([w] + [len(word) for word in h.split()])
            for w, h in zip(figures, headers, strict=True)
        ]
    groups: list[list[int]] = []
    used = 1 + widths[0] + 3 if widths else 0  # the left edge, then each column and its rule
    for index in range(1, len(headers)):
        if groups and used + widths[index] + 3 <= out.width:
            groups[-1].append(index)
            used += widths[index] + 3
        else:
            groups.append([index])
            used = 1 + widths[0] + 3 + widths[index] + 3
    for number, group in enumerate(groups or [[]]):
        table = Table(title=title if number == 0 else None, title_justify="left")
        for index in [0, *group]:
            table.add_column(
                headers[index],
                justify="right" if headers[index] in aligned else "left",
                width=widths[index],
            )
        for row in rows:
            table.add_row(*(row[i] for i in [0, *group]))
        out.print(table)


def _plain(value: str | Text) -> str:
    return value.plain if isinstance(value, Text) else value
