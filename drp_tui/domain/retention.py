"""Retention periods (data/policy/retention.toml): how long a closed case's records are kept
after it closed, by record type. Each type covers the narrower ones before it, so it is kept
at least as long as they are."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import pairwise
from typing import Any

from drp_tui.domain.errors import NoFigureError, PolicyError
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

RECORD_TYPES = ("special_category", "personal", "financial")  # each covers the one before


@dataclass(frozen=True)
class RetentionPeriod:
    dated: Dated
    record_type: str
    years: int
    what: str


def load_retention(doc: Mapping[str, Any], path: str) -> tuple[RetentionPeriod, ...]:
    def period(r: RowReader) -> RetentionPeriod:
        kind = r.text("record_type")
        if kind not in RECORD_TYPES:
            raise r.fail(f"record_type must be one of {', '.join(RECORD_TYPES)}")
        return RetentionPeriod(
            r.dated(split_by_jurisdiction=False),
            kind,
            r.whole("years_after_closure"),
            r.text("what", ""),
        )

    rows = read_rows(doc, "retention", path, period, group=lambda p: p.record_type)
    missing = [t for t in RECORD_TYPES if t not in {p.record_type for p in rows}]
    if missing:
        raise PolicyError(path, f"no retention period for {', '.join(missing)}")
    for day in sorted({p.dated.effective_from for p in rows}):
        try:
            periods_on(rows, day)  # each type kept at least as long as those it covers
        except NoFigureError:
            continue  # not every type in force yet on that day
        except PolicyError as exc:
            raise PolicyError(path, str(exc).split(": ", 1)[-1]) from None
    return rows


def periods_on(rows: Sequence[RetentionPeriod], on: date) -> list[RetentionPeriod]:
    """The period in force on `on` for each record type, narrowest first."""
    periods = [
        in_force([p for p in rows if p.record_type == kind], on, table="retention.toml")
        for kind in RECORD_TYPES
    ]
    for narrower, wider in pairwise(periods):
        if wider.years < narrower.years:
            raise PolicyError(
                "retention.toml",
                f"{wider.record_type} ({wider.years} years) covers {narrower.record_type} "
                f"and cannot be kept for less ({narrower.years} years)",
            )
    return periods
