"""Affordability on the Standard Financial Statement (DOMAIN.md §8, decisions 4 and 5).

Income and outgoings are entered at any frequency and converted to monthly, each line rounded
to the penny. The surplus, less a savings contribution, is available for priority debts (council
tax among them); what is left after their payments goes to non-priority creditors pro rata to
balance, with the shares adding up exactly.

SFS spending guidelines are licensed figures a council loads itself; with none loaded the
calculator still works and says that guideline checks are off.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.domain.money import ZERO, Money, money_from_data, percent_of, round_down, to_money
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

INCOME = ("earnings", "benefits", "pensions", "other_income")
FIXED_COSTS = (
    "rent",
    "mortgage",
    "secured_loans",
    "council_tax",
    "other_home_and_contents",
    "gas",
    "electricity",
    "other_utilities",
    "water",
    "care_and_health",
    "transport_and_travel",
    "school_costs",
    "pensions_and_insurances",
    "professional_costs",
    "other_essential_costs",
)
FLEXIBLE_COSTS = ("communications_and_leisure", "food_and_housekeeping", "personal_costs")

MONTHLY_FACTOR = {
    "weekly": Decimal(52) / 12,
    "fortnightly": Decimal(26) / 12,
    "four-weekly": Decimal(13) / 12,
    "monthly": Decimal(1),
    "quarterly": Decimal(1) / 3,
    "yearly": Decimal(1) / 12,
}

EXAMPLE_NOTICE = "example figures — not the licensed SFS guidelines"
NO_TABLE_NOTICE = "no SFS guideline table loaded — guideline checks are off"


# --- policy -------------------------------------------------------------------------------


@dataclass(frozen=True)
class SavingsRule:
    dated: Dated
    percent_of_surplus: Decimal
    monthly_cap: Money


@dataclass(frozen=True)
class FigureCheck:
    """A line's monthly amount above `monthly_over` is asked to be checked (a warning)."""

    dated: Dated
    monthly_over: Money


def load_figure_checks(doc: Mapping[str, Any], path: str) -> tuple[FigureCheck, ...]:
    return read_rows(
        doc,
        "figure_check",
        path,
        lambda r: FigureCheck(r.dated(), r.money("monthly_over")),
    )


def figure_warnings(statement: Statement, checks: tuple[FigureCheck, ...], on: date) -> list[str]:
    """A warning for each line far outside a household's range, under the check in force."""
    if not checks:
        return []
    limit = in_force(checks, on, table="affordability.toml [[figure_check]]").monthly_over
    return [
        f"{line.section.replace('_', ' ')} {line.category.replace('_', ' ')}: "
        f"£{line.monthly:,.2f} a month is far above a household's range — check this figure"
        for line in statement.lines
        if line.monthly > limit
    ]


def load_savings_rule(doc: Mapping[str, Any], path: str) -> tuple[SavingsRule, ...]:
    return read_rows(
        doc,
        "savings_contribution",
        path,
        lambda r: SavingsRule(r.dated(), r.percent("percent_of_surplus"), r.money("monthly_cap")),
    )


@dataclass(frozen=True)
class GuidelineRow:
    adults: int
    children: int
    amounts: Mapping[str, Money]


@dataclass(frozen=True)
class GuidelineTable:
    """Monthly spending guidelines for the flexible cost categories by household size."""

    name: str
    example: bool
    effective_from: date
    source: str
    rows: tuple[GuidelineRow, ...]

    def for_household(self, adults: int, children: int) -> GuidelineRow:
        """The row for the household, or for the largest listed household not bigger in
        either adults or children."""
        fitting = [r for r in self.rows if r.adults <= max(adults, 1) and r.children <= children]
        if not fitting:
            fitting = [min(self.rows, key=lambda r: (r.adults, r.children))]
        return max(fitting, key=lambda r: (r.adults, r.children))


def load_guidelines(doc: Mapping[str, Any], path: str) -> GuidelineTable:
    head = RowReader(path, 0, doc.get("table", {}), "table")
    if not isinstance(doc.get("table"), Mapping):
        raise PolicyError(
            path, "missing the [table] section (name, example, effective_from, source)"
        )
    rows: list[GuidelineRow] = []
    seen: set[tuple[int, int]] = set()
    raw_rows = doc.get("row")
    if not isinstance(raw_rows, list) or not raw_rows:
        raise PolicyError(path, "expected at least one [[row]] of guideline figures")
    for index, raw in enumerate(raw_rows, start=1):
        if not isinstance(raw, Mapping):
            raise PolicyError(path, "[[row]] entries must be tables", row=index)
        r = RowReader(path, index, raw)
        row = GuidelineRow(
            r.whole("adults", 1), r.whole("children", 0), {c: r.money(c) for c in FLEXIBLE_COSTS}
        )
        if (row.adults, row.children) in seen:
            raise r.fail(f"a second row for {row.adults} adult(s), {row.children} child(ren)")
        seen.add((row.adults, row.children))
        rows.append(row)
    return GuidelineTable(
        head.text("name"),
        head.flag("example", False),
        head.day("effective_from"),
        head.text("source"),
        tuple(rows),
    )


# --- input --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Line:
    section: str
    category: str
    monthly: Money
    entered: Money
    frequency: str


@dataclass(frozen=True)
class Debt:
    creditor: str
    balance: Money
    payment: Money = ZERO


@dataclass(frozen=True)
class Household:
    adults: int = 1
    children: int = 0
    vehicles: int = 0


@dataclass(frozen=True)
class Statement:
    household: Household
    lines: tuple[Line, ...]
    priority_debts: tuple[Debt, ...]
    non_priority_debts: tuple[Debt, ...]
    savings_contribution: Money | None = None


def monthly(amount: Money, frequency: str, field: str) -> Money:
    factor = MONTHLY_FACTOR.get(frequency)
    if factor is None:
        raise InputError(
            field, f"frequency {frequency!r} is not one of {', '.join(MONTHLY_FACTOR)}"
        )
    return to_money(amount * factor)


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(field, "must be a whole number, 0 or more")
    return value


def _household(raw: Any) -> Household:
    if raw is None:
        return Household()
    if not isinstance(raw, Mapping):
        raise InputError("household", "must be an object with adults, children, vehicles")
    children = raw.get("children", 0)
    if isinstance(children, Mapping):
        total_children = sum(_count(v, f"household.children.{k}") for k, v in children.items())
    else:
        total_children = _count(children, "household.children")
    adults = _count(raw.get("adults", 1), "household.adults")
    if adults < 1:
        raise InputError("household.adults", "a household has at least one adult")
    return Household(adults, total_children, _count(raw.get("vehicles", 0), "household.vehicles"))


def _lines(section: str, allowed: Sequence[str], raw: Any) -> list[Line]:
    """Lines as `{category: amount}`, `{category: {amount, frequency}}`, a list of those
    objects per category, or a list of `{category, amount, frequency}` objects."""
    if raw is None:
        return []
    entries: list[tuple[str, Any]]
    if isinstance(raw, Mapping):
        entries = []
        for category, value in raw.items():
            for item in value if isinstance(value, list) else [value]:
                entries.append((str(category), item))
    elif isinstance(raw, list):
        entries = []
        for number, item in enumerate(raw, start=1):
            if not isinstance(item, Mapping) or "category" not in item:
                raise InputError(f"{section}[{number}]", "needs a category and an amount")
            entries.append((str(item["category"]), item))
    else:
        raise InputError(section, "must be an object of category: amount")
    lines = []
    for category, item in entries:
        field = f"{section}.{category}"
        if category not in allowed:
            raise InputError(
                field, f"{category!r} is not an SFS category here; use one of {', '.join(allowed)}"
            )
        amount_raw, frequency = (
            (item.get("amount"), item.get("frequency", "monthly"))
            if isinstance(item, Mapping)
            else (item, "monthly")
        )
        entered = money_from_data(amount_raw, field)
        lines.append(
            Line(
                section, category, monthly(entered, str(frequency), field), entered, str(frequency)
            )
        )
    return lines


def _debts(section: str, raw: Any, *, with_payment: bool) -> list[Debt]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise InputError(
            section, f"must be a list of {{creditor, balance{', payment' if with_payment else ''}}}"
        )
    debts = []
    for number, item in enumerate(raw, start=1):
        field = f"{section}[{number}]"
        if not isinstance(item, Mapping) or not str(item.get("creditor", "")).strip():
            raise InputError(field, "needs a creditor name")
        payment = ZERO
        if with_payment and item.get("payment") is not None:
            payment = money_from_data(item["payment"], f"{field}.payment")
        debts.append(
            Debt(
                str(item["creditor"]).strip(),
                money_from_data(item.get("balance"), f"{field}.balance"),
                payment,
            )
        )
    return debts


def statement_from_data(raw: Any) -> Statement:
    """Read a statement from decoded JSON, naming the key at fault in any error."""
    if not isinstance(raw, Mapping):
        raise InputError("statement", "must be a JSON object")
    known = {
        "household",
        "income",
        "fixed_costs",
        "flexible_costs",
        "priority_debts",
        "non_priority_debts",
        "savings_contribution",
    }
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(unknown[0], f"is not a statement section; use {', '.join(sorted(known))}")
    savings = raw.get("savings_contribution")
    return Statement(
        household=_household(raw.get("household")),
        lines=tuple(
            _lines("income", INCOME, raw.get("income"))
            + _lines("fixed_costs", FIXED_COSTS, raw.get("fixed_costs"))
            + _lines("flexible_costs", FLEXIBLE_COSTS, raw.get("flexible_costs"))
        ),
        priority_debts=tuple(
            _debts("priority_debts", raw.get("priority_debts"), with_payment=True)
        ),
        non_priority_debts=tuple(
            _debts("non_priority_debts", raw.get("non_priority_debts"), with_payment=False)
        ),
        savings_contribution=None
        if savings is None
        else money_from_data(savings, "savings_contribution"),
    )


# --- result -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Share:
    creditor: str
    balance: Money
    amount: Money


@dataclass(frozen=True)
class GuidelineCheck:
    category: str
    spent: Money
    guideline: Money
    within: bool


@dataclass(frozen=True)
class GuidelineChecks:
    enabled: bool
    table: str | None
    example: bool
    notice: str | None
    checks: tuple[GuidelineCheck, ...]


@dataclass(frozen=True)
class Affordability:
    total_income: Money
    total_fixed_costs: Money
    total_flexible_costs: Money
    total_expenditure: Money
    surplus: Money
    savings_contribution: Money
    savings_rule: str
    available_for_priority: Money
    priority_payments: Money
    available_for_non_priority: Money
    non_priority_shares: tuple[Share, ...]
    guideline_checks: GuidelineChecks
    warnings: tuple[str, ...]

    @property
    def left_for_this_creditor(self) -> Money:
        """The priority money after the other priority creditors' payments (rent or
        mortgage arrears, energy, fines) entered in the form: what the council may ask for
        on a priority debt. `council_offer` places each of the council's debts by type."""
        return max(ZERO, self.available_for_priority - self.priority_payments)


def pro_rata(amount: Money, debts: Sequence[Debt]) -> list[Share]:
    """Split `amount` across `debts` in proportion to balance, to the penny, adding up exactly:
    each share is rounded down, then the spare pennies go to the largest remainders."""
    owed = sum((d.balance for d in debts), ZERO)
    if amount <= 0 or owed <= 0:
        return [Share(d.creditor, d.balance, ZERO) for d in debts]
    exact = [amount * d.balance / owed for d in debts]
    shares = [round_down(x) for x in exact]
    spare = int((amount - sum(shares, ZERO)) / Decimal("0.01"))
    order = sorted(range(len(debts)), key=lambda i: (-(exact[i] - shares[i]), -debts[i].balance, i))
    for i in order[:spare]:
        shares[i] += Decimal("0.01")
    return [Share(d.creditor, d.balance, s) for d, s in zip(debts, shares, strict=True)]


@dataclass(frozen=True)
class CouncilOffer:
    """What the council may ask for each month, and what that leaves each other
    non-priority creditor."""

    amount: Money
    others: tuple[Share, ...]

    @property
    def left_for_others(self) -> Money:
        return sum((share.amount for share in self.others), ZERO)


def council_offer(
    result: Affordability,
    *,
    priority_balance: Money,
    non_priority_balance: Money,
) -> CouncilOffer:
    """The council's own debts take their place in the split (DOMAIN.md decision 5). Its
    priority debts (council tax, say) may have the priority money left after the other
    priority creditors' payments; what is left after that goes pro rata by balance to the
    non-priority creditors, the council's non-priority debts (a sundry debt, say) among
    them. So the same pound is never offered both to the council and to someone else."""
    from_priority = result.left_for_this_creditor if priority_balance > 0 else ZERO
    left = max(ZERO, result.available_for_non_priority - from_priority)
    others = [Debt(s.creditor, s.balance) for s in result.non_priority_shares]
    if non_priority_balance <= 0:
        return CouncilOffer(from_priority, tuple(pro_rata(left, others)))
    *shares, council = pro_rata(left, [*others, Debt("the council", non_priority_balance)])
    return CouncilOffer(from_priority + council.amount, tuple(shares))


def assess(
    statement: Statement,
    *,
    savings_rules: tuple[SavingsRule, ...],
    on: date,
    guidelines: GuidelineTable | None = None,
    figure_checks: tuple[FigureCheck, ...] = (),
) -> Affordability:
    def total(section: str) -> Money:
        return sum((line.monthly for line in statement.lines if line.section == section), ZERO)

    income, fixed, flexible = total("income"), total("fixed_costs"), total("flexible_costs")
    expenditure = fixed + flexible
    surplus = income - expenditure
    if statement.savings_contribution is not None:
        savings, rule_text = statement.savings_contribution, "entered by the officer"
    else:
        rule = in_force(savings_rules, on, table="affordability.toml [[savings_contribution]]")
        savings = to_money(
            min(percent_of(max(surplus, ZERO), rule.percent_of_surplus), rule.monthly_cap)
        )
        rule_text = (
            f"{rule.percent_of_surplus}% of surplus, at most £{rule.monthly_cap:,.2f} a month"
        )
    available_priority = surplus - savings
    priority_payments = sum((d.payment for d in statement.priority_debts), ZERO)
    available_non_priority = max(ZERO, available_priority - priority_payments)
    warnings = figure_warnings(statement, figure_checks, on)
    if surplus < 0:
        warnings.append(
            f"outgoings exceed income by £{-surplus:,.2f} a month — consider a debt advice referral"
        )
    elif priority_payments > available_priority:
        warnings.append(
            f"priority payments of £{priority_payments:,.2f} exceed the £"
            f"{max(available_priority, ZERO):,.2f} available by £"
            f"{priority_payments - max(available_priority, ZERO):,.2f}"
        )
    return Affordability(
        total_income=income,
        total_fixed_costs=fixed,
        total_flexible_costs=flexible,
        total_expenditure=expenditure,
        surplus=surplus,
        savings_contribution=savings,
        savings_rule=rule_text,
        available_for_priority=available_priority,
        priority_payments=priority_payments,
        available_for_non_priority=available_non_priority,
        non_priority_shares=tuple(pro_rata(available_non_priority, statement.non_priority_debts)),
        guideline_checks=_guideline_checks(statement, guidelines),
        warnings=tuple(warnings),
    )


def _guideline_checks(statement: Statement, table: GuidelineTable | None) -> GuidelineChecks:
    if table is None:
        return GuidelineChecks(False, None, False, NO_TABLE_NOTICE, ())
    row = table.for_household(statement.household.adults, statement.household.children)
    checks = []
    for category in FLEXIBLE_COSTS:
        spent = sum((line.monthly for line in statement.lines if line.category == category), ZERO)
        checks.append(
            GuidelineCheck(category, spent, row.amounts[category], spent <= row.amounts[category])
        )
    return GuidelineChecks(
        True, table.name, table.example, EXAMPLE_NOTICE if table.example else None, tuple(checks)
    )
