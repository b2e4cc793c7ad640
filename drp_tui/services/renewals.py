"""Which policy tables need their next row: the use cases behind `drp policy due`,
`drp policy check`, the warnings `drp calc` adds, and the supervisor's banner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from drp_tui.domain.renewal import (
    CALCULATOR_TABLES,
    RenewalState,
    Watched,
    gaps,
    renewal_state,
    stale_warning,
)
from drp_tui.services.policy import PolicyBook


def renewals_due(policy: PolicyBook, on: date) -> list[RenewalState]:
    """Tables whose next row is due (within the lead time) or overdue on `on`."""
    states = [renewal_state(table, on) for table in policy.renewals]
    return [state for state in states if state.status != "current"]


def overdue_renewals(policy: PolicyBook, on: date) -> list[RenewalState]:
    """Tables whose next row is overdue on `on`: what a supervisor's banner shows."""
    return [state for state in renewals_due(policy, on) if state.status == "overdue"]


@dataclass(frozen=True)
class Coverage:
    """What `drp policy check` finds wrong with the watched tables on a date."""

    on: date
    missing: tuple[Watched, ...]  # no row in force on the date
    gaps: tuple[tuple[Watched, date, date], ...]  # days between rows with no row in force

    @property
    def ok(self) -> bool:
        return not self.missing and not self.gaps


def coverage(policy: PolicyBook, on: date) -> Coverage:
    missing = tuple(
        table
        for table in policy.renewals
        if table.row_on(on) is None and (table.starts is None or on >= table.starts)
    )
    found = tuple((table, start, end) for table in policy.renewals for start, end in gaps(table))
    return Coverage(on, missing, found)


def calculator_warnings(
    policy: PolicyBook, calculator: str, on: date, group: str = ""
) -> list[str]:
    """Warnings for the rows `calculator` used on `on` that have outlived their expected
    renewal (only a table's newest row can: an older one was renewed)."""
    wanted = set(CALCULATOR_TABLES[calculator])
    warnings = []
    for table in _tables(policy.renewals, wanted, group):
        row = table.row_on(on)
        warning = None if row is None else stale_warning(table, row, on)
        if warning:
            warnings.append(warning)
    return warnings


def _tables(tables: Iterable[Watched], wanted: set[tuple[str, str]], group: str) -> list[Watched]:
    return [
        table
        for table in tables
        if (table.file, table.kind) in wanted and (not group or table.group in ("", group))
    ]
