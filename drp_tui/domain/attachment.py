"""Deductions from earnings: council tax attachment orders (CTAEO) and Direct Earnings
Attachment (DEA) for housing benefit overpayments. DOMAIN.md §3, §4 and decision 3."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from drp_tui.domain.errors import InputError, NoFigureError
from drp_tui.domain.money import ZERO, Money, percent_of, round_down, to_money
from drp_tui.domain.policy import BandResult, BandTable, Dated, RowReader, in_force, read_rows

Period = Literal["daily", "weekly", "monthly"]
PERIODS: tuple[Period, ...] = ("daily", "weekly", "monthly")  # the periods a table is written for
PayPeriod = Literal["daily", "weekly", "fortnightly", "four-weekly", "monthly"]
PAY_PERIODS: tuple[PayPeriod, ...] = ("daily", "weekly", "fortnightly", "four-weekly", "monthly")
# Kept for callers that name the DEA's periods; the council tax order takes the same five.
DeaPeriod = PayPeriod
DEA_PERIODS = PAY_PERIODS
ROUNDING_NOTE = "rounded to the penny, half up"
WALES_2022_READINGS = ("orders-made-from", "deductions-from")


@dataclass(frozen=True)
class RateTable:
    """One dated set of band tables, one per pay period."""

    dated: Dated
    name: str
    periods: Mapping[str, BandTable]
    key: str = ""  # e.g. "standard" / "higher" for DEA

    def for_period(self, period: str) -> BandTable:
        table = self.periods.get(period)
        if table is None:
            raise InputError(
                "period",
                f"the {self.name} table has no {period} bands in "
                "data/policy; use a period it covers: "
                f"{', '.join(self.periods)}",
            )
        return table


def _rate_table(reader: RowReader, key_field: str | None = None) -> RateTable:
    periods: dict[str, BandTable] = {p: reader.band_table(p) for p in PERIODS if p in reader.row}
    if not periods:
        raise reader.fail("needs at least one of daily, weekly, monthly")
    return RateTable(
        dated=reader.dated(),
        name=reader.text("name"),
        periods=periods,
        key="" if key_field is None else reader.text(key_field),
    )


@dataclass(frozen=True)
class CtaeoPolicy:
    tables: tuple[RateTable, ...]
    max_concurrent_orders: int  # per authority (SI 1998/295 reg 4)
    # Which Welsh deductions the 2022 table governs (an ambiguity: see ctaeo.toml [rules]).
    wales_2022_applies_to: str = "orders-made-from"


def load_ctaeo(doc: Mapping[str, Any], path: str) -> CtaeoPolicy:
    tables = read_rows(doc, "table", path, _rate_table)
    rules = RowReader(path, 0, doc.get("rules", {}), "rules")
    if rules.row.get("max_concurrent_orders_per", "authority") != "authority":
        raise rules.fail("max_concurrent_orders_per must be 'authority' (SI 1998/295 reg 4)")
    reading = rules.text("wales_2022_applies_to", "orders-made-from")
    if reading not in WALES_2022_READINGS:
        raise rules.fail(f"wales_2022_applies_to must be one of {', '.join(WALES_2022_READINGS)}")
    return CtaeoPolicy(tables, rules.whole("max_concurrent_orders", minimum=1), reading)


@dataclass(frozen=True)
class DeaPolicy:
    tables: tuple[RateTable, ...]
    protected: tuple[ProtectedEarnings, ...]


@dataclass(frozen=True)
class ProtectedEarnings:
    dated: Dated
    max_total_deduction_percent: Decimal


def load_dea(doc: Mapping[str, Any], path: str) -> DeaPolicy:
    def build(reader: RowReader) -> RateTable:
        table = _rate_table(reader, "rate")
        if table.key not in ("standard", "higher"):
            raise reader.fail("rate must be 'standard' or 'higher'")
        return table

    tables = read_rows(doc, "table", path, build, group=lambda t: t.key)
    protected = read_rows(
        doc,
        "protected_earnings",
        path,
        lambda r: ProtectedEarnings(r.dated(), r.percent("max_total_deduction_percent")),
    )
    return DeaPolicy(tables, protected)


@dataclass(frozen=True)
class AttachmentResult:
    deduction: Money
    rate_percent: Decimal
    band: str
    table: str
    attachable: Money  # the net earnings the table was applied to
    warnings: tuple[str, ...]
    rounding: str = ROUNDING_NOTE


def ctaeo_deduction(
    policy: CtaeoPolicy,
    *,
    net: Money,
    period: PayPeriod,
    made_on: date,
    jurisdiction: str = "england",
    earlier_order_deduction: Money = ZERO,
    on: date | None = None,
) -> AttachmentResult:
    """The deduction under a council tax attachment order made on `made_on`, from pay on `on`.

    With an earlier order running, this (later) order applies to what is left of net earnings
    after the earlier order's deduction. Fortnightly and four-weekly pay (reg 38(1)(c)): the
    weekly table's deduction on the weekly equivalent, multiplied back by the weeks.
    """
    if earlier_order_deduction > net:
        raise InputError("earlier order deduction", "cannot be more than the net earnings")
    if on is not None and on < made_on:
        raise InputError(
            "on",
            f"the pay day {on.isoformat()} is before the order was made ({made_on.isoformat()}); "
            "give --on on or after --made-on",
        )
    table_date = made_on
    if (
        jurisdiction == "wales"
        and policy.wales_2022_applies_to == "deductions-from"
        and on is not None
        and on > made_on
    ):
        table_date = on
    try:
        table = in_force(policy.tables, table_date, jurisdiction)
    except NoFigureError:
        raise NoFigureError(
            f"ctaeo.toml [[table]]: no {jurisdiction} attachment table covers orders made on "
            f"{made_on.isoformat()} (tables start 1998-10-01)"
        ) from None
    attachable = net - earlier_order_deduction
    weeks = _WEEKS_IN.get(period)
    if weeks is None:
        result = table.for_period(period).apply(attachable)
    else:
        weekly = attachable / weeks
        found = table.for_period("weekly").apply(weekly, times=weeks)
        band = (
            f"weekly equivalent £{to_money(weekly):,.2f} ({period} pay ÷ {weeks}): "
            f"{found.band}; × {weeks}"
        )
        result = BandResult(found.deduction, found.rate_percent, band)
    warnings = [w for w in (table.dated.caveat,) if w]
    warnings += _newer_table(policy, table, jurisdiction, on)
    if earlier_order_deduction > 0:
        warnings.append(
            f"second order: applied to £{attachable:,.2f} left after the earlier "
            f"order's £{earlier_order_deduction:,.2f}; at most "
            f"{policy.max_concurrent_orders} orders from one authority may run at once "
            "(SI 1998/295 reg 4)"
        )
    return _result(result, table, attachable, warnings)


def _newer_table(
    policy: CtaeoPolicy, table: RateTable, jurisdiction: str, on: date | None
) -> list[str]:
    """Say so when the order keeps an older table than the one in force on the pay day."""
    if on is None:
        return []
    try:
        current = in_force(policy.tables, on, jurisdiction)
    except NoFigureError:
        return []
    if current is table:
        return []
    reading = (
        " (the new-orders reading of SI 2022/107; see wales_2022_applies_to in ctaeo.toml)"
        if jurisdiction == "wales"
        else ""
    )
    return [
        f"the order keeps the table in force when it was made; {current.name} is in force "
        f"on {on.isoformat()}{reading}"
    ]


def _result(
    result: BandResult, table: RateTable, attachable: Money, warnings: Sequence[str]
) -> AttachmentResult:
    return AttachmentResult(
        deduction=result.deduction,
        rate_percent=result.rate_percent,
        band=result.band,
        table=table.name,
        attachable=attachable,
        warnings=tuple(warnings),
    )


_WEEKS_IN = {"fortnightly": 2, "four-weekly": 4}


def dea_deduction(
    policy: DeaPolicy,
    *,
    net: Money,
    period: DeaPeriod,
    higher: bool = False,
    priority_deductions: Money = ZERO,
    on: date,
) -> AttachmentResult:
    """The DEA deduction for one pay period.

    The rate applies to what remains after priority deductions (earlier orders), and the DEA
    is cut back so all deductions together never exceed the protected-earnings limit (40%).
    Fortnightly and four-weekly pay use the weekly table on the weekly equivalent.
    """
    if priority_deductions > net:
        raise InputError("priority deductions", "cannot be more than the net earnings")
    key = "higher" if higher else "standard"
    tables = [t for t in policy.tables if t.key == key]
    try:
        table = in_force(tables, on)
    except NoFigureError:
        first = min((t.dated.effective_from for t in tables), default=None)
        since = f"; it starts {first.isoformat()}" if first else ""
        raise NoFigureError(
            f"no DEA {key}-rate table was in force on {on.isoformat()}{since}"
        ) from None
    protected = in_force(policy.protected, on, table="dea.toml [[protected_earnings]]")
    residue = net - priority_deductions
    weeks = _WEEKS_IN.get(period)
    if weeks is None:
        result = table.for_period(period).apply(residue)
        deduction = result.deduction
    else:
        # The band comes from the weekly equivalent; the rate then applies to the whole pay.
        result = table.for_period("weekly").apply(residue / weeks)
        deduction = to_money(percent_of(residue, result.rate_percent))
    warnings = [w for w in (table.dated.caveat,) if w]
    limit = round_down(percent_of(net, protected.max_total_deduction_percent))
    room = max(ZERO, limit - priority_deductions)
    if deduction > room:
        warnings.append(
            f"cut from £{deduction:,.2f} to £{room:,.2f}: all deductions together may not "
            f"exceed {protected.max_total_deduction_percent}% of net earnings (£{limit:,.2f})"
        )
        deduction = room
    return AttachmentResult(
        deduction=deduction,
        rate_percent=result.rate_percent,
        band=result.band,
        table=table.name,
        attachable=residue,
        warnings=tuple(warnings),
    )
