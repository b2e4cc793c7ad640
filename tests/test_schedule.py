"""Arrangement schedules: sums, working days, month ends and policy checks."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drp_tui.domain.dates import is_working_day
from drp_tui.domain.schedule import Schedule, build_schedule
from drp_tui.services.policy import PolicyBook

D = Decimal
TODAY = date(2026, 11, 22)  # a Sunday


def make(policy: PolicyBook, **kwargs: object) -> Schedule:
    kwargs.setdefault("today", TODAY)
    return build_schedule(policy.arrangements, **kwargs)  # type: ignore[arg-type]


def codes(findings: tuple[object, ...]) -> list[str]:
    return [f.code for f in findings]  # type: ignore[attr-defined]


def test_count_splits_exactly_and_the_last_takes_the_pennies(policy: PolicyBook) -> None:
    result = make(policy, total=D("100.00"), frequency="monthly", first=date(2026, 12, 1), count=3)
    assert [i.amount for i in result.instalments] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(i.amount for i in result.instalments) == D("100.00")
    assert result.errors == ()


def test_instalment_amount_gives_a_short_last_payment(policy: PolicyBook) -> None:
    result = make(
        policy, total=D("250"), frequency="weekly", first=date(2026, 11, 27), instalment=D("60")
    )
    assert [i.amount for i in result.instalments] == [D(60)] * 4 + [D("10.00")]


def test_weekend_and_bank_holiday_due_dates_move_to_the_next_working_day(
    policy: PolicyBook,
) -> None:
    result = make(policy, total=D("40"), frequency="weekly", first=date(2026, 12, 18), count=4)
    assert [i.due for i in result.instalments] == [
        date(2026, 12, 18),
        date(2026, 12, 29),  # 25 Dec Friday -> Tue 29 (28th is Boxing Day)
        date(2027, 1, 4),  # Fri 1 Jan, New Year's Day -> Monday 4
        date(2027, 1, 8),
    ]


def test_monthly_dates_on_the_31st_clamp_to_month_end(policy: PolicyBook) -> None:
    result = make(
        policy,
        total=D("400"),
        frequency="monthly",
        first=date(2026, 12, 31),
        count=4,
        today=date(2026, 12, 10),
        debt_type="sundry",
    )
    assert [i.due for i in result.instalments] == [
        date(2026, 12, 31),
        date(2027, 2, 1),  # 31 Jan 2027 is a Sunday
        date(2027, 3, 1),  # 28 Feb 2027 is a Sunday
        date(2027, 3, 31),
    ]


def test_clear_by_counts_payments_that_land_on_or_before_it(policy: PolicyBook) -> None:
    result = make(
        policy,
        total=D("300"),
        frequency="monthly",
        first=date(2026, 12, 1),
        clear_by=date(2027, 3, 31),
    )
    assert len(result.instalments) == 4
    assert result.instalments[-1].due <= date(2027, 3, 31)


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"count": 0}, "count"),
        ({"instalment": D("500")}, "instalment"),
        ({"clear_by": date(2026, 11, 30)}, "clear_by"),
        ({"instalment": D("0")}, "instalment"),
        ({}, "one_of"),
        ({"count": 2, "instalment": D("10")}, "one_of"),
    ],
)
def test_impossible_requests_are_errors_with_no_schedule(
    policy: PolicyBook, kwargs: dict[str, object], code: str
) -> None:
    result = make(policy, total=D("100"), frequency="weekly", first=date(2026, 12, 1), **kwargs)
    assert not result.possible
    assert codes(result.errors) == [code]


def test_first_payment_more_than_28_days_away_warns(policy: PolicyBook) -> None:
    result = make(policy, total=D("100"), frequency="monthly", first=date(2027, 1, 4), count=2)
    assert "first_payment_late" in codes(result.warnings)


def test_first_payment_in_the_past_is_an_error(policy: PolicyBook) -> None:
    result = make(policy, total=D("100"), frequency="monthly", first=date(2026, 11, 2), count=2)
    assert "first_in_past" in codes(result.errors)


def test_small_instalments_warn(policy: PolicyBook) -> None:
    result = make(policy, total=D("20"), frequency="weekly", first=date(2026, 11, 27), count=5)
    assert "minimum_instalment" in codes(result.warnings)


def test_council_tax_must_clear_by_31_march_unless_overridden(policy: PolicyBook) -> None:
    late = make(
        policy,
        total=D("1200"),
        frequency="monthly",
        first=date(2026, 12, 1),
        count=6,
        debt_type="council_tax",
    )
    assert "clear_by_year_end" in codes(late.errors)
    overridden = make(
        policy,
        total=D("1200"),
        frequency="monthly",
        first=date(2026, 12, 1),
        count=6,
        debt_type="council_tax",
        override_reason="Vulnerable; agreed with team leader",
    )
    assert overridden.errors == ()
    assert "clear_by_year_end_overridden" in codes(overridden.warnings)
    other_debt = make(
        policy,
        total=D("1200"),
        frequency="monthly",
        first=date(2026, 12, 1),
        count=6,
        debt_type="sundry",
    )
    assert other_debt.errors == ()


@given(
    total=st.decimals(min_value=D("0.01"), max_value=D("50000"), places=2),
    count=st.integers(min_value=1, max_value=120),
    frequency=st.sampled_from(["weekly", "fortnightly", "four-weekly", "monthly"]),
    offset=st.integers(min_value=0, max_value=400),
)
def test_schedules_always_sum_exactly_on_working_days(
    policy: PolicyBook, total: Decimal, count: int, frequency: str, offset: int
) -> None:
    result = make(
        policy, total=total, frequency=frequency, first=TODAY + timedelta(days=offset), count=count
    )
    if total < D("0.01") * count:
        assert not result.possible
        return
    assert len(result.instalments) == count
    assert sum(i.amount for i in result.instalments) == total
    assert all(i.amount > 0 for i in result.instalments)
    assert all(is_working_day(i.due) for i in result.instalments)
    dues = [i.due for i in result.instalments]
    assert dues == sorted(dues)


@given(
    total=st.decimals(min_value=D("1"), max_value=D("20000"), places=2),
    instalment=st.decimals(min_value=D("1"), max_value=D("2000"), places=2),
)
def test_instalment_schedules_sum_exactly(
    policy: PolicyBook, total: Decimal, instalment: Decimal
) -> None:
    result = make(
        policy, total=total, frequency="weekly", first=date(2026, 11, 27), instalment=instalment
    )
    if instalment > total or total / instalment > 520:
        assert not result.possible
        return
    assert sum(i.amount for i in result.instalments) == total
    assert all(0 < i.amount <= instalment for i in result.instalments)
