"""What each open recovery route would raise, from what the case already tells us: the net
pay in the latest affordability assessment, the debt's balance and the policy tables. The
debtor screen shows these beside the routes so the officer can say what happens next."""

from __future__ import annotations

from datetime import date

from drp_tui.domain.affordability import statement_from_data
from drp_tui.domain.attachment import ctaeo_deduction, dea_deduction
from drp_tui.domain.benefits import council_tax_benefit_deduction, hb_recovery_rate
from drp_tui.domain.errors import InputError, NoFigureError
from drp_tui.domain.fees import enforcement_fees
from drp_tui.domain.money import ZERO, Money
from drp_tui.services.policy import PolicyBook

NEEDS_PAY = "needs net pay: complete affordability (a)"


def net_monthly_pay(statement: object) -> Money | None:
    """Monthly net earnings in a saved statement, or None when it records none."""
    try:
        lines = statement_from_data(statement).lines
    except InputError:
        return None
    earnings = sum((line.monthly for line in lines if line.category == "earnings"), ZERO)
    return earnings if earnings > 0 else None


def route_amount(
    policy: PolicyBook,
    calculator: str,
    *,
    balance: Money,
    jurisdiction: str,
    net_monthly: Money | None,
    on: date,
) -> str:
    """One line: what the route's calculator gives for this debt, or what it still needs."""
    try:
        return _amount(policy, calculator, balance, jurisdiction, net_monthly, on)
    except (InputError, NoFigureError) as exc:
        return f"no figure: {exc}"


def _amount(
    policy: PolicyBook,
    calculator: str,
    balance: Money,
    jurisdiction: str,
    net_monthly: Money | None,
    on: date,
) -> str:
    if calculator == "aeo":
        if net_monthly is None:
            return NEEDS_PAY
        order = ctaeo_deduction(
            policy.ctaeo, net=net_monthly, period="monthly", made_on=on, jurisdiction=jurisdiction
        )
        return f"£{order.deduction:,.2f} a month ({order.rate_percent}% of £{net_monthly:,.2f})"
    if calculator == "dea":
        if net_monthly is None:
            return NEEDS_PAY
        dea = dea_deduction(policy.dea, net=net_monthly, period="monthly", on=on)
        return f"£{dea.deduction:,.2f} a month ({dea.rate_percent}% of £{net_monthly:,.2f})"
    if calculator == "benefit-deduction":
        uc = council_tax_benefit_deduction(
            policy.benefits, benefit="uc", allowance="single-25-plus", on=on
        )
        legacy = council_tax_benefit_deduction(
            policy.benefits, benefit="legacy", allowance="single-25-plus", on=on
        )
        return (
            f"£{uc.deduction:,.2f} a month from UC (single 25+), "
            f"£{legacy.deduction:,.2f} a week from legacy benefits"
        )
    if calculator == "hb-recovery":
        rate = hb_recovery_rate(policy.benefits, fraud=False, on=on)
        return f"up to £{rate.weekly_max:,.2f} a week from ongoing HB"
    if calculator == "fees":
        fees = enforcement_fees(policy.fees, balance=balance, stage="enforcement", on=on)
        compliance = fees.fees["compliance"]
        return (
            f"fees £{compliance:,.2f} at compliance, £{fees.total:,.2f} "
            "if an agent visits (added to the debt)"
        )
    return f"no calculator called {calculator!r}"
