"""Statutory late payment interest and fixed compensation on commercial debts.
DOMAIN.md §11, decision 6."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from drp_tui.domain.errors import InputError, NoFigureError
from drp_tui.domain.money import Money, to_money
from drp_tui.domain.policy import Dated, DatedPercent, RowReader, in_force, percent_row, read_rows


@dataclass(frozen=True)
class CompensationBand:
    below: Money | None
    amount: Money


@dataclass(frozen=True)
class Compensation:
    dated: Dated
    bands: tuple[CompensationBand, ...]

    def for_debt(self, principal: Money) -> Money:
        for band in self.bands:
            if band.below is None or principal < band.below:
                return band.amount
        raise AssertionError("a validated compensation table ends with an open band")


@dataclass(frozen=True)
class InterestPolicy:
    margins: tuple[DatedPercent, ...]
    reference_rates: tuple[DatedPercent, ...]
    compensation: tuple[Compensation, ...]


def _compensation(reader: RowReader) -> Compensation:
    raw = reader.get("bands")
    if not isinstance(raw, list) or not raw:
        raise reader.fail("'bands' must be a list")
    bands: list[CompensationBand] = []
    for number, item in enumerate(raw, start=1):
        last = number == len(raw)
        if not isinstance(item, Mapping) or ("below" in item) == last:
            raise reader.fail(f"band {number}: every band but the last has 'below'")
        below = None if last else reader.money(f"band {number} below", item["below"])
        if below is not None and bands and bands[-1].below is not None and below <= bands[-1].below:
            raise reader.fail(f"band {number}: 'below' must increase")
        bands.append(
            CompensationBand(below, reader.money(f"band {number} amount", item.get("amount")))
        )
    return Compensation(reader.dated(), tuple(bands))


def load_interest(doc: Mapping[str, Any], path: str) -> InterestPolicy:
    return InterestPolicy(
        margins=read_rows(doc, "statutory_margin", path, percent_row),
        reference_rates=read_rows(doc, "reference_rate", path, percent_row),
        compensation=read_rows(doc, "compensation", path, _compensation),
    )


@dataclass(frozen=True)
class InterestResult:
    days: int
    reference_rate_percent: Decimal
    reference_rate_from: str
    rate_percent: Decimal
    daily_interest: Money
    interest: Money
    compensation: Money
    total_claim: Money
    warnings: tuple[str, ...]


def late_payment_interest(
    policy: InterestPolicy,
    *,
    principal: Money,
    due: date,
    on: date,
    reference_rate: Decimal | None = None,
) -> InterestResult:
    """Interest from the day after `due` up to and including `on`, at the statutory margin plus
    the reference rate for the half-year in which the debt fell late."""
    if on < due:
        raise InputError("on", f"is before the due date {due.isoformat()}")
    late_from = due + timedelta(days=1)
    warnings: list[str] = []
    if reference_rate is None:
        try:
            row = in_force(policy.reference_rates, late_from)
        except NoFigureError:
            raise NoFigureError(
                f"late_payment.toml [[reference_rate]] has no row for debts falling late on "
                f"{late_from.isoformat()}; give --reference-rate (the Bank of England base rate "
                "at the start of that half-year)"
            ) from None
        reference, reference_from = row.percent, row.name
        warnings += [w for w in (row.dated.caveat,) if w]
    else:
        reference, reference_from = reference_rate, "given"
    margin = in_force(policy.margins, late_from, table="late_payment.toml [[statutory_margin]]")
    margin_percent = margin.percent
    rate = margin_percent + reference
    days = (on - due).days
    daily = to_money(principal * rate / 100 / 365)
    interest = daily * days
    compensation = (
        in_force(
            policy.compensation, late_from, table="late_payment.toml [[compensation]]"
        ).for_debt(principal)
        if days
        else Decimal(0)
    )
    return InterestResult(
        days=days,
        reference_rate_percent=reference,
        reference_rate_from=reference_from,
        rate_percent=rate,
        daily_interest=daily,
        interest=to_money(interest),
        compensation=to_money(compensation),
        total_claim=to_money(principal + interest + compensation),
        warnings=tuple(warnings),
    )
