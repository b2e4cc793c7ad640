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
from drp_tui.domain.schedule import Frequency

PERIODS_PER_YEAR: Mapping[Frequency, int] = {
    "weekly": 52,
    "fortnightly": 26,
    "four-weekly": 13,
    "monthly": 12,
}
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
    """How much of each debt, in order, `total` pays: each in full before the next. A total
    above what the debts owe is a ValueError (the caller says which field)."""
    owed = sum(balances, ZERO)
    if total > owed:
        raise ValueError(f"£{total:,.2f} is more than the £{owed:,.2f} the debts owe")
    left, amounts = total, []
    for balance in balances:
        amount = min(max(balance, ZERO), left)
        amounts.append(amount)
        left -= amount
    return amounts
