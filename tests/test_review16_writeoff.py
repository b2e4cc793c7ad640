"""Hostile review of issue 16 (round 16): the write-off's evidence on record can be made up
on the spot by the officer asking, and nothing is checked again when it is approved."""

from __future__ import annotations

import contextlib
from datetime import date
from pathlib import Path

import pytest

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services import placements, writeoffs
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Debt, Officer
from tests.test_casework import NOW, actor, one_case_store

EVIDENCE = {"enforcement_returned": "nulla bona, 2026-10-01"}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = one_case_store(tmp_path)
    with store.write() as session:
        session.add(Agency(id="ea", name="EA Ltd", kind="enforcement_agent"))
        session.add(Officer(id="boss", name="Pat Boss", role="supervisor"))
    return store


def _placed(store: Store, policy: PolicyBook) -> None:
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=date(2026, 11, 23)
    )


def test_a_return_dated_in_the_future_is_refused(store: Store, policy: PolicyBook) -> None:
    _placed(store, policy)
    with pytest.raises(InputError):
        placements.return_placement(
            store,
            actor(),
            debt_id="d1",
            agency_id="ea",
            returned_on=date(2030, 1, 1),
            reason="nulla bona",
        )


def test_a_return_dated_before_the_placement_is_refused(store: Store, policy: PolicyBook) -> None:
    _placed(store, policy)
    with pytest.raises(InputError):
        placements.return_placement(
            store,
            actor(),
            debt_id="d1",
            agency_id="ea",
            returned_on=date(2020, 1, 1),
            reason="nulla bona",
        )


def test_exhausted_is_not_borne_out_by_a_return_the_requester_just_typed(
    store: Store, policy: PolicyBook
) -> None:
    """Placed and 'returned nulla bona' by the same officer a minute apart, then written off
    as recovery exhausted: the record the check relies on is the requester's own say-so."""
    _placed(store, policy)
    placements.return_placement(
        store,
        actor(),
        debt_id="d1",
        agency_id="ea",
        returned_on=date(2026, 11, 23),
        reason="debtor vulnerable: returned at the council's request",
    )
    with pytest.raises(NotPermitted):
        writeoffs.request_writeoff(
            store,
            policy,
            actor(),
            debt_reference="D1",
            reason_code="exhausted",
            amount=None,
            note="agency could not recover",
            evidence=EVIDENCE,
        )


def test_no_approval_while_the_debt_is_with_an_agency(store: Store, policy: PolicyBook) -> None:
    _placed(store, policy)
    placements.return_placement(
        store,
        actor(),
        debt_id="d1",
        agency_id="ea",
        returned_on=date(2026, 11, 23),
        reason="nulla bona",
    )
    request = writeoffs.request_writeoff(
        store,
        policy,
        actor(),
        debt_reference="D1",
        reason_code="uneconomic",
        amount=None,
        note="small balance",
    )
    placements.place_with_agency(
        store, actor(), policy.holds, debt_id="d1", agency_id="ea", placed_on=date(2026, 11, 23)
    )
    with pytest.raises((NotPermitted, InputError)):
        writeoffs.decide_writeoff(
            store, policy, Actor("boss", clock=lambda: NOW), request_id=request.id, approve=True
        )
    with store.read() as session:
        debt = session.get(Debt, "d1")
        assert debt is not None
        assert debt.balance > 0


def test_the_debtor_verified_on_this_call_is_not_recorded_dead_on_it(
    store: Store, policy: PolicyBook
) -> None:
    """DECEASED needs no ID&V and no date check: recorded on the very call where the debtor
    just passed ID&V, dated years ahead, it then bears out a deceased_no_estate write-off."""
    from drp_tui.services import calls
    from drp_tui.services.casework import Refused
    from tests.callhelp import verified_call

    call = verified_call(store, actor(), "c1")
    with pytest.raises(Refused, match="the debtor passed ID&V on this call"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("DECEASED", False, on=date(2030, 1, 1), reason="neighbour"),
            limits=policy.arrangements,
        )
    unverified = calls.open_call(store, actor(), "c1", "inbound").id
    with pytest.raises(InputError, match="a date of death cannot be after today"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=unverified,
            outcome=calls.Outcome("DECEASED", False, on=date(2030, 1, 1), reason="neighbour"),
            limits=policy.arrangements,
        )
    with pytest.raises((InputError, NotPermitted)):
        writeoffs.request_writeoff(
            store,
            policy,
            actor(),
            debt_reference="D1",
            reason_code="deceased_no_estate",
            amount=None,
            note="no estate",
            evidence={"date_of_death": "2030-01-01", "estate_checked": "probate search"},
        )


def test_two_requests_on_one_debt_cannot_write_off_more_than_it_owes(
    store: Store, policy: PolicyBook
) -> None:
    ask = {"amount": None, "note": "small balance", "reason_code": "uneconomic"}
    first = writeoffs.request_writeoff(store, policy, actor(), debt_reference="D1", **ask)  # type: ignore[arg-type]
    second = writeoffs.request_writeoff(store, policy, actor(), debt_reference="D1", **ask)  # type: ignore[arg-type]
    boss = Actor("boss", clock=lambda: NOW)
    writeoffs.decide_writeoff(store, policy, boss, request_id=first.id, approve=True)
    with contextlib.suppress(InputError, NotPermitted):
        writeoffs.decide_writeoff(store, policy, boss, request_id=second.id, approve=True)
    with store.read() as session:
        debt = session.get(Debt, "d1")
        assert debt is not None
        assert debt.balance >= 0
