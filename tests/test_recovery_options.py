"""The amounts beside each open recovery route come from the same calculators as `drp calc`,
using the net pay in the case's latest affordability assessment."""

from __future__ import annotations

import sqlite3
from datetime import date
from decimal import Decimal

from drp_tui.domain.attachment import ctaeo_deduction
from drp_tui.domain.fees import enforcement_fees
from drp_tui.services.assessments import save_assessment
from drp_tui.services.caseview import case_view
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.recoveryoptions import NEEDS_PAY, net_monthly_pay, route_amount
from drp_tui.store.engine import Store
from tests.callhelp import verified_call
from tests.conftest import DEMO_NOW

ON = date(2026, 11, 23)


def liability_order_case(store: Store) -> str:
    row = (
        sqlite3.connect(store.path)
        .execute(
            'SELECT d.case_id FROM debt d JOIN "case" c ON c.id = d.case_id WHERE '
            "d.debt_type = 'council_tax' AND d.stage = 'liability_order' AND "
            "d.jurisdiction = 'england' AND c.status = 'open' AND NOT EXISTS (SELECT 1 FROM "
            "assessment a WHERE a.case_id = c.id) ORDER BY c.reference LIMIT 1"
        )
        .fetchone()
    )
    assert row is not None
    return str(row[0])


def test_weekly_pay_is_read_as_monthly() -> None:
    statement = {"income": {"earnings": {"amount": "300", "frequency": "weekly"}}}
    assert net_monthly_pay(statement) == Decimal("1300.00")
    assert net_monthly_pay({"income": {"benefits": "400"}}) is None
    assert net_monthly_pay({"nonsense": 1}) is None


def test_attachment_of_earnings_needs_pay_then_uses_the_assessment(
    demo_store: Store, policy: PolicyBook
) -> None:
    case_id = liability_order_case(demo_store)
    officer = Actor("jmorgan", clock=lambda: DEMO_NOW)
    call = verified_call(demo_store, officer, case_id)  # the amounts show after ID&V
    assert not case_view(demo_store, policy, case_id, ON).debts[0].amounts
    before = case_view(demo_store, policy, case_id, ON, call)
    debt = next(d for d in before.debts if d.stage == "liability_order")
    assert before.debts
    assert debt.amounts["attachment_of_earnings"] == NEEDS_PAY

    save_assessment(
        demo_store,
        Actor("jmorgan", clock=lambda: DEMO_NOW),
        case_id=case_id,
        statement={"income": {"earnings": {"amount": "1,800", "frequency": "monthly"}}},
        result={},
        surplus=Decimal("100"),
        available_for_priority=Decimal("100"),
    )
    after = next(
        d for d in case_view(demo_store, policy, case_id, ON, call).debts if d.id == debt.id
    )
    order = ctaeo_deduction(policy.ctaeo, net=Decimal("1800"), period="monthly", made_on=ON)
    assert after.amounts["attachment_of_earnings"] == (
        f"£{order.deduction:,.2f} a month ({order.rate_percent}% of £1,800.00)"
    )
    assert debt.balance is not None
    fees = enforcement_fees(policy.fees, balance=debt.balance, stage="enforcement", on=ON)
    assert f"£{fees.total:,.2f} if an agent visits" in after.amounts["enforcement_agent"]
    assert "a month from UC" in after.amounts["benefit_deduction"]
    closed = {r.id for r in after.routes if not r.open}
    assert not closed & set(after.amounts)  # amounts only for routes that are open


def test_hb_routes_and_unknown_calculators(policy: PolicyBook) -> None:
    hb = route_amount(
        policy,
        "hb-recovery",
        balance=Decimal("900"),
        jurisdiction="england",
        net_monthly=None,
        on=ON,
    )
    assert hb.startswith("up to £")
    assert hb.endswith("a week from ongoing HB")
    dea = route_amount(
        policy,
        "dea",
        balance=Decimal("900"),
        jurisdiction="england",
        net_monthly=Decimal("1500"),
        on=ON,
    )
    assert "a month" in dea
    assert (
        route_amount(
            policy, "dea", balance=Decimal("900"), jurisdiction="england", net_monthly=None, on=ON
        )
        == NEEDS_PAY
    )
    assert "no calculator" in route_amount(
        policy, "abacus", balance=Decimal("1"), jurisdiction="england", net_monthly=None, on=ON
    )
