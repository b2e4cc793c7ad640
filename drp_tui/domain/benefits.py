"""Deductions from benefits for council tax arrears and recovery of HB overpayments from
ongoing housing benefit. DOMAIN.md §5."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any, Literal

from drp_tui.domain.errors import NoFigureError
from drp_tui.domain.money import ZERO, Money, percent_of, to_money
from drp_tui.domain.policy import Dated, DatedPercent, in_force, percent_row, read_rows

Allowance = Literal["single-under-25", "single-25-plus", "couple-under-25", "couple-25-plus"]
ALLOWANCES: tuple[Allowance, ...] = (
    "single-under-25",
    "single-25-plus",
    "couple-under-25",
    "couple-25-plus",
)
Benefit = Literal["uc", "legacy"]


@dataclass(frozen=True)
class DatedAmounts:
    dated: Dated
    name: str
    amounts: Mapping[str, Money]


@dataclass(frozen=True)
class HbMultiples:
    dated: Dated
    standard: int
    fraud: int
    disregard_share_percent: Decimal


@dataclass(frozen=True)
class BenefitPolicy:
    uc_allowances: tuple[DatedAmounts, ...]
    uc_deduction: tuple[DatedPercent, ...]
    uc_cap: tuple[DatedPercent, ...]
    legacy_deduction: tuple[DatedAmounts, ...]
    hb_unit: tuple[DatedAmounts, ...]
    hb_multiples: tuple[HbMultiples, ...]


def load_benefits(doc: Mapping[str, Any], path: str) -> BenefitPolicy:
    def amounts(*keys: str) -> Any:
        return lambda r: DatedAmounts(r.dated(), r.text("name"), {k: r.money(k) for k in keys})

    return BenefitPolicy(
        uc_allowances=read_rows(doc, "uc_standard_allowance", path, amounts(*ALLOWANCES)),
        uc_deduction=read_rows(doc, "uc_council_tax_deduction", path, percent_row),
        uc_cap=read_rows(doc, "uc_overall_cap", path, percent_row),
        legacy_deduction=read_rows(doc, "legacy_council_tax_deduction", path, amounts("weekly")),
        hb_unit=read_rows(doc, "hb_recovery_unit", path, amounts("weekly")),
        hb_multiples=read_rows(
            doc,
            "hb_recovery_multiples",
            path,
            lambda r: HbMultiples(
                r.dated(),
                r.whole("standard_multiple", 1),
                r.whole("fraud_multiple", 1),
                r.percent("disregard_share_percent"),
            ),
        ),
    )


def _caveats(*rows: Dated) -> list[str]:
    """Status warnings for the rows used. Whether a row has outlived its April uprating is the
    renewal rule's business (`drp_tui.services.renewals`), declared in benefits.toml."""
    return [w for w in (row.caveat for row in rows) if w]


def _figures(rows: tuple[Any, ...], on: date, kind: str) -> Any:
    """The row of benefits.toml's `kind` in force on `on`; a refusal naming the table (no
    figure in force is not bad input: the date is real, the table has no row for it)."""
    try:
        return in_force(rows, on)
    except NoFigureError:
        raise NoFigureError(
            f"benefits.toml [[{kind}]] has no row in force on {on.isoformat()}; add that year's row"
        ) from None


@dataclass(frozen=True)
class BenefitDeduction:
    deduction: Money
    period: str
    basis: str
    overall_cap: Money | None
    overall_cap_percent: Decimal | None
    warnings: tuple[str, ...]


def council_tax_benefit_deduction(
    policy: BenefitPolicy, *, benefit: Benefit, allowance: Allowance, on: date
) -> BenefitDeduction:
    """The fixed deduction for council tax arrears from UC (monthly) or a legacy benefit
    (weekly)."""
    if benefit == "legacy":
        row = _figures(policy.legacy_deduction, on, "legacy_council_tax_deduction")
        return BenefitDeduction(
            deduction=row.amounts["weekly"],
            period="weekly",
            basis=f"{row.name}: fixed weekly amount (5% of the single 25+ personal allowance)",
            overall_cap=None,
            overall_cap_percent=None,
            warnings=tuple(_caveats(row.dated)),
        )
    allowances = _figures(policy.uc_allowances, on, "uc_standard_allowance")
    rate = _figures(policy.uc_deduction, on, "uc_council_tax_deduction")
    cap = _figures(policy.uc_cap, on, "uc_overall_cap")
    standard = allowances.amounts[allowance]
    return BenefitDeduction(
        deduction=to_money(percent_of(standard, rate.percent)),
        period="monthly",
        basis=f"{rate.percent}% of the {allowance} standard allowance £{standard:,.2f} "
        f"({allowances.name})",
        overall_cap=to_money(percent_of(standard, cap.percent)),
        overall_cap_percent=cap.percent,
        warnings=tuple(_caveats(allowances.dated, rate.dated, cap.dated)),
    )


FIVE_PENCE = Decimal("0.05")


def hb_recovery_unit_from(allowance: Money) -> Money:
    """HB Regs 2006 reg 102(2)(b): five per cent of the single 25+ personal allowance, "where it
    is not a multiple of five pence, rounded to the next higher such multiple"."""
    share = percent_of(allowance, Decimal(5))
    steps = (share / FIVE_PENCE).to_integral_value(rounding=ROUND_CEILING)
    return to_money(steps * FIVE_PENCE)


@dataclass(frozen=True)
class HbRecovery:
    weekly_max: Money
    unit: Money
    multiple: int
    disregard_addition: Money
    table: str
    warnings: tuple[str, ...]


def hb_recovery_rate(
    policy: BenefitPolicy, *, fraud: bool, disregard: Money = ZERO, on: date
) -> HbRecovery:
    """The most that may be recovered each week from ongoing housing benefit."""
    unit = _figures(policy.hb_unit, on, "hb_recovery_unit")
    multiples = _figures(policy.hb_multiples, on, "hb_recovery_multiples")
    multiple = multiples.fraud if fraud else multiples.standard
    addition = to_money(percent_of(disregard, multiples.disregard_share_percent))
    weekly_unit = unit.amounts["weekly"]
    return HbRecovery(
        weekly_max=weekly_unit * multiple + addition,
        unit=weekly_unit,
        multiple=multiple,
        disregard_addition=addition,
        table=unit.name,
        warnings=tuple(_caveats(unit.dated)),
    )
