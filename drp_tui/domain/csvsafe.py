"""Every CSV drp writes goes through here, so no cell reaches a spreadsheet as a formula.

A text cell starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with a
single quote, as OWASP's CSV injection guidance describes: a spreadsheet then shows it as text
and never runs it. A cell that is wholly a plain decimal number (`-12.50`, `+44`, `3`) is left
as it is: a spreadsheet reads it as a number, never a formula, and the host systems loading
drp's exports need a negative amount to stay a number (docs/cli.md, "Files for the host").
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?", re.ASCII)


def safe_cell(value: Any) -> Any:
    """The value as a CSV cell a spreadsheet will not run. A line break in it is written as
    `\\n`, which the writer quotes: Python's CSV writer quotes only the characters of its
    line terminator, so a bare `\\r` went out unquoted and every reader started a new row,
    and a live formula, at it."""
    if not isinstance(value, str):
        return value
    if value.startswith(FORMULA_STARTS) and _PLAIN_NUMBER.fullmatch(value) is None:
        value = "'" + value
    return value.replace("\r\n", "\n").replace("\r", "\n")


def csv_text(fieldnames: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> str:
    """A header and rows as CSV text (`\\n` line ends), every cell made safe."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: safe_cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
