"""A call is a record of its own: ID&V belongs to it, nothing is disclosed or agreed before
it passes, holds refuse up front, and the outcome's effects come from outcome_codes.toml.
The workstation and every other caller go through these same service functions."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.domain.outcomes import load_outcomes
from drp_tui.domain.schedule import build_schedule
from drp_tui.services import calls, casework
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.caseview import NOT_DISCLOSED, case_view
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from tests.callhelp import PASS
from tests.callhelp import verified_call as call_on
from tests.test_casework import NOW, actor, one_case_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return one_case_store(tmp_path)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return sqlite3.connect(store.path).execute(sql).fetchall()


def verified_call(store: Store, who: Actor | None = None) -> str:
    """A call on c1 with ID&V passed on it."""
    return call_on(store, who or actor(), "c1")


def test_id_and_v_belongs_to_the_call_not_the_day(store: Store, policy: PolicyBook) -> None:
    first = verified_call(store)
    assert case_view(store, policy, "c1", NOW.date(), first).verified
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=first,
        outcome=calls.Outcome("RPC", True),
        limits=policy.arrangements,
    )
    # A new call 45 minutes later starts masked: nothing from the earlier call carries over.
    later = actor(NOW + timedelta(minutes=45))
    second = calls.open_call(store, later, "c1", "queue")
    view = case_view(store, policy, "c1", NOW.date(), second.id)
    assert not view.verified
    assert view.balance is None
    assert all(d.balance is None and d.costs is None and not d.amounts for d in view.debts)
    # A failed or third-party check on the same call masks it again.
    calls.record_idv(store, later, call_id=second.id, passed_checks=PASS)
    assert case_view(store, policy, "c1", NOW.date(), second.id).verified
    calls.record_idv(store, later, call_id=second.id, passed_checks=frozenset({"postcode"}))
    assert not case_view(store, policy, "c1", NOW.date(), second.id).verified
    calls.record_idv(store, later, call_id=second.id, passed_checks=PASS, third_party=True)
    assert not case_view(store, policy, "c1", NOW.date(), second.id).verified


def test_nothing_is_disclosed_before_id_and_v(store: Store, policy: PolicyBook) -> None:
    call = verified_call(store)
    calls.make_promise(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        call_id=call,
        amount=Decimal("50"),
        due_on=date(2026, 11, 30),
        limits=policy.arrangements,
    )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("RPC", True),
        limits=policy.arrangements,
    )
    masked = case_view(
        store, policy, "c1", NOW.date(), calls.open_call(store, actor(), "c1", "queue").id
    )
    assert masked.name == "J. B."
    assert masked.date_of_birth is None
    assert masked.address == ""
    assert masked.history
    assert {line.detail for line in masked.history} == {NOT_DISCLOSED}
    shown = case_view(store, policy, "c1", NOW.date(), call)
    assert any("amount 50.00" in line.detail for line in shown.history)
    assert shown.name == "Jo Bloggs"
    # No call at all (a read ahead of Enter) is masked too.
    assert case_view(store, policy, "c1", NOW.date()).balance is None


@pytest.mark.parametrize("idv", ["none", "failed", "third_party"])
def test_no_promise_arrangement_or_right_party_outcome_without_id_and_v(
    store: Store, policy: PolicyBook, idv: str
) -> None:
    call = calls.open_call(store, actor(), "c1", "queue")
    if idv != "none":
        calls.record_idv(
            store,
            actor(),
            call_id=call.id,
            passed_checks=frozenset({"postcode"}),
            third_party=idv == "third_party",
        )
    with pytest.raises(Refused, match="promise to pay refused"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call.id,
            amount=Decimal("50"),
            due_on=date(2026, 11, 30),
            limits=policy.arrangements,
        )
    schedule = build_schedule(
        policy.arrangements,
        total=Decimal("600"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        count=3,
        debt_type="council_tax",
    )
    with pytest.raises(Refused, match="arrangement refused"):
        make_arrangement(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call.id,
            debt_ids=["d1"],
            schedule=schedule,
            frequency="monthly",
            apply_order=("council_tax",),
        )
    for code in ("RPC", "PTP", "ARR"):
        with pytest.raises(Refused, match="needs ID&V passed on this call"):
            calls.record_outcome(
                store,
                actor(),
                policy.holds,
                policy.outcomes,
                call_id=call.id,
                outcome=calls.Outcome(code, True, amount=Decimal(5), on=date(2026, 11, 30)),
                limits=policy.arrangements,
            )
    assert rows(store, "SELECT count(*) FROM promise") == [(0,)]
    assert rows(store, "SELECT count(*) FROM arrangement") == [(0,)]
    assert rows(store, "SELECT count(*) FROM contactattempt") == [(0,)]
    refused = rows(store, "SELECT count(*) FROM event WHERE kind = 'action.refused'")
    assert refused == [(5,)]  # every attempt is in the audit trail
    # The call ends honestly: a failed check is stored as failed, never "not attempted".
    code = "TPC" if idv == "third_party" else "RPC-IDV-FAIL" if idv == "failed" else "NA"
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call.id,
        outcome=calls.Outcome(code, False),
        limits=policy.arrangements,
    )
    stored = {"none": "not_attempted", "failed": "failed", "third_party": "third_party"}[idv]
    assert rows(store, "SELECT outcome_code, idv_result FROM contactattempt") == [(code, stored)]
    assert rows(store, "SELECT status FROM call") == [("ended",)]


def test_a_call_is_ended_once_and_only_by_its_officer(store: Store, policy: PolicyBook) -> None:
    call = verified_call(store)
    with store.write() as session:
        from drp_tui.store.models import Officer

        session.add(Officer(id="bjones", name="Bo Jones"))
    with pytest.raises(InputError, match="no call of yours"):
        calls.record_outcome(
            store,
            Actor("bjones", clock=lambda: NOW),
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("RPC", True),
            limits=policy.arrangements,
        )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("RPC", True),
        limits=policy.arrangements,
    )
    with pytest.raises(InputError, match="has ended"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call,
            amount=Decimal("5"),
            due_on=date(2026, 11, 30),
            limits=policy.arrangements,
        )


def test_a_hold_refuses_a_promise_even_with_id_and_v(store: Store, policy: PolicyBook) -> None:
    casework.record_breathing_space(
        store, actor(), case_id="c1", kind="breathing_space", start=date(2026, 11, 1)
    )
    call = verified_call(store)
    with pytest.raises(Refused, match="Breathing Space"):
        calls.make_promise(
            store,
            actor(),
            policy.holds,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=date(2026, 11, 30),
            limits=policy.arrangements,
        )
    with pytest.raises(Refused, match="Breathing Space"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("PTP", True, amount=Decimal(5), on=date(2026, 11, 30)),
            limits=policy.arrangements,
        )
    assert rows(store, "SELECT count(*) FROM promise") == [(0,)]


def test_leaving_a_call_nothing_happened_on_is_not_dialled(
    store: Store, policy: PolicyBook
) -> None:
    call = calls.open_call(store, actor(), "c1", "queue")
    assert calls.open_calls(store, "asmith") == [calls.call_info(store, call.id)]
    assert calls.leave_call(store, actor(), call.id)
    assert rows(store, "SELECT status FROM call") == [("not_dialled",)]
    assert rows(store, "SELECT count(*) FROM contactattempt") == [(0,)]
    assert calls.open_calls(store, "asmith") == []
    # Once anything is recorded on a call it needs an outcome to be left.
    worked = calls.open_call(store, actor(), "c1", "queue")
    calls.record_idv(store, actor(), call_id=worked.id, passed_checks=frozenset())
    assert not calls.leave_call(store, actor(), worked.id)
    assert [c.id for c in calls.open_calls(store, "asmith")] == [worked.id]


def test_outcome_effects_come_from_the_policy_table(store: Store, policy: PolicyBook) -> None:
    call = verified_call(store)
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("DISPUTE", True, reason="says it was paid"),
        limits=policy.arrangements,
    )
    assert rows(store, 'SELECT hold_kind FROM "case"') == [("dispute",)]
    code = policy.outcomes.code("DISPUTE", NOW.date())
    assert code.effects == ("dispute_hold",)
    assert code.idv == "passed"


def test_outcome_codes_are_validated_at_start(tmp_path: Path) -> None:
    row = {
        "code": "PTP2",
        "name": "Promise",
        "effective_from": date(2021, 1, 1),
        "source": "x",
        "class": "success",
        "right_party": True,
        "idv": "passed",
        "needs": ["amount"],
        "effects": ["promise"],
    }
    with pytest.raises(PolicyError, match="effect 'promise' needs date"):
        load_outcomes({"code": [row]}, "outcome_codes.toml")
    no_idv = {k: v for k, v in row.items() if k != "idv"} | {"needs": ["amount", "date"]}
    with pytest.raises(PolicyError, match="must say the ID&V"):
        load_outcomes({"code": [no_idv]}, "x.toml")
    with pytest.raises(PolicyError, match="unknown launch_rocket"):
        load_outcomes({"code": [{**row, "effects": ["launch_rocket"]}]}, "x.toml")


def test_promise_in_the_outcome_uses_the_calls_own_id_and_v(
    store: Store, policy: PolicyBook
) -> None:
    call = verified_call(store)
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("PTP", True, amount=Decimal("20"), on=date(2026, 11, 27)),
        limits=policy.arrangements,
    )
    assert rows(store, "SELECT idv_result, right_party FROM contactattempt") == [("passed", 1)]
    assert rows(store, "SELECT amount FROM promise") == [(2000,)]


def test_arr_needs_an_arrangement_made_on_the_call_and_holds_refuse_arr_and_paid(
    store: Store, policy: PolicyBook
) -> None:
    """Review of issue 16: ARR was saved with no arrangement, and ARR and PAID were accepted
    on a Breathing Space case."""
    call = verified_call(store)
    with pytest.raises(Refused, match="no arrangement was made on this call"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("ARR", True),
            limits=policy.arrangements,
        )
    casework.record_breathing_space(
        store, actor(), case_id="c1", kind="breathing_space", start=date(2026, 11, 1)
    )
    for code in ("ARR", "PAID"):
        with pytest.raises(Refused, match="Breathing Space"):
            calls.record_outcome(
                store,
                actor(),
                policy.holds,
                policy.outcomes,
                call_id=call,
                outcome=calls.Outcome(code, True, amount=Decimal("10")),
                limits=policy.arrangements,
            )
    assert rows(store, "SELECT count(*) FROM contactattempt") == [(0,)]


def test_a_right_party_code_with_a_third_party_on_the_line_is_not_a_right_party_contact(
    store: Store, policy: PolicyBook
) -> None:
    """Review of issue 16: RPC with an authorised third party was stored as right_party=1."""
    from drp_tui.services.authority import record_authority

    authority = record_authority(
        store,
        actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=("discuss",),
        until=None,
        consent="written",
        consent_ref="SF-1",
    )
    call = calls.open_call(store, actor(), "c1", "inbound")
    calls.record_idv(
        store,
        actor(),
        call_id=call.id,
        passed_checks=frozenset({"postcode", "date_of_birth"}),
        third_party=True,
        authority_id=authority.id,
    )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call.id,
        outcome=calls.Outcome("RPC", True),
        limits=policy.arrangements,
    )
    assert rows(store, "SELECT right_party, idv_result FROM contactattempt") == [(0, "authorised")]


def test_a_call_cut_off_by_a_crash_is_finished_only_never_worked_on(
    store: Store, policy: PolicyBook
) -> None:
    """Review of issue 16: a call left open by a kill kept its ID&V, and days later the case
    showed unmasked and took a promise. On the next start it is interrupted: masked, no new
    agreements or ID&V, and only its outcome (with what it established) may be recorded."""
    call = verified_call(store)
    later = actor(NOW + timedelta(days=3))
    assert [c.id for c in calls.interrupt_open_calls(store, later)] == [call]
    view = case_view(store, policy, "c1", NOW.date() + timedelta(days=3), call)
    assert not view.verified
    assert view.balance is None
    with pytest.raises(Refused, match="cut off"):
        calls.make_promise(
            store,
            later,
            policy.holds,
            case_id="c1",
            call_id=call,
            amount=Decimal("50"),
            due_on=date(2026, 12, 10),
            limits=policy.arrangements,
        )
    with pytest.raises(InputError, match="cut off"):
        calls.record_idv(store, later, call_id=call, passed_checks=PASS)
    with pytest.raises(Refused, match="cut off"):
        calls.record_outcome(
            store,
            later,
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("PTP", True, amount=Decimal("50"), on=date(2026, 12, 10)),
            limits=policy.arrangements,
        )
    calls.record_outcome(
        store,
        later,
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("RPC", True, notes="cut off mid-call"),
        limits=policy.arrangements,
    )
    assert rows(store, "SELECT status FROM call") == [("ended",)]
    assert rows(store, "SELECT outcome_code, idv_result FROM contactattempt") == [("RPC", "passed")]
    assert rows(store, "SELECT count(*) FROM promise") == [(0,)]


def test_a_no_one_answered_code_is_refused_once_someone_was_checked(
    store: Store, policy: PolicyBook
) -> None:
    """Review of issue 16: after a failed ID&V, "NA · No answer" was accepted, a record that
    contradicts itself (someone answered)."""
    call = calls.open_call(store, actor(), "c1", "queue")
    calls.record_idv(store, actor(), call_id=call.id, passed_checks=frozenset({"postcode"}))
    for code in ("NA", "BUSY", "VM", "ABANDONED"):
        with pytest.raises(Refused, match="no one was spoken to"):
            calls.record_outcome(
                store,
                actor(),
                policy.holds,
                policy.outcomes,
                call_id=call.id,
                outcome=calls.Outcome(code, False, reason="line dropped"),
                limits=policy.arrangements,
            )
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call.id,
        outcome=calls.Outcome("RPC-IDV-FAIL", True),
        limits=policy.arrangements,
    )
    assert rows(store, "SELECT outcome_code, right_party, idv_result FROM contactattempt") == [
        ("RPC-IDV-FAIL", 0, "failed")
    ]
