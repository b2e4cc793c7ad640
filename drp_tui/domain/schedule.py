"""Payment arrangement schedules and the policy checks on them (DOMAIN.md §10).

A schedule's instalments add up to the total to the penny: every instalment but the last is
the regular amount and the last takes what is left. Due dates falling on a weekend or an
England-and-Wales bank holiday move to the next working day; monthly dates on the 29th-31st
fall on the last day of shorter months.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any, Literal

from dateutil.relativedelta import relativedelta

from drp_tui.domain.dates import financial_year_end, next_working_day
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import Money, round_down
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

Frequency = Literal["weekly", "fortnightly", "four-weekly", "monthly"]
FREQUENCIES: tuple[Frequency, ...] = ("weekly", "fortnightly", "four-weekly", "monthly")
_DAYS = {"weekly": 7, "fortnightly": 14, "four-weekly": 28}
SEVERITIES = ("warning", "error")
# Ten years of weekly payments: anything longer is a typing slip, not an arrangement.
MAX_INSTALMENTS = 520
RULES_TABLE = "arrangements.toml [[rules]]"


@dataclass(frozen=True)
class ArrangementRules:
    dated: Dated
    first_payment_within_days: int
    first_payment_severity: str
    minimum_instalment: Money
    minimum_instalment_severity: str
    council_tax_clear_by_year_end: bool
    clear_by_year_end_severity: str
    missed_payment_tolerance_days: int
    missed_instalments_to_breach: int
    promise_horizon_days: int  # a promise due later than this many days ahead needs a reason
    promise_minimum: Money  # and so does one for less than this
    # Debt types in the order an arrangement over several debts pays them (the rest after).
    apply_order: tuple[str, ...] = ()
    # A broken arrangement may be reinstated this many times (0: never), within this many
    # days of its breach, in these ways (domain/reinstate.py).
    reinstatements_allowed: int = 1
    reinstate_within_days: int = 28
    reinstate_ways: tuple[str, ...] = ("catch_up", "spread")


def load_arrangement_rules(doc: Mapping[str, Any], path: str) -> tuple[ArrangementRules, ...]:
    def severity(r: RowReader, key: str) -> str:
        value = r.text(key)
        if value not in SEVERITIES:
            raise r.fail(f"{key} must be 'warning' or 'error'")
        return value

    return read_rows(
        doc,
        "rules",
        path,
        lambda r: ArrangementRules(
            dated=r.dated(),
            first_payment_within_days=r.whole("first_payment_within_days", 0),
            first_payment_severity=severity(r, "first_payment_severity"),
            minimum_instalment=r.money("minimum_instalment"),
            minimum_instalment_severity=severity(r, "minimum_instalment_severity"),
            council_tax_clear_by_year_end=r.flag("council_tax_clear_by_year_end", True),
            clear_by_year_end_severity=severity(r, "clear_by_year_end_severity"),
            missed_payment_tolerance_days=r.whole("missed_payment_tolerance_days", 0),
            missed_instalments_to_breach=r.whole("missed_instalments_to_breach", 1),
            promise_horizon_days=r.whole("promise_horizon_days", 1),
            promise_minimum=r.money("promise_minimum"),
            apply_order=r.names("apply_order"),
            **_reinstatement(r),
        ),
    )


REINSTATE_WAYS = ("catch_up", "spread")


def _reinstatement(r: RowReader) -> dict[str, Any]:
    """The reinstatement rule, where the row gives it (a council's older table: the defaults)."""
    found: dict[str, Any] = {}
    if "reinstatements_allowed" in r.row:
        found["reinstatements_allowed"] = r.whole("reinstatements_allowed", 0)
    if "reinstate_within_days" in r.row:
        found["reinstate_within_days"] = r.whole("reinstate_within_days", 1)
    if "reinstate_ways" in r.row:
        found["reinstate_ways"] = r.names("reinstate_ways", REINSTATE_WAYS)
    return found


def promise_beyond_policy(
    rules: tuple[ArrangementRules, ...], amount: Money, due_on: date, today: date
) -> list[str]:
    """How a promise goes past the policy's horizon or minimum (none: within policy)."""
    row = in_force(rules, today, table=RULES_TABLE)
    found = []
    if due_on > today + timedelta(days=row.promise_horizon_days):
        found.append(f"due {due_on.isoformat()} is more than {row.promise_horizon_days} days ahead")
    if amount < row.promise_minimum:
        found.append(f"£{amount:,.2f} is less than the £{row.promise_minimum:,.2f} minimum")
    return found


def check_promise(
    rules: tuple[ArrangementRules, ...], amount: Money, due_on: date, today: date, reason: str
) -> list[str]:
    """The ways a promise goes past policy; InputError on `reason` if any and none is given."""
    beyond = promise_beyond_policy(rules, amount, due_on, today)
    if beyond and not reason.strip():
        raise InputError(
            "reason", f"{'; '.join(beyond)} (policy): give a reason to accept this promise"
        )
    return beyond


@dataclass(frozen=True)
class Instalment:
    due: date
    amount: Money


@dataclass(frozen=True)
class Finding:
    code: str
    message: str


@dataclass(frozen=True)
class Schedule:
    instalments: tuple[Instalment, ...]
    total: Money
    warnings: tuple[Finding, ...] = ()
    errors: tuple[Finding, ...] = ()

    @property
    def possible(self) -> bool:
        return bool(self.instalments)


@dataclass
class _Findings:
    warnings: list[Finding] = field(default_factory=list)
    errors: list[Finding] = field(default_factory=list)

    def add(self, severity: str, code: str, message: str) -> None:
        (self.errors if severity == "error" else self.warnings).append(Finding(code, message))


def nominal_due_date(first: date, frequency: Frequency, index: int) -> date:
    """The `index`th due date (0 is `first`) before working-day adjustment."""
    if frequency == "monthly":
        # Counting from the first date each time keeps the 31st on month ends after February.
        return first + relativedelta(months=index)
    return first + timedelta(days=_DAYS[frequency] * index)


def due_dates(
    first: date, frequency: Frequency, count: int, jurisdiction: str = "england"
) -> list[date]:
    return [
        next_working_day(nominal_due_date(first, frequency, i), jurisdiction) for i in range(count)
    ]


def count_until(
    first: date, frequency: Frequency, clear_by: date, jurisdiction: str = "england"
) -> int:
    """How many due dates, after working-day adjustment, fall on or before `clear_by`."""
    count = 0
    while (
        count <= MAX_INSTALMENTS
        and next_working_day(nominal_due_date(first, frequency, count), jurisdiction) <= clear_by
    ):
        count += 1
    return count


def split_total(total: Money, count: int) -> list[Money]:
    """`count` amounts adding to `total`: the regular amount rounded down, the rest last."""
    regular = round_down(total / count)
    return [regular] * (count - 1) + [total - regular * (count - 1)]


def by_instalment(total: Money, instalment: Money) -> list[Money]:
    count = int((total / instalment).to_integral_value(rounding=ROUND_CEILING))
    return [instalment] * (count - 1) + [total - instalment * (count - 1)]


def build_schedule(
    rules: tuple[ArrangementRules, ...],
    *,
    total: Money,
    frequency: Frequency,
    first: date,
    today: date,
    instalment: Money | None = None,
    count: int | None = None,
    clear_by: date | None = None,
    debt_type: str | None = None,
    override_reason: str | None = None,
    jurisdiction: str = "england",
    council_tax_upto: Money | None = None,
) -> Schedule:
    """A schedule for `total` from `first`, given exactly one of `instalment`, `count` or
    `clear_by`, checked against the arrangement policy in force `today` for `jurisdiction`.

    Council tax must clear by the year end: all of `total` if `debt_type` is council tax, or,
    over several debts, the first `council_tax_upto` pounds paid (the council tax comes first).

    An impossible request returns no instalments and says why in `errors`.
    """
    found = _Findings()
    amounts = _amounts(total, frequency, first, instalment, count, clear_by, jurisdiction, found)
    if not amounts:
        return Schedule((), total, tuple(found.warnings), tuple(found.errors))
    dates = due_dates(first, frequency, len(amounts), jurisdiction)
    instalments = tuple(Instalment(d, a) for d, a in zip(dates, amounts, strict=True))
    if council_tax_upto is None and debt_type == "council_tax":
        council_tax_upto = total
    _check_policy(
        in_force(rules, today, jurisdiction, table=RULES_TABLE),
        instalments,
        first,
        today,
        council_tax_upto,
        override_reason,
        found,
    )
    return Schedule(instalments, total, tuple(found.warnings), tuple(found.errors))


def _amounts(
    total: Money,
    frequency: Frequency,
    first: date,
    instalment: Money | None,
    count: int | None,
    clear_by: date | None,
    jurisdiction: str,
    found: _Findings,
) -> list[Money]:
    given = [
        name
        for name, value in (("instalment", instalment), ("count", count), ("clear-by", clear_by))
        if value is not None
    ]
    if len(given) != 1:
        found.add("error", "one_of", "give exactly one of instalment, count or clear-by date")
        return []
    if total <= 0:
        found.add("error", "total", "the total must be more than £0.00")
        return []
    if instalment is not None:
        if instalment <= 0:
            found.add("error", "instalment", "the instalment must be more than £0.00")
            return []
        if instalment > total:
            found.add(
                "error",
                "instalment",
                f"the instalment £{instalment:,.2f} is more than the total £{total:,.2f}",
            )
            return []
        if total / instalment > MAX_INSTALMENTS:
            found.add(
                "error",
                "instalment",
                f"£{instalment:,.2f} would need more than "
                f"{MAX_INSTALMENTS} instalments; raise the instalment",
            )
            return []
        return by_instalment(total, instalment)
    if clear_by is not None:
        if clear_by < first:
            found.add(
                "error",
                "clear_by",
                f"the clear-by date {clear_by.isoformat()} is before "
                f"the first payment {first.isoformat()}",
            )
            return []
        count = count_until(first, frequency, clear_by, jurisdiction)
        if count == 0:
            found.add(
                "error",
                "clear_by",
                "no payment date falls on or before the clear-by "
                f"date {clear_by.isoformat()} once weekends and bank holidays are skipped",
            )
            return []
    assert count is not None
    if count < 1:
        found.add("error", "count", "the number of instalments must be at least 1")
        return []
    if count > MAX_INSTALMENTS:
        found.add("error", "count", f"at most {MAX_INSTALMENTS} instalments")
        return []
    if total < Decimal("0.01") * count:
        found.add("error", "count", f"£{total:,.2f} cannot be split into {count} instalments")
        return []
    return split_total(total, count)


def _paid_by(instalments: tuple[Instalment, ...], amount: Money) -> date:
    """The due date of the instalment that brings the running total to `amount`."""
    paid = Decimal(0)
    for instalment in instalments:
        paid += instalment.amount
        if paid >= amount:
            return instalment.due
    return instalments[-1].due


def _check_policy(
    rules: ArrangementRules,
    instalments: tuple[Instalment, ...],
    first: date,
    today: date,
    council_tax_upto: Money | None,
    override_reason: str | None,
    found: _Findings,
) -> None:
    if first < today:
        found.add(
            "error", "first_in_past", f"the first payment date {first.isoformat()} is in the past"
        )
    latest_first = today + timedelta(days=rules.first_payment_within_days)
    # The officer's chosen date is what the policy limits: a date inside the limit that only
    # moves past it to the next working day (a weekend or bank holiday) is not late.
    if first > latest_first:
        found.add(
            rules.first_payment_severity,
            "first_payment_late",
            f"first payment {first.isoformat()} is more than "
            f"{rules.first_payment_within_days} days away (by "
            f"{latest_first.isoformat()} under policy)",
        )
    regular = instalments[0].amount
    if len(instalments) > 1 and regular < rules.minimum_instalment:
        found.add(
            rules.minimum_instalment_severity,
            "minimum_instalment",
            f"instalments of £{regular:,.2f} are below the £"
            f"{rules.minimum_instalment:,.2f} minimum",
        )
    if council_tax_upto and council_tax_upto > 0 and rules.council_tax_clear_by_year_end:
        year_end = financial_year_end(today)
        last = _paid_by(instalments, council_tax_upto)
        if last > year_end:
            message = (
                f"council tax arrears should clear by {year_end.isoformat()}; the last "
                f"payment is {last.isoformat()}"
            )
            if override_reason and override_reason.strip():
                found.add(
                    "warning",
                    "clear_by_year_end_overridden",
                    f"{message} (overridden: {override_reason.strip()})",
                )
            else:
                found.add(
                    rules.clear_by_year_end_severity,
                    "clear_by_year_end",
                    f"{message}; give an override reason to go past it",
                )
