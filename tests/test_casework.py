"""Casework services against a real store: holds refuse and record, every change is an event,
payments reach instalments, monitoring marks breaches and broken promises."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.domain.schedule import build_schedule
from drp_tui.services import audit, calls, casework, monitoring, payments, placements
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import (
    Agency,
    Arrangement,
    Case,
    Debt,
    Event,
    Instalment,
    Officer,
    Person,
    Phone,
    Placement,
    Promise,
)
from tests.callhelp import unverified_call, verified_call
from tests.sealed import opened

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return one_case_store(tmp_path)


def one_case_store(tmp_path: Path) -> Store:
    """Officer asmith, case c1 (C0000001) of Jo Bloggs: phone ph1, council tax debt d1 of
    £600 at liability order. A training store: DRP_OFFICER and DRP_NOW pick who and when."""
    from drp_tui.services.identity import TRAINING, set_store_kind

    store = open_store(tmp_path / "drp.sqlite")
    set_store_kind(store, TRAINING)
    with store.write() as session:
        session.add(Officer(id="asmith", name="Alex Smith"))
        person = Person(id="p1", host_system="h", host_ref="P1", forename="Jo", surname="Bloggs")
        session.add(person)
        session.flush()
        session.add(Case(id="c1", reference="C0000001", person_id="p1", officer_id="asmith"))
        session.add(Phone(id="ph1", person_id="p1", number="+447700900123"))
        session.flush()
        session.add(
            Debt(
                id="d1",
                host_system="h",
                host_ref="D1",
                case_id="c1",
                debt_type="council_tax",
                original_amount=Decimal("900"),
                balance=Decimal("600.00"),
                stage="liability_order",
            )
        )
    return store


def actor(when: datetime = NOW) -> Actor:
    return Actor("asmith", clock=lambda: when)


def work_kinds(store: Store) -> list[str]:
    """The events of the work itself, without each call's opening and ID&V."""
    return [k for k in kinds(store) if k not in ("case.viewed", "idv.recorded")]


def kinds(store: Store) -> list[str]:
    with store.read() as session:
        return [e.kind for e in session.execute(select(Event).order_by(col(Event.seq))).scalars()]


def test_breathing_space_refuses_a_payment_demand_and_records_the_attempt(
    store: Store, policy: PolicyBook
) -> None:
    casework.record_breathing_space(
        store,
        actor(),
        case_id="c1",
        kind="breathing_space",
        start=date(2026, 11, 1),
        reference="BS123456",
    )
    call = verified_call(store, actor(), "c1")
    with pytest.raises(Refused, match="Breathing Space \\(standard\\) until 2026-12-30"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=date(2026, 11, 30),
        )
    with store.read() as session:
        assert session.execute(select(Promise)).first() is None
        refused = session.execute(
            select(Event).where(col(Event.kind) == "action.refused")
        ).scalar_one()
    assert refused.payload["action"] == "demand_payment"
    assert refused.officer_id == "asmith"
    assert kinds(store) == [
        "breathing_space.recorded",
        "case.viewed",
        "idv.recorded",
        "action.refused",
    ]
    assert audit.verify(store).intact
    # After the sixty days the same promise is accepted (on that day's call).
    later = actor(datetime(2026, 12, 31, 10, tzinfo=UTC))
    calls.make_promise(
        store,
        later,
        policy.holds,
        case_id="c1",
        call_id=verified_call(store, later, "c1"),
        amount=Decimal("50"),
        due_on=date(2027, 1, 8),
        limits=policy.arrangements,
    )


def test_a_dispute_refuses_escalation_but_not_notes(store: Store, policy: PolicyBook) -> None:
    casework.set_hold(store, actor(), case_id="c1", kind="dispute", reason="says it was paid")
    with store.write() as session:
        session.add(Agency(id="ea", name="EA Ltd", kind="enforcement_agent"))
    with pytest.raises(Refused, match="Debt in dispute"):
        placements.place_with_agency(
            store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=NOW.date()
        )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=verified_call(store, actor(), "c1"),
        outcome=calls.Outcome("RPC", right_party=True, notes="Explained the hold"),
        limits=policy.arrangements,
    )
    assert kinds(store) == [
        "hold.set",
        "action.refused",
        "case.viewed",
        "idv.recorded",
        "contact.recorded",
    ]


def test_arrangement_payments_and_monitoring(store: Store, policy: PolicyBook) -> None:
    schedule = build_schedule(
        policy.arrangements,
        total=Decimal("600"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        count=3,
        debt_type="council_tax",
    )
    assert not schedule.errors
    arrangement = make_arrangement(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        call_id=verified_call(store, actor(), "c1"),
        debt_ids=["d1"],
        schedule=schedule,
        frequency="monthly",
        apply_order=("council_tax",),
    )
    system = Actor("system", clock=lambda: datetime(2026, 12, 1, 7, tzinfo=UTC))
    payments.record_payment(
        store,
        system,
        debt_id="d1",
        amount=Decimal("200"),
        received_on=date(2026, 12, 1),
        reference="HOST1",
    )
    with store.read() as session:
        debt = session.get(Debt, "d1")
        assert debt is not None
        assert debt.balance == Decimal("400.00")
        paid = [
            i.paid
            for i in session.execute(select(Instalment).order_by(col(Instalment.number))).scalars()
        ]
    assert paid == [Decimal("200.00"), Decimal("0.00"), Decimal("0.00")]
    # January and February instalments missed: breached after the tolerance.
    late = Actor("system", clock=lambda: datetime(2027, 2, 12, 23, tzinfo=UTC))
    result = monitoring.check_arrangements(store, policy, late, date(2027, 2, 12))
    assert result.breached == [arrangement.id]
    with store.read() as session:
        breached = session.get(Arrangement, arrangement.id)
        case = session.get(Case, "c1")
    assert breached is not None
    assert breached.status == "breached"
    assert "2 instalments missed" in breached.status_reason
    assert case is not None
    assert "arrangement breached" in case.priority_reason
    assert kinds(store)[-1] == "arrangement.breached"


def test_promises_are_judged_kept_or_broken_after_the_tolerance(
    store: Store, policy: PolicyBook
) -> None:
    call = verified_call(store, actor(), "c1")
    kept, broken = (
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call,
            amount=Decimal(amount),
            due_on=due,
            limits=policy.arrangements,
        )
        for amount, due in (("50", date(2026, 11, 27)), ("500", date(2026, 11, 28)))
    )
    payments.record_payment(
        store, actor(), debt_id="d1", amount=Decimal("50"), received_on=date(2026, 11, 27)
    )
    early = monitoring.check_arrangements(store, policy, actor(), date(2026, 11, 30))
    assert early.kept == early.broken == []  # still within seven days' tolerance
    result = monitoring.check_arrangements(store, policy, actor(), date(2026, 12, 6))
    assert result.kept == [kept.id]
    assert result.broken == [broken.id]


def test_contact_marks_wrong_numbers_and_clears_a_callback_once_made(
    store: Store, policy: PolicyBook
) -> None:
    callback = NOW + timedelta(hours=4)
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=verified_call(store, actor(), "c1"),
        outcome=calls.Outcome("CALLBACK", right_party=True, callback_at=callback),
        limits=policy.arrangements,
    )
    with store.read() as session:
        case = session.get(Case, "c1")
        assert case is not None
        assert case.next_action_due == callback
    later = NOW + timedelta(hours=5)
    calls.record_outcome(
        store,
        actor(later),
        policy.holds,
        policy.outcomes,
        call_id=unverified_call(store, actor(later), "c1"),
        outcome=calls.Outcome("WRONG", right_party=False, phone_id="ph1"),
        limits=policy.arrangements,
    )
    with store.read() as session:
        case = session.get(Case, "c1")
        phone = session.get(Phone, "ph1")
    assert case is not None
    assert case.next_action_due is None
    assert phone is not None
    assert phone.status == "wrong"


def test_bad_requests_are_input_errors_and_write_nothing(store: Store, policy: PolicyBook) -> None:
    with pytest.raises(InputError, match=r"more than £0\.00"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id="checked after the amount",
            amount=Decimal("0"),
            due_on=date(2026, 12, 1),
        )
    with pytest.raises(InputError, match="consent"):
        casework.record_vulnerability(
            store, actor(), case_id="c1", category="bereavement", consent=False
        )
    impossible = build_schedule(
        policy.arrangements,
        total=Decimal("600"),
        frequency="weekly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        count=0,
    )
    with pytest.raises(InputError, match="cannot be made"):
        make_arrangement(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id="checked after the schedule",
            debt_ids=["d1"],
            schedule=impossible,
            frequency="weekly",
            apply_order=("council_tax",),
        )
    assert kinds(store) == []


def test_marking_a_phone_outside_a_call(store: Store) -> None:
    with store.write() as session:
        session.add(Person(id="p2", host_system="h", host_ref="P2", forename="A", surname="N"))
        session.flush()
        session.add(Phone(id="ph2", person_id="p2", number="+447700900999"))
    with pytest.raises(InputError, match="not a phone status"):
        casework.mark_phone(store, actor(), case_id="c1", phone_id="ph1", status="dead")
    with pytest.raises(InputError, match="not a number held for this case"):
        casework.mark_phone(store, actor(), case_id="c1", phone_id="ph2", status="wrong")
    assert kinds(store) == []
    casework.mark_phone(store, actor(), case_id="c1", phone_id="ph1", status="disconnected")
    casework.mark_phone(store, actor(), case_id="c1", phone_id="ph1", status="disconnected")
    casework.mark_phone(store, actor(), case_id="c1", phone_id="ph1", status="good")
    assert kinds(store) == ["phone.marked", "phone.marked"]  # no change, no event
    with store.read() as session:
        phone = session.get(Phone, "ph1")
    assert phone is not None
    assert phone.status == "good"


def test_a_due_callback_stays_due_until_a_call_is_made(store: Store, policy: PolicyBook) -> None:
    """ABANDONED says the call did not happen: the callback the debtor asked for is still
    owed. Any real attempt (here no answer) is the call, and the callback is done."""
    due = NOW - timedelta(hours=1)
    with store.write() as session:
        case = session.get(Case, "c1")
        assert case is not None
        case.next_action_due = due

    def record(code: str, reason: str = "") -> datetime | None:
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=unverified_call(store, actor(), "c1"),
            outcome=calls.Outcome(code, right_party=False, reason=reason),
            limits=policy.arrangements,
        )
        with store.read() as session:
            case = session.get(Case, "c1")
            assert case is not None
            return case.next_action_due

    assert record("ABANDONED", "line dropped before answer") == due
    assert record("NA") is None


# --- placements (issue 16, finding 5) -------------------------------------------------------


def agencies(store: Store) -> None:
    with store.write() as session:
        session.add(Agency(id="ea", name="EA Ltd", kind="enforcement_agent"))
        session.add(Agency(id="ea2", name="Other EA", kind="enforcement_agent"))


def test_a_debt_is_with_one_agency_at_a_time_until_recalled_or_returned(
    store: Store, policy: PolicyBook
) -> None:
    agencies(store)
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=NOW.date()
    )
    with pytest.raises(Refused, match="already with EA Ltd since 2026-11-23; recall it"):
        placements.place_with_agency(
            store, actor(), policy.holds, debt_id="d1", agency_id="ea2", placed_on=NOW.date()
        )
    with store.read() as session:
        assert [p.agency_id for p in session.execute(select(Placement)).scalars()] == ["ea"]
    assert kinds(store) == ["agency.placed", "action.refused"]
    with pytest.raises(InputError, match="say why"):
        placements.recall_placement(store, actor(), debt_id="d1", recalled_on=NOW.date(), reason="")
    recalled = placements.recall_placement(
        store, actor(), debt_id="d1", recalled_on=NOW.date(), reason="complaint upheld"
    )
    assert (recalled.status, recalled.return_reason) == ("recalled", "complaint upheld")
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d1", agency_id="ea2", placed_on=NOW.date()
    )
    with pytest.raises(InputError, match="not placed with that agency"):
        placements.return_placement(
            store, actor(), debt_id="d1", agency_id="ea", returned_on=NOW.date(), reason="x"
        )
    placements.return_placement(
        store, actor(), debt_id="d1", agency_id="ea2", returned_on=NOW.date(), reason="nulla bona"
    )
    with pytest.raises(InputError, match="not with an agency"):
        placements.recall_placement(
            store, actor(), debt_id="d1", recalled_on=NOW.date(), reason="x"
        )
    assert kinds(store)[2:] == ["agency.recalled", "agency.placed", "agency.returned"]
    assert audit.verify(store).intact


def test_a_referral_on_a_case_with_vulnerabilities_needs_a_recorded_confirmation(
    store: Store, policy: PolicyBook
) -> None:
    agencies(store)
    casework.record_vulnerability(
        store, actor(), case_id="c1", category="domestic_abuse", consent=True
    )
    casework.record_vulnerability(store, actor(), case_id="c1", category="literacy", consent=True)
    with pytest.raises(Refused, match=r"vulnerabilities recorded \(domestic_abuse, literacy\)"):
        placements.place_with_agency(
            store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=NOW.date()
        )
    with store.read() as session:
        assert session.execute(select(Placement)).first() is None
    placements.place_with_agency(
        store,
        actor(),
        policy.holds,
        debt_id="d1",
        agency_id="ea",
        placed_on=NOW.date(),
        confirmation="safe to contact by letter only; EA told",
    )
    with store.read() as session:
        placed = session.execute(
            select(Event).where(col(Event.kind) == "agency.placed")
        ).scalar_one()
    assert opened(store, placed.payload)["vulnerabilities"] == ["domestic_abuse", "literacy"]
    assert (
        opened(store, placed.payload)["confirmation"] == "safe to contact by letter only; EA told"
    )


def test_a_debt_with_an_agency_is_not_asked_for(store: Store, policy: PolicyBook) -> None:
    agencies(store)
    call = verified_call(store, actor(), "c1")
    with store.write() as session:
        session.add(
            Debt(
                id="d2",
                host_system="h",
                host_ref="D2",
                case_id="c1",
                debt_type="sundry",
                original_amount=Decimal("80"),
                balance=Decimal("80.00"),
                stage="final_notice",
            )
        )
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=NOW.date()
    )
    schedule = build_schedule(
        policy.arrangements,
        total=Decimal("600"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        count=3,
    )
    with pytest.raises(Refused, match="arrangement: that debt is with EA Ltd"):
        make_arrangement(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call,
            debt_ids=["d1"],
            schedule=schedule,
            frequency="monthly",
            apply_order=("council_tax",),
        )
    with pytest.raises(Refused, match="promise to pay: that debt is with EA Ltd"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=date(2026, 11, 30),
            debt_id="d1",
        )
    ptp = calls.Outcome(
        "PTP", right_party=True, amount=Decimal("50"), on=date(2026, 11, 30), debt_id="d1"
    )
    with pytest.raises(Refused, match="promise to pay: that debt is with EA Ltd"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            limits=policy.arrangements,
            call_id=verified_call(store, actor(), "c1"),
            outcome=ptp,
        )
    with store.read() as session:
        assert session.execute(select(Promise)).first() is None
        assert session.execute(select(Arrangement)).first() is None
    assert work_kinds(store) == ["agency.placed"] + ["action.refused"] * 3
    # The sundry debt is still the council's; once it too is placed the case has nothing to
    # ask for.
    calls.make_promise(
        store,
        actor(),
        policy.holds,
        limits=policy.arrangements,
        case_id="c1",
        call_id=call,
        amount=Decimal("50"),
        due_on=date(2026, 11, 30),
    )
    with store.write() as session:
        session.add(Agency(id="ca", name="Collect Co", kind="collection_agency"))
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d2", agency_id="ca", placed_on=NOW.date()
    )
    with pytest.raises(Refused, match="every debt on this case is with an agency"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=date(2026, 11, 30),
        )


# --- limits from policy (issue 16, finding 11) ----------------------------------------------


def test_a_promise_past_the_horizon_or_under_the_minimum_needs_a_reason(
    store: Store, policy: PolicyBook
) -> None:
    six_months = date(2027, 5, 23)
    call = verified_call(store, actor(), "c1")
    with pytest.raises(InputError, match=r"due 2027-05-23 is more than 28 days ahead"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=six_months,
        )
    small = calls.Outcome("PTP", right_party=True, amount=Decimal("2"), on=date(2026, 11, 30))
    with pytest.raises(InputError, match=r"£2\.00 is less than the £5\.00 minimum"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            limits=policy.arrangements,
            call_id=verified_call(store, actor(), "c1"),
            outcome=small,
        )
    assert work_kinds(store) == []
    calls.make_promise(
        store,
        actor(),
        policy.holds,
        limits=policy.arrangements,
        case_id="c1",
        call_id=call,
        amount=Decimal("50"),
        due_on=six_months,
        reason="paid from a pension lump sum due in May",
    )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        limits=policy.arrangements,
        call_id=verified_call(store, actor(), "c1"),
        outcome=calls.Outcome(
            "PTP", right_party=True, amount=Decimal("2"), on=date(2026, 11, 30), reason="all left"
        ),
    )
    with store.read() as session:
        made = [
            opened(store, e.payload)  # (the reason is the debtor's circumstances: sealed)
            for e in session.execute(
                select(Event).where(col(Event.kind) == "promise.made").order_by(col(Event.seq))
            ).scalars()
        ]
    assert made[0]["reason"] == "paid from a pension lump sum due in May"
    assert made[0]["beyond_policy"] == ["due 2027-05-23 is more than 28 days ahead"]
    assert made[1]["reason"] == "all left"
