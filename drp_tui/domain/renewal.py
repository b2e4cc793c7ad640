"""How each policy table renews, and whether it has: pure rules over dated rows.

A table the calculators use declares, in its file's `[renewal]` section, how its next row
comes: `april` (uprated each April), `half-year` (a new row each 1 January and 1 July) or
`amendment` (only when the law or the council's policy changes). From that and the rows
themselves drp can say when the next row is due, whether it is overdue, and whether a row a
calculation used has outlived its expected renewal.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal

from drp_tui.domain.errors import PolicyError
from drp_tui.domain.policy import Dated, RowReader, rows_of

Rule = Literal["april", "half-year", "amendment"]
RULES: tuple[Rule, ...] = ("april", "half-year", "amendment")
Status = Literal["overdue", "due", "current"]
# A periodic table is listed as due this many days before its renewal date, so the new row can
# be added before it is needed.
DUE_LEAD_DAYS = 30

# The tables each calculator draws a row from, as (file, kind): a fixed list, so a file that
# drops its `[renewal]` declaration for one of them is refused at load rather than silently no
# longer watched.
CALCULATOR_TABLES: dict[str, tuple[tuple[str, str], ...]] = {
    "aeo": (("ctaeo.toml", "table"),),
    "dea": (("dea.toml", "table"), ("dea.toml", "protected_earnings")),
    "fees": (("enforcement_fees.toml", "scale"),),
    "interest": (
        ("late_payment.toml", "statutory_margin"),
        ("late_payment.toml", "reference_rate"),
        ("late_payment.toml", "compensation"),
    ),
    "benefit-deduction-uc": (
        ("benefits.toml", "uc_standard_allowance"),
        ("benefits.toml", "uc_council_tax_deduction"),
        ("benefits.toml", "uc_overall_cap"),
    ),
    "benefit-deduction-legacy": (("benefits.toml", "legacy_council_tax_deduction"),),
    "hb-recovery": (
        ("benefits.toml", "hb_recovery_unit"),
        ("benefits.toml", "hb_recovery_multiples"),
    ),
    "schedule": (("arrangements.toml", "rules"),),
    "routes": (("recovery.toml", "debt_type"), ("recovery.toml", "route")),
    "affordability": (("affordability.toml", "savings_contribution"),),
}

_DESCRIBED = {
    "april": "each April",
    "half-year": "each 1 January and 1 July",
    "amendment": "on amendment only",
}


@dataclass(frozen=True)
class Watched:
    """One table (or one group of it: a jurisdiction, the DEA's standard or higher rate) whose
    renewal drp watches."""

    file: str
    kind: str
    group: str
    rule: Rule
    rows: tuple[Dated, ...]  # by effective_from
    # The day the table (or group) first existed in law, when it is later than any date drp
    # might be asked about: before it `drp policy check` does not require a row.
    starts: date | None = None

    @property
    def label(self) -> str:
        return f"{self.file} [[{self.kind}]]" + (f" ({self.group})" if self.group else "")

    @property
    def renews(self) -> str:
        return _DESCRIBED[self.rule]

    @property
    def newest(self) -> Dated:
        return self.rows[-1]

    def row_on(self, on: date) -> Dated | None:
        return next((row for row in reversed(self.rows) if row.covers(on)), None)


def next_renewal(rule: Rule, after: date) -> date | None:
    """The renewal due after a row that starts on `after` (None for `amendment`).

    For `april`, a row starting within DUE_LEAD_DAYS before 1 April (an uprating week that
    begins in late March, say 30 March) is that April's uprating, so the next is due the
    following April, not days after it starts.
    """
    if rule == "april":
        this_year = date(after.year, 4, 1)
        if after < this_year - timedelta(days=DUE_LEAD_DAYS):
            return this_year
        return date(after.year + 1, 4, 1)
    if rule == "half-year":
        if after < date(after.year, 7, 1):
            return date(after.year, 7, 1)
        return date(after.year + 1, 1, 1)
    return None


@dataclass(frozen=True)
class RenewalState:
    table: Watched
    status: Status
    due_on: date | None  # when the next row is (or was) due; None when it renews on amendment

    @property
    def message(self) -> str:
        newest = self.table.newest
        if self.status == "current":
            return f"{self.table.label}: current (renews {self.table.renews})"
        if newest.effective_to is not None and self.due_on == newest.effective_to + timedelta(1):
            ran = f"its last row ends {newest.effective_to.isoformat()}"
        else:
            ran = f"its newest row is from {newest.effective_from.isoformat()}"
        due = "" if self.due_on is None else f" due {self.due_on.isoformat()}"
        return (
            f"{self.table.label}: next row{due} ({self.status}); {ran}; renews {self.table.renews}"
        )


def renewal_state(table: Watched, on: date, lead_days: int = DUE_LEAD_DAYS) -> RenewalState:
    """Whether `table` needs its next row on `on`: overdue (its renewal date has passed, or its
    last row has ended), due (within `lead_days`) or current."""
    newest = table.newest
    if newest.effective_to is not None:
        due_on: date | None = newest.effective_to + timedelta(days=1)
    else:
        due_on = next_renewal(table.rule, newest.effective_from)
    if due_on is None:
        return RenewalState(table, "current", None)
    if due_on <= on:
        return RenewalState(table, "overdue", due_on)
    if table.rule != "amendment" and (due_on - on).days <= lead_days:
        return RenewalState(table, "due", due_on)
    return RenewalState(table, "current", due_on if table.rule != "amendment" else None)


def gaps(table: Watched) -> list[tuple[date, date]]:
    """Days between one row's end and the next row's start, when no row is in force."""
    found = []
    for a, b in itertools.pairwise(table.rows):
        if a.effective_to is not None and a.effective_to + timedelta(days=1) < b.effective_from:
            found.append((a.effective_to + timedelta(days=1), b.effective_from - timedelta(days=1)))
    return found


def stale_warning(table: Watched, row: Dated, on: date) -> str | None:
    """A warning when a calculation on `on` used `row`, the newest of its table, after the
    date its next row was expected."""
    if row is not table.newest or row.effective_to is not None:
        return None
    due = next_renewal(table.rule, row.effective_from)
    if due is None or on < due:
        return None
    return (
        f"{table.label}: the row in force from {row.effective_from.isoformat()} was due for "
        f"renewal on {due.isoformat()} (renews {table.renews}); add the new figures "
        "(see 'drp policy due')"
    )


def load_renewals(doc: Mapping[str, Any], path: str, file: str) -> tuple[Watched, ...]:
    """The tables a policy file's `[renewal]` section declares, with their rows.

    An entry is a rule (`kind = "april"`) or `{ rule = ..., by = "field" }` to watch the rows
    of each value of `field` apart. Rows split by `jurisdiction` are watched per jurisdiction;
    rows with `enabled = false` are not yet in force and are left out.
    """
    section = doc.get("renewal", {})
    if not isinstance(section, Mapping):
        raise PolicyError(path, "[renewal] must be a table of kind = rule")
    watched: list[Watched] = []
    for kind, entry in section.items():
        rule, by, starts = _entry(entry, path, kind)
        groups: dict[str, list[Dated]] = {}
        for index, row in enumerate(rows_of(doc, kind, path), start=1):
            if row.get("enabled", True) is False:
                continue
            dated = RowReader(path, index, row, str(row.get("name", ""))).dated()
            if by and by not in row:
                raise PolicyError(
                    path,
                    f"[renewal] {kind}: by = {by!r} names no field of this row",
                    index,
                )
            if by:
                keys = [str(row[by])]
            elif "jurisdiction" in row or any("jurisdiction" in r for r in doc[kind]):
                keys = sorted(dated.jurisdictions)
            else:
                keys = [""]
            for key in keys:
                groups.setdefault(key, []).append(dated)
        if isinstance(starts, Mapping):
            unknown = sorted(set(starts) - set(groups))
            if unknown:
                raise PolicyError(
                    path, f"[renewal] {kind}: starts names no group of its rows: {unknown[0]!r}"
                )
        for group, rows in sorted(groups.items()):
            ordered = tuple(sorted(rows, key=lambda d: d.effective_from))
            begins = starts.get(group) if isinstance(starts, Mapping) else starts
            watched.append(Watched(file, kind, group, rule, ordered, begins))
    return tuple(watched)


def _entry(entry: Any, path: str, kind: str) -> tuple[Rule, str, date | Mapping[str, date] | None]:
    by = ""
    starts: Any = None
    if isinstance(entry, Mapping):
        by = entry.get("by", "")
        starts = entry.get("starts")
        entry = entry.get("rule")
        if not isinstance(by, str):
            raise PolicyError(path, f"[renewal] {kind}: 'by' must be a field name")
        dates = starts.values() if isinstance(starts, Mapping) else [starts]
        if starts is not None and not all(
            isinstance(d, date) and not isinstance(d, datetime) for d in dates
        ):
            raise PolicyError(
                path,
                f"[renewal] {kind}: starts must be a date (2015-04-06) or a date for each "
                "group ({ higher = 2015-04-06 })",
            )
    for rule in RULES:
        if entry == rule:
            return rule, by, starts
    raise PolicyError(
        path, f"[renewal] {kind}: the rule must be one of {', '.join(RULES)}, got {entry!r}"
    )
