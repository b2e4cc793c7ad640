"""Enforcement fees, late payment interest and benefit deductions against DOMAIN.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from drp_tui.domain.benefits import council_tax_benefit_deduction, hb_recovery_rate
from drp_tui.domain.errors import InputError, NoFigureError
from drp_tui.domain.fees import enforcement_fees
from drp_tui.domain.interest import late_payment_interest
from drp_tui.services.policy import PolicyBook

D = Decimal
TODAY = date(2026, 11, 22)


@pytest.mark.parametrize(
    ("balance", "enforcement", "sale"),
    [
        ("1000", "235.00", "110.00"),
        ("1500", "235.00", "110.00"),
        ("1500.01", "235.00", "110.00"),  # 7.5% of 1p rounds to nothing
        ("2000", "272.50", "147.50"),
        ("5000", "497.50", "372.50"),
    ],
)
def test_tcg_2014_fee_vectors(
    policy: PolicyBook, balance: str, enforcement: str, sale: str
) -> None:
    result = enforcement_fees(policy.fees, balance=D(balance), stage="sale", on=TODAY)
    assert result.fees == {"compliance": D("75.00"), "enforcement": D(enforcement), "sale": D(sale)}
    assert result.total == D("75.00") + D(enforcement) + D(sale)


def test_fees_list_only_the_stages_reached(policy: PolicyBook) -> None:
    result = enforcement_fees(policy.fees, balance=D("2000"), stage="enforcement", on=TODAY)
    assert list(result.fees) == ["compliance", "enforcement"]
    assert result.total == D("347.50")
    assert result.compliance_period_days == 7


def test_2025_uplift_stays_disabled_and_is_mentioned(policy: PolicyBook) -> None:
    result = enforcement_fees(policy.fees, balance=D("100"), stage="compliance", on=TODAY)
    assert result.fees["compliance"] == D("75.00")
    assert any("2025 uplift" in w for w in result.warnings)


def test_fees_before_the_2014_scale_are_not_guessed(policy: PolicyBook) -> None:
    from drp_tui.domain.errors import NoFigureError

    with pytest.raises(NoFigureError):
        enforcement_fees(policy.fees, balance=D("100"), stage="compliance", on=date(2014, 1, 1))


def test_late_payment_interest_gov_uk_method(policy: PolicyBook) -> None:
    # Fell late 1 Jan 2024: reference 5.25% + 8% = 13.25%. £10,000: daily £3.63 (3.6301...).
    result = late_payment_interest(
        policy.interest, principal=D("10000"), due=date(2023, 12, 31), on=date(2024, 1, 30)
    )
    assert result.rate_percent == D("13.25")
    assert result.days == 30
    assert result.daily_interest == D("3.63")
    assert result.interest == D("108.90")
    assert result.compensation == D("100.00")
    assert result.total_claim == D("10208.90")
    # H1 2024's 5.25% was read on a secondary site, so the result says so
    assert len(result.warnings) == 1
    assert "unconfirmed" in result.warnings[0]


@pytest.mark.parametrize(
    ("principal", "compensation"),
    [
        ("999.99", "40.00"),
        ("1000.00", "70.00"),
        ("9999.99", "70.00"),
        ("10000.00", "100.00"),
    ],
)
def test_fixed_compensation_bands(policy: PolicyBook, principal: str, compensation: str) -> None:
    result = late_payment_interest(
        policy.interest, principal=D(principal), due=date(2023, 3, 1), on=date(2023, 4, 1)
    )
    assert result.compensation == D(compensation)


def test_reference_rate_is_fixed_by_the_half_year_the_debt_fell_late(policy: PolicyBook) -> None:
    h2 = late_payment_interest(
        policy.interest, principal=D("1000"), due=date(2023, 6, 30), on=date(2023, 7, 10)
    )
    assert h2.reference_rate_percent == D("5.00")  # fell late 1 July 2023
    h1 = late_payment_interest(
        policy.interest, principal=D("1000"), due=date(2023, 6, 29), on=date(2023, 7, 10)
    )
    assert h1.reference_rate_percent == D("3.50")


def test_unconfirmed_reference_rates_warn(policy: PolicyBook) -> None:
    result = late_payment_interest(
        policy.interest, principal=D("1000"), due=date(2025, 2, 1), on=date(2025, 3, 1)
    )
    assert result.reference_rate_percent == D("4.75")
    assert any("unconfirmed" in w for w in result.warnings)


def test_missing_reference_rate_asks_for_one_and_a_given_rate_is_used(
    policy: PolicyBook,
) -> None:
    with pytest.raises(NoFigureError, match="--reference-rate"):
        late_payment_interest(
            policy.interest, principal=D("1000"), due=date(2027, 2, 1), on=date(2027, 3, 3)
        )
    given = late_payment_interest(
        policy.interest,
        principal=D("1000"),
        due=date(2026, 2, 1),
        on=date(2026, 3, 3),
        reference_rate=D("3.75"),
    )
    assert given.rate_percent == D("11.75")
    assert given.reference_rate_from == "given"
    assert given.daily_interest == D("0.32")  # 1000 x 11.75% / 365 = 0.3219
    assert given.interest == D("9.60")


def test_not_late_yet(policy: PolicyBook) -> None:
    result = late_payment_interest(
        policy.interest, principal=D("500"), due=date(2024, 3, 1), on=date(2024, 3, 1)
    )
    assert (result.days, result.interest, result.compensation) == (0, D("0.00"), D("0.00"))
    with pytest.raises(InputError, match="before the due date"):
        late_payment_interest(
            policy.interest, principal=D("500"), due=date(2024, 3, 1), on=date(2024, 2, 1)
        )


@pytest.mark.parametrize(
    ("allowance", "expected"),
    [
        ("single-under-25", "15.85"),
        ("single-25-plus", "20.01"),
        ("couple-under-25", "24.88"),
        ("couple-25-plus", "31.41"),
    ],
)
def test_uc_council_tax_deduction_2025_26(
    policy: PolicyBook, allowance: str, expected: str
) -> None:
    result = council_tax_benefit_deduction(
        policy.benefits,
        benefit="uc",
        allowance=allowance,  # type: ignore[arg-type]
        on=date(2025, 6, 1),
    )
    assert (result.deduction, result.period) == (D(expected), "monthly")
    assert result.overall_cap_percent == D(15)


def test_uc_cap_by_period(policy: PolicyBook) -> None:
    result = council_tax_benefit_deduction(
        policy.benefits, benefit="uc", allowance="single-25-plus", on=date(2025, 4, 29)
    )
    assert result.overall_cap_percent == D(25)


def test_legacy_deduction_and_unconfirmed_figures_warning(policy: PolicyBook) -> None:
    old = council_tax_benefit_deduction(
        policy.benefits, benefit="legacy", allowance="single-25-plus", on=date(2024, 6, 1)
    )
    assert (old.deduction, old.period) == (D("4.55"), "weekly")
    assert any("read on CPAG" in w for w in old.warnings)  # a secondary source
    now = council_tax_benefit_deduction(
        policy.benefits, benefit="legacy", allowance="single-25-plus", on=TODAY
    )
    assert now.deduction == D("4.80")
    assert any("unconfirmed" in w for w in now.warnings)


@pytest.mark.parametrize(
    ("on", "fraud", "expected"),
    [
        (date(2024, 6, 1), False, "13.65"),
        (date(2024, 6, 1), True, "22.75"),
        (date(2022, 6, 1), False, "11.55"),
        (date(2022, 6, 1), True, "19.25"),
        (date(2025, 6, 1), False, "13.95"),
        (date(2025, 6, 1), True, "23.25"),
    ],
)
def test_hb_recovery_rates(policy: PolicyBook, on: date, fraud: bool, expected: str) -> None:
    assert hb_recovery_rate(policy.benefits, fraud=fraud, on=on).weekly_max == D(expected)


def test_hb_recovery_adds_half_the_disregard(policy: PolicyBook) -> None:
    result = hb_recovery_rate(policy.benefits, fraud=False, disregard=D("25"), on=date(2024, 6, 1))
    assert result.disregard_addition == D("12.50")
    assert result.weekly_max == D("26.15")


def test_hb_recovery_year_without_figures_says_so(policy: PolicyBook) -> None:
    with pytest.raises(NoFigureError, match=r"\[\[hb_recovery_unit\]\].*add that year's row"):
        hb_recovery_rate(policy.benefits, fraud=False, on=date(2019, 6, 1))
