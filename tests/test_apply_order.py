"""Arrangements over several debts: the order money is applied in (policy: council tax first,
oldest year first), how a total covers the debts, and a monthly offer at the chosen
frequency."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

import pytest

from drp_tui.domain.apply_order import cover, over_balance_finding, per_instalment, policy_order
from drp_tui.domain.schedule import build_schedule
from drp_tui.services.policy import PolicyBook

D = Decimal
TODAY = date(2026, 11, 23)


@dataclass(frozen=True)
class Owed:
    id: str
    debt_type: str
    period: str = ""
    stage_date: date | None = None


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        ("weekly", "122.30"),
        ("fortnightly", "244.61"),
        ("four-weekly", "489.23"),
        ("monthly", "530.00"),
    ],
)
def test_a_monthly_offer_at_each_frequency(frequency: str, expected: str) -> None:
    # £530 a month is £530 × 12 / 52 a week, rounded down: never more than was assessed.
    assert per_instalment(D("530.00"), frequency) == D(expected)  # type: ignore[arg-type]


def test_council_tax_first_then_oldest_year_first() -> None:
    debts = [
        Owed("hb", "hb_overpayment", "2023/24"),
        Owed("ct-new", "council_tax", "2026/27"),
        Owed("sundry", "sundry", "", date(2025, 1, 1)),
        Owed("ct-old", "council_tax", "2024/25"),
        Owed("ct-mid", "council_tax", "2025/26"),
        Owed("parking", "parking", "", date(2024, 6, 1)),
    ]
    order = ["council_tax", "business_rates", "hb_overpayment"]
    # Types the policy does not name come after those it does, oldest first among them
    # (by year, else by the date of their stage).
    assert [d.id for d in policy_order(debts, order)] == [
        "ct-old",
        "ct-mid",
        "ct-new",
        "hb",
        "parking",
        "sundry",
    ]


def test_a_total_covers_the_debts_in_order() -> None:
    assert cover(D("1000.00"), [D("600.00"), D("300.00"), D("500.00")]) == [
        D("600.00"),
        D("300.00"),
        D("100.00"),
    ]
    assert cover(D("900.00"), [D("600.00"), D("300.00")]) == [D("600.00"), D("300.00")]
    assert over_balance_finding(D("900.00"), [D("600.00"), D("300.00")]) is None
    # More than is owed: each debt is covered in full, and the officer is told.
    assert cover(D("901.00"), [D("600.00"), D("300.00")]) == [D("600.00"), D("300.00")]
    over = over_balance_finding(D("901.00"), [D("600.00"), D("300.00")])
    assert over is not None
    assert over.message == "the total £901.00 is more than the £900.00 the debts owe"


def test_only_the_council_tax_part_must_clear_by_the_year_end(policy: PolicyBook) -> None:
    # £600 of council tax first, then £600 of sundry debt, at £100 a month from December:
    # the council tax is paid by the sixth payment, in May 2027, past 31 March.
    late = build_schedule(
        policy.arrangements,
        total=D("1200.00"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=TODAY,
        instalment=D("100.00"),
        council_tax_upto=D("600.00"),
    )
    assert [f.code for f in late.errors] == ["clear_by_year_end"]
    # £400 of council tax is paid by the fourth payment (1 March 2027): the rest may run on.
    cleared = build_schedule(
        policy.arrangements,
        total=D("1200.00"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=TODAY,
        instalment=D("100.00"),
        council_tax_upto=D("400.00"),
    )
    assert cleared.errors == ()
    assert cleared.instalments[-1].due > date(2027, 3, 31)


def test_the_rules_for_the_debts_jurisdiction_apply(policy: PolicyBook) -> None:
    english = policy.arrangements[0]
    rules = (
        replace(english, dated=replace(english.dated, jurisdictions=frozenset({"england"}))),
        replace(
            english,
            dated=replace(english.dated, jurisdictions=frozenset({"wales"})),
            minimum_instalment=D("20.00"),
        ),
    )

    def findings(jurisdiction: str) -> list[str]:
        schedule = build_schedule(
            rules,
            total=D("150.00"),
            frequency="monthly",
            first=date(2026, 12, 1),
            today=TODAY,
            instalment=D("15.00"),
            jurisdiction=jurisdiction,
        )
        return [f.code for f in schedule.warnings]

    assert findings("england") == []
    assert findings("wales") == ["minimum_instalment"]
