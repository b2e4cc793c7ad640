"""The hub no longer trusts whatever a desk sends (issue 19, item 3): each forgery found by
attacking a copy is refused, kept out of the hub and of other desks, and recorded on the hub
as a security event (`hubrefusal`). Against both hubs: the rules are one set of functions
(drp_tui/sync/rules.py) that a SQLite hub and a PostgreSQL hub apply alike."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text

from drp_tui.services.casework import Actor, add_note
from drp_tui.services.payments import record_payment
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Payment, WriteOffRequest
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub
from drp_tui.sync.schema import hub_event, hub_refusal
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    balance,
    case_id,
    debt_id,
    desk,
    run_sync,
    team_hub,
)


def refusals(hub: Hub) -> list[tuple[str, str]]:
    with hub.read() as connection:
        return [
            (str(item), str(reason))
            for item, reason in connection.execute(
                select(hub_refusal.c.item, hub_refusal.c.reason).order_by(hub_refusal.c.item)
            )
        ]


def hub_kinds(hub: Hub) -> list[str]:
    with hub.read() as connection:
        return list(connection.execute(select(hub_event.c.kind)).scalars())


def forge_event(store: Store, officer: str, kind: str, case: str | None, **payload: object) -> str:
    with store.write() as session:
        return append_event(
            session, officer_id=officer, kind=kind, at=NOW, case_id=case, payload=payload
        ).id


@pytest.fixture
def team(hub_address: str, tmp_path: Path) -> tuple[Hub, Store, Store]:
    """asmith has case 1, bjones case 2; both desks synced once."""
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    alex, bea = desk(tmp_path, "alex"), desk(tmp_path, "bea")
    run_sync(alex, hub, "asmith")
    run_sync(bea, hub, "bjones")
    return hub, alex, bea


def test_an_event_on_another_officers_case_in_their_name_is_refused_and_never_reaches_them(
    team: tuple[Hub, Store, Store],
) -> None:
    hub, alex, bea = team
    forged = forge_event(alex, "bjones", "contact.recorded", case_id(2), outcome="PTP")
    assert run_sync(alex, hub, "asmith").refused == 1
    assert "contact.recorded" not in hub_kinds(hub)
    assert [item for item, _ in refusals(hub)] == [f"event {forged}"]
    run_sync(bea, hub, "bjones")
    with bea.engine.connect() as connection:
        kinds = connection.execute(text("SELECT kind FROM syncedevent")).scalars().all()
    assert "contact.recorded" not in kinds


@pytest.mark.parametrize(
    ("kind", "case", "payload"),
    [
        ("writeoff.approved", None, {"request": "w1", "amount": "500.00"}),
        ("officer.changed", None, {"subject": "asmith", "after": {"role": "supervisor"}}),
    ],
)
def test_supervisors_events_from_an_officers_desk_are_refused(
    team: tuple[Hub, Store, Store], kind: str, case: str | None, payload: dict[str, object]
) -> None:
    hub, alex, _ = team
    for officer in ("asmith", SUPERVISOR):  # as herself, and "by" the supervisor
        forge_event(alex, officer, kind, case, **payload)
    assert run_sync(alex, hub, "asmith").refused == 2
    assert kind not in hub_kinds(hub)
    reasons = " ".join(reason for _, reason in refusals(hub))
    assert "only a supervisor" in reasons
    assert "another officer" in reasons


def test_a_caseless_writeoff_decision_is_refused_even_from_a_supervisor(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    sam = desk(tmp_path, "sam")
    run_sync(sam, hub, SUPERVISOR)
    forge_event(sam, SUPERVISOR, "writeoff.approved", None, request="w1", amount="500.00")
    assert run_sync(sam, hub, SUPERVISOR).refused == 1
    assert "needs its case" in refusals(hub)[0][1]


def test_a_payment_row_without_its_event_is_refused_and_the_balance_stands(
    team: tuple[Hub, Store, Store],
) -> None:
    hub, alex, _ = team
    with alex.write() as session:  # straight into the desk's SQLite: no event
        session.add(
            Payment(
                id="forged-pay",
                debt_id=debt_id(1),
                amount=Decimal("-50000.00"),
                received_on=date(2026, 11, 23),
                source="host",
            )
        )
    assert run_sync(alex, hub, "asmith").refused == 1
    assert balance(hub.as_store(), 1) == Decimal("500.00")
    assert refusals(hub) == [("payment forged-pay", "no payment.recorded event explains it")]


def test_a_negative_payment_is_refused_unless_it_reverses_an_earlier_one(
    team: tuple[Hub, Store, Store],
) -> None:
    hub, alex, _ = team
    with alex.write() as session:  # a "reversal" of a payment that never was
        session.add(
            Payment(
                id="fake-reversal",
                debt_id=debt_id(1),
                amount=Decimal("-40.00"),
                received_on=date(2026, 11, 23),
                source="host",
            )
        )
        append_event(
            session,
            officer_id="asmith",
            kind="payment.recorded",
            at=NOW,
            case_id=case_id(1),
            payload={"payment": "fake-reversal", "amount": "-40.00", "reversal": True},
        )
    assert run_sync(alex, hub, "asmith").refused == 1  # the row; its event alone moves nothing
    assert balance(hub.as_store(), 1) == Decimal("500.00")
    assert refusals(hub) == [
        ("payment fake-reversal", "a negative amount not the reversal of an earlier payment")
    ]


def test_an_honest_payment_goes_up(team: tuple[Hub, Store, Store]) -> None:
    hub, alex, _ = team
    actor = Actor("asmith", clock=lambda: NOW)
    record_payment(alex, actor, debt_id=debt_id(1), amount=Decimal("75.00"), received_on=NOW.date())
    add_note(alex, actor, case_id=case_id(1), text="paid by card")
    assert run_sync(alex, hub, "asmith").refused == 0
    assert balance(hub.as_store(), 1) == Decimal("425.00")


def test_a_writeoff_row_inserted_already_approved_is_refused(
    team: tuple[Hub, Store, Store],
) -> None:
    hub, alex, _ = team
    with alex.write() as session:
        session.add(
            WriteOffRequest(
                id="forged-wo",
                debt_id=debt_id(1),
                reason_code="uneconomic",
                amount=Decimal("500.00"),
                requested_by="asmith",
                requested_at=NOW,
                approved_by="asmith",
                approved_at=NOW,
                status="approved",
            )
        )
    assert run_sync(alex, hub, "asmith").refused == 1
    assert refusals(hub) == [
        ("writeoffrequest forged-wo", "an approved write-off only from a supervisor")
    ]
    with hub.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM writeoffrequest")).scalar_one() == 0


def test_a_desk_whose_officer_is_not_on_the_hub_does_not_sync(
    team: tuple[Hub, Store, Store], tmp_path: Path
) -> None:
    hub, _, _ = team
    ghost = desk(tmp_path, "ghost")
    with pytest.raises(HubError, match="no officer 'zghost' on the hub"):
        run_sync(ghost, hub, "zghost")
    assert [reason for _, reason in refusals(hub)] == ["no officer 'zghost' on the hub"]
    with ghost.engine.connect() as connection:
        assert connection.execute(text('SELECT count(*) FROM "case"')).scalar_one() == 0
