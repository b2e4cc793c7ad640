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
PERIODS: tuple[Period, ...] = ("daily", "weekly", "monthly")
DeaPeriod = Literal["daily", "weekly", "fortnightly", "four-weekly", "monthly"]
DEA_PERIODS: tuple[DeaPeriod, ...] = ("daily", "weekly", "fortnightly", "four-weekly", "monthly")
ROUNDING_NOTE = "rounded to the penny, half up"


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
    max_concurrent_orders: int


def load_ctaeo(doc: Mapping[str, Any], path: str) -> CtaeoPolicy:
    tables = read_rows(doc, "table", path, _rate_table)
    rules = RowReader(path, 0, doc.get("rules", {}), "rules")
    return CtaeoPolicy(tables, rules.whole("max_concurrent_orders", minimum=1))


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
    period: Period,
    made_on: date,
    jurisdiction: str = "england",
    earlier_order_deduction: Money = ZERO,
) -> AttachmentResult:
    """The deduction under a council tax attachment order made on `made_on`.

    With an earlier order running, this (later) order applies to what is left of net earnings
    after the earlier order's deduction.
    """
    if earlier_order_deduction > net:
        raise InputError("earlier order deduction", "cannot be more than the net earnings")
    try:
        table = in_force(policy.tables, made_on, jurisdiction)
    except NoFigureError:
        raise InputError(
            "made on",
            f"no {jurisdiction} attachment table covers orders made on "
            f"{made_on.isoformat()} (tables start 1998-10-01)",
        ) from None
    attachable = net - earlier_order_deduction
    result = table.for_period(period).apply(attachable)
    warnings = [w for w in (table.dated.caveat,) if w]
    if earlier_order_deduction > 0:
        warnings.append(
            f"second order: applied to £{attachable:,.2f} left after the earlier "
            f"order's £{earlier_order_deduction:,.2f}; at most "
            f"{policy.max_concurrent_orders} orders may run at once"
        )
    return _result(result, table, attachable, warnings)


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
    table = in_force((t for t in policy.tables if t.key == key), on)
    protected = in_force(policy.protected, on)
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
