"""Hostile review of issue 16 (round 16): an authority ended while a call already stands on
it must stop that call too; ending one is a decision about someone's case."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services import authority, calls
from drp_tui.services.caseview import CaseView  # noqa: F401  (the screen's view of the call)
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Officer
from tests.test_casework import NOW, actor, one_case_store

CHECKS = frozenset({"date_of_birth", "postcode"})


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return one_case_store(tmp_path)


def _standing_call(store: Store) -> tuple[str, str]:
    held = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=None,
        consent="written",
        consent_ref="SF-1",
    )
    call = calls.open_call(store, actor(), "c1", "inbound").id
    result = calls.record_idv(
        store, actor(), call_id=call, passed_checks=CHECKS, third_party=True, authority_id=held.id
    )
    assert result == "authorised"
    return held.id, call


def test_ending_an_authority_stops_the_call_standing_on_it(
    store: Store, policy: PolicyBook
) -> None:
    held, call = _standing_call(store)
    authority.end_authority(store, actor(), authority_id=held, reason="debtor withdrew consent")
    later = actor(NOW + timedelta(minutes=2))
    with pytest.raises((Refused, InputError)):
        calls.make_promise(
            store,
            later,
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("20"),
            due_on=date(2026, 11, 27),
        )


def test_ending_an_authority_masks_the_call_standing_on_it(store: Store) -> None:
    held, call = _standing_call(store)
    authority.end_authority(store, actor(), authority_id=held, reason="debtor withdrew consent")
    info = calls.call_info(store, call)
    assert info is not None
    assert not info.disclosed


def test_an_authority_past_its_last_day_stops_a_call_still_open(
    store: Store, policy: PolicyBook
) -> None:
    held = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=NOW.date(),
        consent="written",
        consent_ref="SF-1",
    )
    call = calls.open_call(store, actor(), "c1", "inbound").id
    calls.record_idv(
        store, actor(), call_id=call, passed_checks=CHECKS, third_party=True, authority_id=held.id
    )
    next_day = actor(NOW + timedelta(days=1))
    with pytest.raises((Refused, InputError)):
        calls.make_promise(
            store,
            next_day,
            policy.holds,
            limits=policy.arrangements,
            case_id="c1",
            call_id=call,
            amount=Decimal("20"),
            due_on=date(2026, 11, 28),
        )


def test_an_officer_may_not_end_an_authority_on_a_case_not_theirs(store: Store) -> None:
    held, _ = _standing_call(store)
    with store.write() as session:
        session.add(Officer(id="bjones", name="Bea Jones"))
    with pytest.raises(NotPermitted):
        authority.end_authority(
            store, Actor("bjones", clock=lambda: NOW), authority_id=held, reason="because"
        )


def test_end_takes_an_id_not_a_pattern(store: Store) -> None:
    _standing_call(store)
    with pytest.raises(InputError):
        authority.end_authority(store, actor(), authority_id="%", reason="wildcard")


def test_the_hub_does_not_bring_an_ended_authority_back(hub_address: str, tmp_path: Path) -> None:
    """A desk may send an authority's ending; it may not send it un-ended (a malicious
    insider clearing ended_at in their own store revives it for the whole team)."""
    from sqlalchemy import text

    from tests.hubteam import NOW as HUB_NOW
    from tests.hubteam import allocate, case_id, desk, run_sync, team_hub

    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    alex_now = Actor("asmith", clock=lambda: HUB_NOW)
    made = authority.record_authority(
        alex,
        alex_now,
        case_id=case_id(1),
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=None,
        consent="lpa",
        consent_ref="LPA 7000-1",
    )
    authority.end_authority(alex, alex_now, authority_id=made.id, reason="withdrawn")
    run_sync(alex, hub, "asmith")
    with alex.write() as session:
        session.execute(
            text("UPDATE thirdpartyauthority SET ended_at = NULL, ended_by = NULL, end_reason = ''")
        )
    run_sync(alex, hub, "asmith")
    with hub.read() as connection:
        assert connection.execute(text("SELECT end_reason FROM thirdpartyauthority")).all() == [
            ("withdrawn",)
        ]


def test_an_authority_recorded_before_domestic_abuse_was_known_needs_the_risk_confirmed(
    store: Store,
) -> None:
    """Recorded without a risk check (none was recorded then); domestic abuse recorded since:
    the caller still stands on it with only a warning in the dialog."""
    from drp_tui.services.casework import record_vulnerability

    held = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=None,
        consent="written",
        consent_ref="SF-1",
    )
    record_vulnerability(store, actor(), case_id="c1", category="Domestic abuse", consent=True)
    call = calls.open_call(store, actor(), "c1", "inbound").id
    with pytest.raises(InputError, match="domestic abuse is recorded on this case since"):
        calls.record_idv(
            store,
            actor(),
            call_id=call,
            passed_checks=CHECKS,
            third_party=True,
            authority_id=held.id,
        )


def test_risk_confirmed_must_say_something(store: Store) -> None:
    from drp_tui.services.casework import record_vulnerability

    record_vulnerability(store, actor(), case_id="c1", category="Domestic abuse", consent=True)
    with pytest.raises(NotPermitted):
        authority.record_authority(
            store,
            actor(),
            case_id="c1",
            name="Sam Smith",
            relationship="partner",
            scope=("discuss", "arrange"),
            until=None,
            consent="written",
            consent_ref="SF-1",
            risk_confirmed=".",
        )


def test_consent_given_on_a_call_whose_id_and_v_then_fails_does_not_stand(store: Store) -> None:
    """The 'debtor' passes, gives verbal consent for a partner, then fails a re-check on the
    same call (an impostor): the authority recorded on their word is still in force."""
    call = calls.open_call(store, actor(), "c1", "inbound").id
    calls.record_idv(store, actor(), call_id=call, passed_checks=CHECKS)
    held = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=None,
        consent="verbal",
        call_id=call,
    )
    calls.record_idv(store, actor(), call_id=call, passed_checks=frozenset())
    assert held.id not in [a.id for a in authority.in_force(store, "c1", NOW.date())]


def test_no_one_stands_on_an_authority_once_the_debtor_has_died(store: Store) -> None:
    """Consent (and a Lasting Power of Attorney) ends with the debtor's death: a caller who
    answers the dead debtor's checks still stands on it and hears the account."""
    from drp_tui.services.casework import record_death

    held = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="son",
        scope=("discuss", "arrange"),
        until=None,
        consent="lpa",
        consent_ref="LPA 7000-1",
    )
    record_death(store, actor(), case_id="c1", died_on=date(2026, 11, 20), source="probate")
    call = calls.open_call(store, actor(), "c1", "inbound").id
    with pytest.raises(InputError):
        calls.record_idv(
            store,
            actor(),
            call_id=call,
            passed_checks=CHECKS,
            third_party=True,
            authority_id=held.id,
        )


def test_a_dead_debtor_gives_no_verbal_consent(store: Store) -> None:
    from drp_tui.services.casework import record_death
    from tests.callhelp import verified_call

    record_death(store, actor(), case_id="c1", died_on=date(2026, 11, 20), source="probate")
    call = verified_call(store, actor(), "c1")  # 'the debtor' passes ID&V on a deceased case
    with pytest.raises((InputError, NotPermitted)):
        authority.record_authority(
            store,
            actor(),
            case_id="c1",
            name="Sam Smith",
            relationship="son",
            scope=("discuss", "arrange"),
            until=None,
            consent="verbal",
            call_id=call,
        )
