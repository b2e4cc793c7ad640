"""An authority for a third party is only as good as the debtor's consent behind it. Found by a
hostile review: an officer could record one and use it at once with no evidence of consent,
no check of who was calling, no warning on a domestic-abuse case, and on a case not theirs;
none could be ended early. The services refuse each, and audit the refusal."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services import authority, calls
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Officer, Vulnerability
from tests.callhelp import verified_call
from tests.sealed import opened
from tests.test_casework import NOW, actor, one_case_store

TODAY = NOW.date()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return one_case_store(tmp_path)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return sqlite3.connect(store.path).execute(sql).fetchall()


def record(store: Store, who: str = "asmith", **given: Any) -> authority.Authority:
    fields: dict[str, Any] = {
        "case_id": "c1",
        "name": "Sam Smith",
        "relationship": "partner",
        "scope": ("discuss", "arrange"),
        "until": None,
        "consent": "written",
        "consent_ref": "signed form SF-1182",
    }
    fields.update(given)
    return authority.record_authority(store, Actor(who, clock=lambda: NOW), **fields)


def refusals(store: Store) -> list[str]:
    return [
        opened(store, payload)["reason"]
        for (payload,) in rows(store, "SELECT payload FROM event WHERE kind = 'action.refused'")
    ]


def test_consent_is_a_kind_and_its_evidence(store: Store) -> None:
    made = record(store)
    assert (made.consent, made.consent_ref) == ("written", "signed form SF-1182")
    assert rows(store, "SELECT consent, consent_ref FROM thirdpartyauthority") == [
        ("written", "signed form SF-1182")
    ]
    payload = json.loads(rows(store, "SELECT payload FROM event")[-1][0])
    assert (payload["consent"], payload["consent_ref"]) == ("written", "signed form SF-1182")


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"consent": ""}, "consent: say how the debtor gave consent: verbal, written, lpa"),
        ({"consent": "trust me"}, "consent: 'trust me' is not one of verbal, written, lpa"),
        ({"consent_ref": " "}, "consent_ref: written consent needs its reference"),
        ({"consent": "lpa", "consent_ref": ""}, "consent_ref: lpa consent needs its reference"),
        ({"consent": "verbal", "consent_ref": ""}, "call: verbal consent is given by the debtor"),
    ],
)
def test_no_authority_without_evidence_of_consent(
    store: Store, given: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as raised:
        record(store, **given)
    assert str(raised.value).startswith(message)
    assert rows(store, "SELECT count(*) FROM thirdpartyauthority") == [(0,)]


def test_verbal_consent_is_the_verified_debtor_on_this_call(store: Store) -> None:
    unverified = calls.open_call(store, actor(), "c1", "queue").id
    with pytest.raises(InputError, match="call: verbal consent is given by the debtor"):
        record(store, consent="verbal", consent_ref="", call_id=unverified)
    calls.leave_call(store, actor(), unverified)
    call = verified_call(store, actor(), "c1")
    made = record(store, consent="verbal", consent_ref="", call_id=call)
    assert made.consent == "verbal"
    assert rows(store, "SELECT call_id FROM thirdpartyauthority") == [(call,)]


def test_a_third_party_cannot_give_themselves_authority(store: Store) -> None:
    first = record(store, scope=("discuss",))
    call = calls.open_call(store, actor(), "c1", "inbound").id
    calls.record_idv(
        store,
        actor(),
        call_id=call,
        passed_checks=frozenset({"date_of_birth", "postcode"}),
        third_party=True,
        authority_id=first.id,
    )
    with pytest.raises(InputError, match="verbal consent is given by the debtor"):
        record(store, name="Sam Smith", consent="verbal", consent_ref="", call_id=call)


def test_the_caller_must_answer_the_checks_to_stand_on_an_authority(store: Store) -> None:
    held = record(store)
    call = calls.open_call(store, actor(), "c1", "inbound").id
    result = calls.record_idv(
        store,
        actor(),
        call_id=call,
        passed_checks=frozenset({"postcode"}),
        third_party=True,
        authority_id=held.id,
    )
    assert result == "third_party"
    assert rows(store, "SELECT idv_result, authority_id FROM call") == [("third_party", None)]
    result = calls.record_idv(
        store,
        actor(),
        call_id=call,
        passed_checks=frozenset({"postcode", "account_reference"}),
        third_party=True,
        authority_id=held.id,
    )
    assert result == "authorised"


def test_a_case_not_yours_is_refused_and_audited(store: Store) -> None:
    with store.write() as session:
        session.add(Officer(id="bjones", name="Bea Jones"))
        session.add(Officer(id="csup", name="Cal Sup", role="supervisor"))
    with pytest.raises(NotPermitted, match="C0000001 is Alex Smith's case"):
        record(store, who="bjones")
    assert rows(store, "SELECT count(*) FROM thirdpartyauthority") == [(0,)]
    assert refusals(store) == [
        "third-party authority: C0000001 is Alex Smith's case; ask them or a supervisor"
    ]
    assert record(store, who="csup").recorded_by == "csup"


def test_a_domestic_abuse_case_needs_the_risk_confirmed(store: Store) -> None:
    with store.write() as session:
        session.add(Vulnerability(id="v1", person_id="p1", category="Domestic abuse", consent=True))
    with pytest.raises(NotPermitted, match="domestic abuse is recorded on this case"):
        record(store)
    assert rows(store, "SELECT count(*) FROM thirdpartyauthority") == [(0,)]
    assert refusals(store)[0].startswith("third-party authority: domestic abuse is recorded")
    made = record(store, risk_confirmed="debtor called alone from a safe number, asked for it")
    payload = opened(store, rows(store, "SELECT payload FROM event")[-1][0])
    assert payload["risk_confirmed"] == "debtor called alone from a safe number, asked for it"
    assert payload["risks"] == ["Domestic abuse"]
    assert authority.third_party_risks(store, "c1") == ("Domestic abuse",)
    assert made.id


def test_an_authority_ended_early_no_longer_stands(store: Store, policy: PolicyBook) -> None:
    held = record(store)
    with pytest.raises(InputError, match="reason: say why"):
        authority.end_authority(store, actor(), authority_id=held.id, reason=" ")
    ended = authority.end_authority(
        store, actor(), authority_id=held.id[:8], reason="debtor withdrew consent by phone"
    )
    assert not ended.in_force(TODAY)
    assert [a.id for a in authority.in_force(store, "c1", TODAY)] == []
    assert rows(store, "SELECT ended_by, end_reason FROM thirdpartyauthority") == [
        ("asmith", "debtor withdrew consent by phone")
    ]
    assert "authority.ended" in [k for (k,) in rows(store, "SELECT kind FROM event")]
    call = calls.open_call(store, actor(NOW + timedelta(minutes=5)), "c1", "inbound").id
    with pytest.raises(InputError, match="Sam Smith's authority was ended"):
        calls.record_idv(
            store,
            actor(NOW + timedelta(minutes=5)),
            call_id=call,
            passed_checks=frozenset({"postcode", "date_of_birth"}),
            third_party=True,
            authority_id=held.id,
        )
    with pytest.raises(InputError, match="already ended"):
        authority.end_authority(store, actor(), authority_id=held.id, reason="again")


def test_the_workstation_asks_before_opening_the_form(store: Store) -> None:
    """The same rule the service applies at save, asked first: the debtor verified on this
    call, on a case the officer may record it on."""
    call = calls.open_call(store, actor(), "c1", "queue").id
    assert authority.recording_refusal(store, actor(), "c1", call) == (
        "the debtor gives consent themselves: they must pass ID&V on this call first "
        "(or record a consent document with `drp authority add`)"
    )
    calls.leave_call(store, actor(), call)
    call = verified_call(store, actor(), "c1")
    assert authority.recording_refusal(store, actor(), "c1", call) is None
    with store.write() as session:
        session.add(Officer(id="bjones", name="Bea Jones"))
    other = Actor("bjones", clock=lambda: NOW)
    assert authority.recording_refusal(store, other, "c1", call) == (
        "C0000001 is Alex Smith's case; ask them or a supervisor"
    )
