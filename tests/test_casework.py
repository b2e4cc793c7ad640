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
from drp_tui.services import audit, casework, monitoring
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
    Promise,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "drp.sqlite")
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
    with pytest.raises(Refused, match="Breathing Space \\(standard\\) until 2026-12-30"):
        casework.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
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
    assert kinds(store) == ["breathing_space.recorded", "action.refused"]
    assert audit.verify(store).intact
    # After the sixty days the same promise is accepted.
    later = actor(datetime(2026, 12, 31, 10, tzinfo=UTC))
    casework.make_promise(
        store, later, policy.holds, case_id="c1", amount=Decimal("50"), due_on=date(2027, 1, 8)
    )


def test_a_dispute_refuses_escalation_but_not_notes(store: Store, policy: PolicyBook) -> None:
    casework.set_hold(store, actor(), case_id="c1", kind="dispute", reason="says it was paid")
    with store.write() as session:
        session.add(Agency(id="ea", name="EA Ltd", kind="enforcement_agent"))
    with pytest.raises(Refused, match="Debt in dispute"):
        casework.place_with_agency(
            store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=NOW.date()
        )
    casework.record_outcome(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        started_at=NOW,
        outcome=casework.Outcome("RPC", right_party=True, notes="Explained the hold"),
    )
    assert kinds(store) == ["hold.set", "action.refused", "contact.recorded"]


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
        debt_ids=["d1"],
        schedule=schedule,
        frequency="monthly",
        apply_order=("council_tax",),
    )
    system = Actor("system", clock=lambda: datetime(2026, 12, 1, 7, tzinfo=UTC))
    casework.record_payment(
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
    kept = casework.make_promise(
        store, actor(), policy.holds, case_id="c1", amount=Decimal("50"), due_on=date(2026, 11, 27)
    )
    broken = casework.make_promise(
        store, actor(), policy.holds, case_id="c1", amount=Decimal("500"), due_on=date(2026, 11, 28)
    )
    casework.record_payment(
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
    casework.record_outcome(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        started_at=NOW,
        outcome=casework.Outcome("CALLBACK", right_party=True, callback_at=callback),
    )
    with store.read() as session:
        case = session.get(Case, "c1")
        assert case is not None
        assert case.next_action_due == callback
    later = NOW + timedelta(hours=5)
    casework.record_outcome(
        store,
        actor(later),
        policy.holds,
        case_id="c1",
        started_at=later,
        outcome=casework.Outcome("WRONG", right_party=False, phone_id="ph1"),
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
        casework.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
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
