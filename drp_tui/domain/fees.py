"""Enforcement agent fees under the Taking Control of Goods scale. DOMAIN.md §6, decision 7."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Literal

from drp_tui.domain.errors import NoFigureError
from drp_tui.domain.money import ZERO, Money, percent_of, to_money
from drp_tui.domain.policy import Dated, RowReader, check_no_overlap, in_force, rows_of

Stage = Literal["compliance", "enforcement", "sale"]
STAGES: tuple[Stage, ...] = ("compliance", "enforcement", "sale")


@dataclass(frozen=True)
class FeeScale:
    dated: Dated
    name: str
    fixed: Mapping[Stage, Money]
    percentage: Decimal
    percentage_threshold: Money
    compliance_period_days: int


@dataclass(frozen=True)
class FeePolicy:
    scales: tuple[FeeScale, ...]  # enabled scales only
    disabled: tuple[str, ...]  # names of scales waiting for a commencement date


def load_fees(doc: Mapping[str, Any], path: str) -> FeePolicy:
    enabled: list[tuple[int, FeeScale]] = []
    disabled: list[str] = []
    for index, row in enumerate(rows_of(doc, "scale", path), start=1):
        reader = RowReader(path, index, row, str(row.get("name", "")))
        is_enabled = reader.flag("enabled", True)
        name = reader.text("name")
        fixed = {stage: reader.money(stage) for stage in STAGES}
        percentage = reader.percent("percentage")
        threshold = reader.money("percentage_threshold")
        days = reader.whole("compliance_period_days", minimum=1)
        if not is_enabled:
            disabled.append(name)
            continue
        scale = FeeScale(reader.dated(), name, fixed, percentage, threshold, days)
        enabled.append((index, scale))
    check_no_overlap(enabled, path, lambda scale: None)
    return FeePolicy(tuple(scale for _, scale in enabled), tuple(disabled))


@dataclass(frozen=True)
class FeeResult:
    fees: Mapping[Stage, Money]  # each stage reached so far, in order
    total: Money
    scale: str
    compliance_period_days: int
    warnings: tuple[str, ...]


def enforcement_fees(policy: FeePolicy, *, balance: Money, stage: Stage, on: date) -> FeeResult:
    """Fees for every stage reached up to `stage`, on a debt of `balance` (the sum to be
    recovered). The enforcement and sale fees add a percentage of the sum above the
    threshold."""
    try:
        scale = in_force(policy.scales, on)
    except NoFigureError:
        first = min((s.dated.effective_from for s in policy.scales), default=None)
        since = f"; the first scale starts {first.isoformat()}" if first else ""
        raise NoFigureError(
            f"no enforcement agent fee scale was in force on {on.isoformat()}{since}"
        ) from None
    excess = max(ZERO, balance - scale.percentage_threshold)
    reached = STAGES[: STAGES.index(stage) + 1]
    fees: dict[Stage, Money] = {}
    for step in reached:
        fee = scale.fixed[step]
        if step != "compliance":
            fee += percent_of(excess, scale.percentage)
        fees[step] = to_money(fee)
    warnings = [w for w in (scale.dated.caveat,) if w]
    warnings += [
        f"not in force until a commencement date is set: {name}" for name in policy.disabled
    ]
    return FeeResult(
        fees,
        to_money(sum(fees.values(), ZERO)),
        scale.name,
        scale.compliance_period_days,
        tuple(warnings),
    )
