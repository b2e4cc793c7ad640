"""Council tax attachment orders and DEA: DOMAIN.md §14 vectors, every band edge, properties."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drp_tui.domain.attachment import ctaeo_deduction, dea_deduction
from drp_tui.domain.errors import InputError, NoFigureError
from drp_tui.services.policy import PolicyBook

TODAY = date(2026, 11, 22)
D = Decimal


def ctaeo(
    policy: PolicyBook,
    net: str,
    period: str,
    *,
    made_on: date = TODAY,
    jurisdiction: str = "england",
    earlier: str = "0",
) -> Decimal:
    return ctaeo_deduction(
        policy.ctaeo,
        net=D(net),
        period=period,  # type: ignore[arg-type]
        made_on=made_on,
        jurisdiction=jurisdiction,
        earlier_order_deduction=D(earlier),
    ).deduction


ENGLAND_2007 = [
    ("weekly", "75.00", "0.00"),
    ("weekly", "75.01", "2.25"),
    ("weekly", "150", "7.50"),
    ("weekly", "200", "14.00"),
    ("weekly", "300", "36.00"),
    ("weekly", "355", "42.60"),
    ("weekly", "400", "68.00"),
    ("weekly", "505", "85.85"),
    ("weekly", "600", "133.35"),
    ("weekly", "1000", "333.35"),
    ("monthly", "300", "0.00"),
    ("monthly", "300.01", "9.00"),
    ("monthly", "800", "56.00"),
    ("monthly", "1000", "120.00"),
    ("monthly", "2000", "340.00"),
    ("monthly", "2020", "343.40"),
    ("monthly", "2500", "583.40"),
    ("daily", "11", "0.00"),
    ("daily", "25", "1.25"),
    ("daily", "60", "10.20"),
    ("daily", "72", "12.24"),
    ("daily", "100", "26.24"),
]


@pytest.mark.parametrize(("period", "net", "expected"), ENGLAND_2007)
def test_ctaeo_england_2007_vectors(
    policy: PolicyBook, period: str, net: str, expected: str
) -> None:
    assert ctaeo(policy, net, period) == D(expected)


def test_weekly_edge_defaults_to_355_not_335(policy: PolicyBook) -> None:
    # DOMAIN.md decision 2: £340 a week is in the 12% band under the £355 edge.
    assert ctaeo(policy, "340", "weekly") == D("40.80")
    assert ctaeo(policy, "350", "weekly") == D("42.00")


# Every edge of the England 2007 weekly table, at the edge and a penny either side.
EDGES = [
    ("75.00", "0"),
    ("135.00", "3"),
    ("185.00", "5"),
    ("225.00", "7"),
    ("355.00", "12"),
    ("505.00", "17"),
]


@pytest.mark.parametrize(("edge", "rate"), EDGES)
def test_ctaeo_weekly_band_edges(policy: PolicyBook, edge: str, rate: str) -> None:
    at = ctaeo_deduction(policy.ctaeo, net=D(edge), period="weekly", made_on=TODAY)
    above = ctaeo_deduction(policy.ctaeo, net=D(edge) + D("0.01"), period="weekly", made_on=TODAY)
    below = ctaeo_deduction(policy.ctaeo, net=D(edge) - D("0.01"), period="weekly", made_on=TODAY)
    assert at.rate_percent == D(rate) == below.rate_percent
    assert above.rate_percent > at.rate_percent or "remainder" in above.band


WALES_2022 = [
    ("weekly", "105", "0.00"),
    ("weekly", "200", "10.00"),
    ("weekly", "400", "48.00"),
    ("weekly", "600", "102.00"),
    ("weekly", "800", "164.05"),
    ("monthly", "1000", "50.00"),
    ("monthly", "2500", "425.00"),
    ("monthly", "3000", "556.20"),
]


@pytest.mark.parametrize(("period", "net", "expected"), WALES_2022)
def test_ctaeo_wales_2022_vectors(policy: PolicyBook, period: str, net: str, expected: str) -> None:
    assert ctaeo(policy, net, period, jurisdiction="wales") == D(expected)


def test_wales_orders_before_2022_use_the_2007_welsh_table(policy: PolicyBook) -> None:
    result = ctaeo_deduction(
        policy.ctaeo, net=D("400"), period="weekly", made_on=date(2021, 6, 1), jurisdiction="wales"
    )
    assert result.deduction == D("68.00")
    assert "Wales 2007" in result.table


def test_wales_2022_daily_is_refused_not_guessed(policy: PolicyBook) -> None:
    with pytest.raises(InputError, match="no daily bands"):
        ctaeo(policy, "30", "daily", jurisdiction="wales")


@pytest.mark.parametrize(
    ("period", "net", "expected"),
    [
        ("weekly", "55", "0.00"),
        ("weekly", "55.01", "1.65"),
        ("weekly", "260", "31.20"),
        ("weekly", "370", "62.90"),
        ("weekly", "400", "77.90"),
        ("monthly", "1480", "251.60"),
        ("monthly", "1500", "261.60"),
        ("daily", "53", "9.01"),
        ("daily", "60", "12.51"),
    ],
)
def test_legacy_1998_table_for_orders_made_before_april_2007(
    policy: PolicyBook, period: str, net: str, expected: str
) -> None:
    made = date(2005, 6, 1)
    result = ctaeo_deduction(
        policy.ctaeo,
        net=D(net),
        period=period,  # type: ignore[arg-type]
        made_on=made,
    )
    assert result.deduction == D(expected)
    assert "1998" in result.table


def test_orders_before_the_1998_table_are_refused(policy: PolicyBook) -> None:
    with pytest.raises(NoFigureError, match="made on"):
        ctaeo(policy, "400", "weekly", made_on=date(1997, 1, 1))


def test_second_order_applies_to_what_the_first_leaves(policy: PolicyBook) -> None:
    first = ctaeo(policy, "400", "weekly")
    assert first == D("68.00")
    second = ctaeo_deduction(
        policy.ctaeo, net=D("400"), period="weekly", made_on=TODAY, earlier_order_deduction=first
    )
    assert second.attachable == D("332.00")
    assert second.deduction == D("39.84")  # 12% of £332
    assert any("second order" in w for w in second.warnings)


def test_earlier_order_cannot_exceed_net(policy: PolicyBook) -> None:
    with pytest.raises(InputError, match="earlier order deduction"):
        ctaeo(policy, "100", "weekly", earlier="100.01")


DEA_STANDARD = [
    ("weekly", "100.00", "0.00"),
    ("weekly", "100.01", "3.00"),
    ("weekly", "160.00", "4.80"),
    ("weekly", "160.01", "8.00"),
    ("weekly", "220.00", "11.00"),
    ("weekly", "270.00", "18.90"),
    ("weekly", "270.01", "29.70"),
    ("weekly", "375.00", "41.25"),
    ("weekly", "520.01", "104.00"),
    ("monthly", "430.01", "12.90"),
    ("monthly", "1160.01", "127.60"),
    ("monthly", "2240.01", "448.00"),
    ("monthly", "4400", "880.00"),
]


@pytest.mark.parametrize(("period", "net", "expected"), DEA_STANDARD)
def test_dea_standard_vectors(policy: PolicyBook, period: str, net: str, expected: str) -> None:
    result = dea_deduction(
        policy.dea,
        net=D(net),
        period=period,  # type: ignore[arg-type]
        on=TODAY,
    )
    assert result.deduction == D(expected)


def test_dea_higher_rate(policy: PolicyBook) -> None:
    result = dea_deduction(policy.dea, net=D("100"), period="weekly", higher=True, on=TODAY)
    assert (result.rate_percent, result.deduction) == (D(5), D("5.00"))
    top = dea_deduction(policy.dea, net=D("600"), period="weekly", higher=True, on=TODAY)
    assert (top.rate_percent, top.deduction) == (D(40), D("240.00"))


def test_dea_fortnightly_uses_the_weekly_equivalent(policy: PolicyBook) -> None:
    # £540 a fortnight is £270 a week: 7% of the whole £540.
    result = dea_deduction(policy.dea, net=D("540"), period="fortnightly", on=TODAY)
    assert (result.rate_percent, result.deduction) == (D(7), D("37.80"))


def test_dea_applies_to_residue_and_respects_the_40_percent_cap(policy: PolicyBook) -> None:
    # £600 weekly, £200 priority: residue £400 -> 15% = £60; total £260 > 40% of £600 (£240).
    result = dea_deduction(
        policy.dea,
        net=D("600"),
        period="weekly",
        higher=False,
        priority_deductions=D("200"),
        on=TODAY,
    )
    assert result.attachable == D("400.00")
    assert result.deduction == D("40.00")
    assert any("40%" in w for w in result.warnings)


money_amounts = st.decimals(
    min_value=0, max_value=20000, places=2, allow_nan=False, allow_infinity=False
)
periods = st.sampled_from(["daily", "weekly", "monthly"])


@given(
    a=money_amounts,
    b=money_amounts,
    period=periods,
    table=st.sampled_from(
        [("england", date(2026, 1, 1)), ("wales", date(2026, 1, 1)), ("england", date(2005, 1, 1))]
    ),
)
def test_ctaeo_never_decreases_and_never_exceeds_net(
    policy: PolicyBook, a: Decimal, b: Decimal, period: str, table: tuple[str, date]
) -> None:
    jurisdiction, made_on = table
    if jurisdiction == "wales" and period == "daily":
        return
    low, high = sorted((a, b))
    low_d = ctaeo(policy, str(low), period, made_on=made_on, jurisdiction=jurisdiction)
    high_d = ctaeo(policy, str(high), period, made_on=made_on, jurisdiction=jurisdiction)
    assert 0 <= low_d <= high_d
    assert high_d <= high


@given(
    a=money_amounts,
    b=money_amounts,
    period=st.sampled_from(["daily", "weekly", "fortnightly", "four-weekly", "monthly"]),
    higher=st.booleans(),
)
def test_dea_never_decreases_and_never_exceeds_net(
    policy: PolicyBook, a: Decimal, b: Decimal, period: str, higher: bool
) -> None:
    low, high = sorted((a, b))
    low_d = dea_deduction(
        policy.dea,
        net=low,
        period=period,  # type: ignore[arg-type]
        higher=higher,
        on=TODAY,
    ).deduction
    high_d = dea_deduction(
        policy.dea,
        net=high,
        period=period,  # type: ignore[arg-type]
        higher=higher,
        on=TODAY,
    ).deduction
    assert 0 <= low_d <= high_d <= high


@given(
    net=money_amounts,
    share=st.decimals(min_value=0, max_value=1, places=2),
    period=st.sampled_from(["weekly", "monthly"]),
    higher=st.booleans(),
)
def test_dea_plus_priority_never_exceeds_40_percent(
    policy: PolicyBook, net: Decimal, share: Decimal, period: str, higher: bool
) -> None:
    priority = (net * share).quantize(D("0.01"))
    result = dea_deduction(
        policy.dea,
        net=net,
        period=period,  # type: ignore[arg-type]
        higher=higher,
        priority_deductions=priority,
        on=TODAY,
    )
    if priority <= net * D("0.4"):
        assert result.deduction + priority <= net * D("0.4")
    else:
        assert result.deduction == 0
