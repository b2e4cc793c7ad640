"""Standard Financial Statement: conversion, surplus, savings, split and guideline checks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drp_tui.domain.affordability import (
    EXAMPLE_NOTICE,
    NO_TABLE_NOTICE,
    Affordability,
    Debt,
    assess,
    council_offer,
    pro_rata,
    statement_from_data,
)
from drp_tui.domain.errors import InputError
from drp_tui.services.policy import PolicyBook, example_guidelines_path, read_guidelines

D = Decimal
TODAY = date(2026, 11, 22)

STATEMENT: dict[str, Any] = {
    "household": {"adults": 1, "children": {"under_16": 2}, "vehicles": 0},
    "income": {"earnings": {"amount": "£400.00", "frequency": "weekly"}, "benefits": "350"},
    "fixed_costs": {
        "rent": "650",
        "council_tax": "120",
        "gas": "45",
        "electricity": "55",
        "water": {"amount": "9.00", "frequency": "weekly"},
    },
    "flexible_costs": {
        "food_and_housekeeping": "500",
        "communications_and_leisure": "160",
        "personal_costs": "100",
    },
    "priority_debts": [{"creditor": "Council tax arrears", "balance": "850", "payment": "60"}],
    "non_priority_debts": [
        {"creditor": "Credit card", "balance": "2000"},
        {"creditor": "Catalogue", "balance": "500"},
        {"creditor": "Overdraft", "balance": "500"},
    ],
}


def run(policy: PolicyBook, raw: dict[str, Any], **kwargs: Any) -> Affordability:
    return assess(statement_from_data(raw), savings_rules=policy.savings, on=TODAY, **kwargs)


def test_worked_statement(policy: PolicyBook) -> None:
    result = run(policy, STATEMENT)
    # £400 a week = £1,733.33 a month; water £9 a week = £39.00.
    assert result.total_income == D("2083.33")
    assert result.total_fixed_costs == D("909.00")
    assert result.total_flexible_costs == D("760.00")
    assert result.total_expenditure == D("1669.00")
    assert result.surplus == D("414.33")
    assert result.savings_contribution == D("20.00")  # 10% would be £41.43; capped at £20
    assert result.available_for_priority == D("394.33")
    assert result.available_for_non_priority == D("334.33")
    shares = {s.creditor: s.amount for s in result.non_priority_shares}
    assert shares == {"Credit card": D("222.89"), "Catalogue": D("55.72"), "Overdraft": D("55.72")}
    assert sum(shares.values()) == result.available_for_non_priority


def test_small_surplus_saves_ten_percent(policy: PolicyBook) -> None:
    raw = {"income": {"benefits": "1000"}, "fixed_costs": {"rent": "900"}}
    result = run(policy, raw)
    assert result.savings_contribution == D("10.00")


def test_officer_entered_savings_contribution_is_used(policy: PolicyBook) -> None:
    result = run(policy, {**STATEMENT, "savings_contribution": "5"})
    assert result.savings_contribution == D("5.00")
    assert result.savings_rule == "entered by the officer"


def test_deficit_warns_and_gives_nothing_to_non_priority(policy: PolicyBook) -> None:
    raw = {
        "income": {"benefits": "800"},
        "fixed_costs": {"rent": "900"},
        "non_priority_debts": [{"creditor": "Card", "balance": "100"}],
    }
    result = run(policy, raw)
    assert result.surplus == D("-100.00")
    assert result.savings_contribution == D("0.00")
    assert result.available_for_non_priority == D("0.00")
    assert result.non_priority_shares[0].amount == D("0.00")
    assert any("exceed income" in w for w in result.warnings)


def test_guideline_checks_off_without_a_table(policy: PolicyBook) -> None:
    checks = run(policy, STATEMENT).guideline_checks
    assert (checks.enabled, checks.notice, checks.checks) == (False, NO_TABLE_NOTICE, ())


def test_guideline_checks_with_the_example_table_say_so(policy: PolicyBook) -> None:
    table = read_guidelines(example_guidelines_path())
    checks = run(policy, STATEMENT, guidelines=table).guideline_checks
    assert checks.enabled
    assert checks.example
    assert checks.notice == EXAMPLE_NOTICE
    by_category = {c.category: c for c in checks.checks}
    # 1 adult, 2 children row: food £530 (within), communications £140 (£160 is above).
    assert by_category["food_and_housekeeping"].within
    assert not by_category["communications_and_leisure"].within
    assert by_category["communications_and_leisure"].guideline == D("140.00")


def test_large_households_use_the_largest_row_that_fits(policy: PolicyBook) -> None:
    table = read_guidelines(example_guidelines_path())
    assert (table.for_household(4, 6).adults, table.for_household(4, 6).children) == (2, 2)
    assert (table.for_household(1, 0).adults, table.for_household(1, 0).children) == (1, 0)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ({"income": {"wages": "100"}}, "income.wages"),
        ({"income": {"earnings": "12.345"}}, "income.earnings"),
        ({"income": {"earnings": {"amount": "100", "frequency": "hourly"}}}, "income.earnings"),
        ({"priority_debts": [{"creditor": "", "balance": "1"}]}, "priority_debts[1]"),
        (
            {"non_priority_debts": [{"creditor": "Card", "balance": "abc"}]},
            "non_priority_debts[1].balance",
        ),
        ({"household": {"adults": 0}}, "household.adults"),
        ({"incomes": {}}, "incomes"),
    ],
)
def test_bad_statements_name_the_key(raw: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as caught:
        statement_from_data(raw)
    assert caught.value.field == field


def test_lines_may_be_a_list(policy: PolicyBook) -> None:
    raw = {
        "income": [
            {"category": "earnings", "amount": "1000"},
            {"category": "earnings", "amount": "200", "frequency": "fortnightly"},
        ]
    }
    assert run(policy, raw).total_income == D("1433.33")


@given(
    amount=st.decimals(min_value=0, max_value=D("10000"), places=2),
    balances=st.lists(
        st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2), min_size=1, max_size=12
    ),
)
def test_pro_rata_shares_add_up_exactly(amount: Decimal, balances: list[Decimal]) -> None:
    debts = [Debt(f"creditor {i}", b) for i, b in enumerate(balances)]
    shares = pro_rata(amount, debts)
    assert sum(s.amount for s in shares) == amount
    total = sum(balances)
    for share, balance in zip(shares, balances, strict=True):
        assert abs(share.amount - amount * balance / total) < D("0.01")


@pytest.mark.parametrize(
    ("priority", "non_priority", "council", "others"),
    [
        # Council tax is a priority debt: it may have all the priority money left after the
        # other priority creditor's £60, and the card, catalogue and overdraft get nothing.
        (D("1000"), D("0"), D("334.33"), {"Credit card": 0, "Catalogue": 0, "Overdraft": 0}),
        # A sundry debt is not: it shares the £334.33 with them by balance (1000 of 4000).
        (
            D("0"),
            D("1000"),
            D("83.58"),
            {"Credit card": D("167.17"), "Catalogue": D("41.79"), "Overdraft": D("41.79")},
        ),
        # Both on one case: the council tax takes the priority money first.
        (D("500"), D("1000"), D("334.33"), {"Credit card": 0, "Catalogue": 0, "Overdraft": 0}),
        # The council owed nothing (all paid): everything is shared among the others.
        (
            D("0"),
            D("0"),
            D("0"),
            {"Credit card": D("222.89"), "Catalogue": D("55.72"), "Overdraft": D("55.72")},
        ),
    ],
    ids=["priority", "non-priority", "both", "none"],
)
def test_the_council_and_the_other_creditors_are_never_offered_the_same_pound(
    policy: PolicyBook,
    priority: Decimal,
    non_priority: Decimal,
    council: Decimal,
    others: dict[str, Decimal],
) -> None:
    result = run(policy, STATEMENT)
    offer = council_offer(result, priority_balance=priority, non_priority_balance=non_priority)
    assert offer.amount == council
    assert {s.creditor: s.amount for s in offer.others} == others
    assert offer.amount + offer.left_for_others == result.available_for_non_priority
