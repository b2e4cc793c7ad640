"""Calling hours, holds and recovery routes: the pure rules behind the call screen."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from drp_tui.domain.contact import ContactHistory, PreferredTime, may_call
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import Hold, active_holds, refusal
from drp_tui.domain.recovery import recovery_routes
from drp_tui.services.policy import PolicyBook

LONDON = ZoneInfo("Europe/London")


def at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def test_weekday_daytime_call_is_allowed(policy: PolicyBook) -> None:
    check = may_call(policy.contact, at(2026, 11, 23, 10, 0))
    assert check.allowed
    assert check.reasons == ()


@pytest.mark.parametrize(
    ("moment", "reason"),
    [
        (at(2026, 11, 22, 10, 0), "no calls on Sundays"),
        (at(2026, 11, 23, 7, 59), "outside calling hours 08:00-21:00"),
        (at(2026, 11, 23, 21, 0), "outside calling hours"),
        (at(2026, 12, 25, 10, 0), "bank holiday (Christmas Day)"),
        (at(2026, 8, 31, 12, 0), "bank holiday"),
    ],
)
def test_calls_refused_out_of_hours(policy: PolicyBook, moment: datetime, reason: str) -> None:
    check = may_call(policy.contact, moment)
    assert not check.allowed
    assert any(reason in r for r in check.reasons)


def test_local_time_is_used_whatever_the_clock_zone(policy: PolicyBook) -> None:
    # 07:30 UTC on a summer Monday is 08:30 in London.
    summer = datetime(2026, 6, 1, 7, 30, tzinfo=ZoneInfo("UTC"))
    assert may_call(policy.contact, summer).allowed


def test_preferred_times_are_respected(policy: PolicyBook) -> None:
    evenings = PreferredTime(frozenset(range(5)), time(18), time(20))
    assert not may_call(policy.contact, at(2026, 11, 23, 10, 0), preferred=[evenings]).allowed
    assert may_call(policy.contact, at(2026, 11, 23, 18, 30), preferred=[evenings]).allowed


def test_attempt_and_contact_limits(policy: PolicyBook) -> None:
    moment = at(2026, 11, 23, 10, 0)
    assert not may_call(policy.contact, moment, history=ContactHistory(attempts_today=3)).allowed
    spoken = ContactHistory(right_party_contacts_last_7_days=1)
    assert not may_call(policy.contact, moment, history=spoken).allowed
    asked = ContactHistory(right_party_contacts_last_7_days=1, callback_due=at(2026, 11, 23, 9, 30))
    assert may_call(policy.contact, moment, history=asked).allowed


def test_naive_datetimes_are_a_programming_error(policy: PolicyBook) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        may_call(policy.contact, datetime(2026, 11, 23, 10))


def test_standard_breathing_space_lasts_60_days(policy: PolicyBook) -> None:
    holds = [Hold("breathing_space", start=date(2026, 11, 1))]
    assert refusal(policy.holds, holds, "demand_payment", date(2026, 11, 1)) is not None
    last = refusal(policy.holds, holds, "escalate", date(2026, 12, 30))  # day 60
    assert last is not None
    assert "until 2026-12-30" in last.message
    assert refusal(policy.holds, holds, "demand_payment", date(2026, 12, 31)) is None
    assert refusal(policy.holds, holds, "demand_payment", date(2026, 10, 31)) is None


def test_mental_health_crisis_runs_until_30_days_after_treatment(policy: PolicyBook) -> None:
    open_ended = [Hold("mental_health_crisis", start=date(2026, 1, 1))]
    assert refusal(policy.holds, open_ended, "add_charges", date(2027, 6, 1)) is not None
    ended = [Hold("mental_health_crisis", start=date(2026, 1, 1), treatment_end=date(2026, 3, 1))]
    assert refusal(policy.holds, ended, "add_charges", date(2026, 3, 31)) is not None
    assert refusal(policy.holds, ended, "add_charges", date(2026, 4, 1)) is None


def test_each_hold_refuses_what_its_policy_row_lists(policy: PolicyBook) -> None:
    on = date(2026, 11, 23)
    dispute = [Hold("dispute", start=date(2026, 11, 1))]
    assert refusal(policy.holds, dispute, "escalate", on) is not None
    assert refusal(policy.holds, dispute, "contact_for_payment", on) is None
    vulnerable = [Hold("vulnerability_review", start=date(2026, 11, 1))]
    assert refusal(policy.holds, vulnerable, "queue", on) is not None
    assert refusal(policy.holds, vulnerable, "make_arrangement", on) is None
    lifted = [Hold("deceased", start=date(2026, 11, 1), end=date(2026, 11, 10))]
    assert active_holds(policy.holds, lifted, on) == []


def open_ids(
    policy: PolicyBook,
    debt_type: str,
    stage: str,
    *,
    jurisdiction: str = "england",
    balance: str = "500",
    on: date = date(2026, 11, 23),
    running: dict[str, int] | None = None,
) -> set[str]:
    checks = recovery_routes(
        policy.recovery,
        debt_type=debt_type,
        stage=stage,
        jurisdiction=jurisdiction,
        balance=Decimal(balance),
        on=on,
        running=running,
    )
    return {c.id for c in checks if c.open}


def test_council_tax_routes_open_only_after_a_liability_order(policy: PolicyBook) -> None:
    assert open_ids(policy, "council_tax", "final_notice") == {"arrangement", "write_off"}
    assert open_ids(policy, "council_tax", "liability_order") == {
        "arrangement",
        "write_off",
        "attachment_of_earnings",
        "benefit_deduction",
        "enforcement_agent",
        "committal",
    }


def test_balance_thresholds_for_charging_orders_and_bankruptcy(policy: PolicyBook) -> None:
    big = open_ids(policy, "council_tax", "liability_order", balance="6000")
    assert {"charging_order", "bankruptcy"} <= big
    edge = open_ids(policy, "council_tax", "liability_order", balance="5000")
    assert {"charging_order", "bankruptcy"} <= edge  # s.267(2)(a): equal to or more than
    below = open_ids(policy, "council_tax", "liability_order", balance="4999.99")
    assert "bankruptcy" not in below


def test_no_committal_in_wales_since_april_2019(policy: PolicyBook) -> None:
    assert "committal" not in open_ids(
        policy, "council_tax", "liability_order", jurisdiction="wales"
    )
    assert "committal" in open_ids(
        policy, "council_tax", "liability_order", jurisdiction="wales", on=date(2018, 6, 1)
    )
    checks = recovery_routes(
        policy.recovery,
        debt_type="council_tax",
        stage="liability_order",
        jurisdiction="wales",
        balance=Decimal(500),
        on=date(2026, 1, 1),
    )
    committal = next(c for c in checks if c.id == "committal")
    assert "since 2019-03-31" in committal.reason


def test_business_rates_have_no_attachment_or_benefit_route(policy: PolicyBook) -> None:
    routes = open_ids(policy, "business_rates", "liability_order")
    assert "attachment_of_earnings" not in routes
    assert "benefit_deduction" not in routes
    assert "enforcement_agent" in routes


def test_dea_only_for_hb_overpayments(policy: PolicyBook) -> None:
    assert "dea" in open_ids(policy, "hb_overpayment", "invoice")
    for debt_type, stage in [("council_tax", "liability_order"), ("sundry", "ccj")]:
        assert "dea" not in open_ids(policy, debt_type, stage)


def test_two_attachment_orders_at_most(policy: PolicyBook) -> None:
    assert "attachment_of_earnings" not in open_ids(
        policy, "council_tax", "liability_order", running={"attachment_of_earnings": 2}
    )


def test_unknown_debt_type_or_stage_is_an_input_error(policy: PolicyBook) -> None:
    with pytest.raises(InputError, match="not a debt type"):
        open_ids(policy, "mortgage", "bill")
    with pytest.raises(InputError, match="not a stage"):
        open_ids(policy, "parking", "liability_order")


def test_outcome_codes_declare_their_fields(policy: PolicyBook) -> None:
    offered = {c.code: c for c in policy.outcomes.offered(date(2026, 11, 23))}
    assert offered["PTP"].needs == ("amount", "date")
    assert offered["CALLBACK"].needs == ("callback_at",)
    assert offered["WRONG"].needs == ("phone",)
    assert "BROKEN" not in offered  # set by drp, not chosen by an officer
    assert offered["RPC"].right_party
    assert not offered["TPC"].right_party
