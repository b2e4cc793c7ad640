"""One arrangement over several debts of one person (DOMAIN.md §10): the order its payments
are applied in, how its total covers the debts, and a monthly offer at the arrangement's
frequency.

Policy names the debt types that come first (`apply_order` in arrangements.toml: council tax
before the others); within a type, and among the types it does not name, the oldest year is
paid first (the debt's period, e.g. "2024/25", else the date of its stage).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Protocol, TypeVar

from drp_tui.domain.money import ZERO, Money, round_down
from drp_tui.domain.schedule import Finding, Frequency

PERIODS_PER_YEAR: Mapping[Frequency, int] = {
    "weekly": 52,
    "fortnightly": 26,
    "four-weekly": 13,
    "monthly": 12,
}
ORDER_ERROR = "order"  # the code of the finding that stops an arrangement (no reason given)
_YEAR = re.compile(r"\s*(\d{4})")


class OwedDebt(Protocol):
    @property
    def debt_type(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def stage_date(self) -> date | None: ...


DebtT = TypeVar("DebtT", bound=OwedDebt)


def per_instalment(monthly: Money, frequency: Frequency) -> Money:
    """A monthly amount as one instalment at `frequency` (monthly × 12 / instalments a year),
    rounded down so it is never more than the monthly money allows."""
    return round_down(monthly * 12 / PERIODS_PER_YEAR[frequency])


def period_year(period: str) -> int | None:
    """The year a period starts in ("2024/25" is 2024), or None if it names none."""
    found = _YEAR.match(period)
    return int(found.group(1)) if found else None


def policy_order(debts: Sequence[DebtT], apply_order: Sequence[str]) -> list[DebtT]:
    """`debts` in the order payments are applied to them under policy."""
    rank = {debt_type: n for n, debt_type in enumerate(apply_order)}

    def key(item: tuple[int, DebtT]) -> tuple[int, int, date, int]:
        position, debt = item
        year = period_year(debt.period)
        return (
            rank.get(debt.debt_type, len(rank)),
            year if year is not None else 9999,
            debt.stage_date or date.max,
            position,  # as listed, when nothing else tells them apart
        )

    return [debt for _, debt in sorted(enumerate(debts), key=key)]


def cover(total: Money, balances: Sequence[Money]) -> list[Money]:
    """How much of each debt, in order, `total` pays: each in full before the next. What a
    total has beyond the debts' balances is no debt's (see `over_balance_finding`)."""
    left, amounts = total, []
    for balance in balances:
        amount = min(max(balance, ZERO), left)
        amounts.append(amount)
        left -= amount
    return amounts


def order_finding(
    chosen: Sequence[DebtT], apply_order: Sequence[str], override_reason: str | None
) -> Finding | None:
    """Debts to be paid in an order other than the policy's need a recorded reason: without
    one an error, with one a warning that quotes it; in the policy's order, nothing."""
    expected = policy_order(chosen, apply_order)
    if [id(d) for d in expected] == [id(d) for d in chosen]:
        return None
    names = [t.replace("_", " ") for t in apply_order]
    rule = f"policy pays {names[0]} first" if names else "policy pays the oldest first"
    if len(names) > 1:
        rule += f", then {', '.join(names[1:])}"
    message = f"{rule}, oldest year first; these debts are in another order"
    if override_reason and override_reason.strip():
        return Finding("order_overridden", f"{message} (overridden: {override_reason.strip()})")
    return Finding(ORDER_ERROR, f"{message}: give an override reason to pay them in this order")


def over_balance_finding(total: Money, balances: Sequence[Money]) -> Finding | None:
    """A total above what the debts owe (costs not yet on the balance, or a slip) is shown."""
    owed = sum(balances, ZERO)
    if total <= owed:
        return None
    return Finding(
        "above_balance", f"the total £{total:,.2f} is more than the £{owed:,.2f} the debts owe"
    )
