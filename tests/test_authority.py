"""A third party with recorded authority (name, relationship, what they may do, until when) may
stand for the debtor on a call, as far as that authority goes: "discuss" lets them hear the
account detail, "arrange" lets them agree payment. A record, not a note; the services, the
CLI and the workstation all judge a call by it."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from drp_tui.cli.main import app
from drp_tui.domain.calls import CALL_ACTIONS, call_refusal, standing
from drp_tui.domain.errors import InputError
from drp_tui.services import authority, calls
from drp_tui.services.caseview import case_view
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Case, Person
from tests.callhelp import verified_call
from tests.sealed import opened
from tests.test_casework import NOW, actor, one_case_store

TODAY = NOW.date()
runner = CliRunner()


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return one_case_store(tmp_path)


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return sqlite3.connect(store.path).execute(sql).fetchall()


def sam(
    store: Store, scope: tuple[str, ...], until: date | None = None, who: Actor | None = None
) -> str:
    found = authority.record_authority(
        store,
        who or actor(),
        case_id="c1",
        name="Sam Smith",
        relationship="partner",
        scope=scope,
        until=until,
        consent="written",
        consent_ref="SF-1",
    )
    return found.id


def authorised_call(store: Store, authority_id: str) -> str:
    call = calls.open_call(store, actor(), "c1", "inbound")
    result = calls.record_idv(
        store,
        actor(),
        call_id=call.id,
        passed_checks=frozenset({"date_of_birth", "postcode"}),
        third_party=True,
        authority_id=authority_id,
    )
    assert result == "authorised"
    return call.id


def promise(store: Store, policy: PolicyBook, call_id: str) -> None:
    calls.make_promise(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        call_id=call_id,
        amount=Decimal("50"),
        due_on=TODAY + timedelta(days=7),
        limits=policy.arrangements,
    )


def test_an_authority_is_a_record_with_its_event(store: Store) -> None:
    recorded = authority.record_authority(
        store,
        actor(),
        case_id="c1",
        name="  Sam Smith ",
        relationship="partner",
        scope=("arrange", "discuss", "discuss"),
        until=date(2027, 5, 31),
        consent="lpa",
        consent_ref="LPA 7000-1234-5678",
    )
    assert (recorded.name, recorded.relationship, recorded.scope, recorded.until) == (
        "Sam Smith",
        "partner",
        ("discuss", "arrange"),
        date(2027, 5, 31),
    )
    assert rows(store, "SELECT person_id, name, relationship, scope, until, recorded_by "
                "FROM thirdpartyauthority") == [
        ("p1", "Sam Smith", "partner", '["discuss","arrange"]', "2027-05-31", "asmith")
    ]  # fmt: skip
    kind, payload = rows(store, "SELECT kind, payload FROM event")[-1]
    assert kind == "authority.recorded"
    assert opened(store, payload) == {
        "authority": recorded.id,
        "name": "Sam Smith",
        "relationship": "partner",
        "scope": ["discuss", "arrange"],
        "until": "2027-05-31",
        "consent": "lpa",
        "consent_ref": "LPA 7000-1234-5678",
    }


@pytest.mark.parametrize(
    ("name", "relationship", "scope", "until", "message"),
    [
        (" ", "partner", ("discuss",), None, "name: say who the third party is"),
        ("Sam Smith", "", ("discuss",), None, "relationship: say how Sam Smith is related"),
        ("Sam Smith", "partner", (), None, "may: say what they may do: discuss, arrange"),
        ("Sam Smith", "partner", ("pay",), None, "may: 'pay' is not one of discuss, arrange"),
        ("Sam Smith", "partner", ("discuss",), date(2026, 11, 22), "until: 2026-11-22 is past"),
    ],
)
def test_bad_authority_is_one_line_and_nothing_written(
    store: Store,
    name: str,
    relationship: str,
    scope: tuple[str, ...],
    until: date | None,
    message: str,
) -> None:
    before = rows(store, "SELECT count(*) FROM event")
    with pytest.raises(InputError) as raised:
        authority.record_authority(
            store,
            actor(),
            case_id="c1",
            name=name,
            relationship=relationship,
            scope=scope,
            until=until,
            consent="written",
            consent_ref="SF-1",
        )
    assert str(raised.value).startswith(message)
    assert "\n" not in str(raised.value)
    assert rows(store, "SELECT count(*) FROM thirdpartyauthority") == [(0,)]
    assert rows(store, "SELECT count(*) FROM event") == before


@pytest.mark.parametrize(
    ("idv_result", "scope", "may"),
    [
        ("passed", (), {"discuss", "arrange"}),
        ("authorised", ("discuss",), {"discuss"}),
        ("authorised", ("arrange", "pay"), {"arrange", "discuss"}),  # arranging needs the detail
        ("third_party", ("discuss", "arrange"), set()),
        ("failed", ("discuss", "arrange"), set()),
        ("not_attempted", (), set()),
    ],
)
def test_standing_is_what_the_person_on_the_line_may_do(
    idv_result: str, scope: tuple[str, ...], may: set[str]
) -> None:
    on_line = standing(idv_result, scope)
    assert on_line.may == may
    allowed = {a for a in CALL_ACTIONS if call_refusal(a, standing=on_line, holds=()) is None}
    expected = {"referral", "idv"}  # an ID&V check may be recorded on any live call
    expected |= {"affordability"} if "discuss" in may else set()
    expected |= {"promise", "arrangement"} if "arrange" in may else set()
    assert allowed == expected


def test_the_history_shows_who_was_given_authority_once_disclosed(
    store: Store, policy: PolicyBook
) -> None:
    sam(store, ("discuss",), until=date(2027, 5, 31))
    masked = case_view(store, policy, "c1", TODAY, calls.open_call(store, actor(), "c1", "q").id)
    assert "Sam Smith" not in str(masked.history)
    shown = case_view(store, policy, "c1", TODAY, verified_call(store, actor(), "c1"))
    given = [h.detail for h in shown.history if h.kind == "authority.recorded"]
    assert given == ["name Sam Smith, relationship partner"]


def test_authorities_in_force_on_a_date(store: Store) -> None:
    lasting = sam(store, ("discuss",))
    ending = sam(store, ("discuss", "arrange"), until=TODAY + timedelta(days=2))
    assert [a.id for a in authority.in_force(store, "c1", TODAY)] == [lasting, ending]
    assert [a.id for a in authority.in_force(store, "c1", TODAY + timedelta(days=2))] == [
        lasting,
        ending,
    ]
    assert [a.id for a in authority.in_force(store, "c1", TODAY + timedelta(days=3))] == [lasting]


def test_a_third_party_who_may_discuss_sees_the_account_but_may_not_agree_payment(
    store: Store, policy: PolicyBook
) -> None:
    call = authorised_call(store, sam(store, ("discuss",)))
    info = calls.call_info(store, call)
    assert info is not None
    assert info.disclosed
    assert info.standing.may == frozenset({"discuss"})
    assert info.authority is not None
    assert info.authority.name == "Sam Smith"
    view = case_view(store, policy, "c1", TODAY, call)
    assert view.verified
    assert view.balance == Decimal("600.00")
    with pytest.raises(Refused, match="authority does not let them agree payment"):
        promise(store, policy, call)
    with pytest.raises(Refused, match=r"PTP .* needs someone who may agree payment"):
        calls.record_outcome(
            store,
            actor(),
            policy.holds,
            policy.outcomes,
            call_id=call,
            outcome=calls.Outcome("PTP", True, amount=Decimal("50"), on=TODAY),
            limits=policy.arrangements,
        )
    assert rows(store, "SELECT count(*) FROM promise") == [(0,)]
    # A right-party outcome that talks about the debt is theirs to have.
    calls.record_outcome(
        store,
        actor(),
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("RPC", True),
        limits=policy.arrangements,
    )
    assert rows(store, "SELECT idv_result, authority_id IS NOT NULL FROM call") == [
        ("authorised", 1)
    ]
    assert rows(store, "SELECT outcome_code, idv_result FROM contactattempt") == [
        ("RPC", "authorised")
    ]


def test_a_third_party_who_may_arrange_may_agree_payment(store: Store, policy: PolicyBook) -> None:
    call = authorised_call(store, sam(store, ("discuss", "arrange")))
    promise(store, policy, call)
    assert rows(store, "SELECT count(*) FROM promise") == [(1,)]


def test_arrange_alone_includes_hearing_the_account(store: Store, policy: PolicyBook) -> None:
    """Agreeing payment on a debt means hearing what it is: an authority to arrange lets the
    third party see the account too (the builder is never given masked balances)."""
    call = authorised_call(store, sam(store, ("arrange",)))
    assert case_view(store, policy, "c1", TODAY, call).verified
    promise(store, policy, call)
    assert rows(store, "SELECT count(*) FROM promise") == [(1,)]


def test_a_third_party_without_authority_stands_for_nothing(
    store: Store, policy: PolicyBook
) -> None:
    call = calls.open_call(store, actor(), "c1", "inbound").id
    result = calls.record_idv(
        store, actor(), call_id=call, passed_checks=frozenset(), third_party=True
    )
    assert result == "third_party"
    info = calls.call_info(store, call)
    assert info is not None
    assert not info.disclosed
    assert info.standing.may == frozenset()
    with pytest.raises(Refused, match="third party is on the line"):
        promise(store, policy, call)


def test_an_expired_or_someone_elses_authority_is_refused(store: Store) -> None:
    expired = sam(store, ("discuss", "arrange"), until=TODAY)
    with store.write() as session:
        session.add(Person(id="p2", host_system="h", host_ref="P2", forename="Al", surname="X"))
        session.flush()
        session.add(Case(id="c2", reference="C0000002", person_id="p2", officer_id="asmith"))
    other = authority.record_authority(
        store,
        actor(),
        case_id="c2",
        name="Pat X",
        relationship="son",
        scope=("discuss",),
        until=None,
        consent="written",
        consent_ref="SF-2",
    ).id
    later = actor(NOW + timedelta(days=1))
    call = calls.open_call(store, later, "c1", "inbound").id
    for authority_id, message in (
        (expired, "authority: Sam Smith's authority ended on 2026-11-23"),
        (other, "authority: that authority is not for this debtor"),
        ("nope", "authority: no authority nope"),
    ):
        with pytest.raises(InputError) as raised:
            calls.record_idv(
                store,
                later,
                call_id=call,
                passed_checks=frozenset(),
                third_party=True,
                authority_id=authority_id,
            )
        assert str(raised.value) == message
    assert rows(store, f"SELECT idv_result FROM call WHERE id = '{call}'") == [("not_attempted",)]


def test_a_later_check_without_authority_drops_it(store: Store) -> None:
    call = authorised_call(store, sam(store, ("discuss", "arrange")))
    calls.record_idv(store, actor(), call_id=call, passed_checks=frozenset({"postcode"}))
    info = calls.call_info(store, call)
    assert info is not None
    assert (info.idv_result, info.authority) == ("failed", None)
    assert rows(store, "SELECT authority_id FROM call") == [(None,)]


# The command line goes through the same service.


def drp(monkeypatch: pytest.MonkeyPatch, store: Store, *args: str) -> Result:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    return runner.invoke(app, list(args))


def test_cli_adds_and_lists_authorities(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    added = drp(
        monkeypatch, store, "authority", "add", "c0000001", "--name", "Sam Smith",
        "--relationship", "partner", "--may", "discuss,arrange", "--until", "2027-05-31", "--json",
        "--consent", "written", "--consent-ref", "SF-1182",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    shown = json.loads(added.stdout)
    assert shown == {
        "id": shown["id"],
        "case": "C0000001",
        "name": "Sam Smith",
        "relationship": "partner",
        "may": ["discuss", "arrange"],
        "until": "2027-05-31",
        "recorded_by": "asmith",
        "recorded_at": shown["recorded_at"],
        "consent": "written",
        "consent_ref": "SF-1182",
        "ended_at": None,
        "end_reason": "",
    }
    plain = drp(
        monkeypatch, store, "authority", "add", "C0000001", "--name", "Pat Bloggs",
        "--relationship", "son", "--may", "discuss", "--consent", "deputy",
        "--consent-ref", "COP 1234",
    )  # fmt: skip
    assert plain.exit_code == 0, plain.stderr
    assert plain.stdout == "recorded on C0000001: Pat Bloggs (son) may discuss with no end date\n"
    listed = drp(monkeypatch, store, "authority", "list", "C0000001", "--json")
    assert listed.exit_code == 0, listed.stderr
    assert [
        (a["name"], a["may"], a["until"]) for a in json.loads(listed.stdout)["authorities"]
    ] == [
        ("Sam Smith", ["discuss", "arrange"], "2027-05-31"),
        ("Pat Bloggs", ["discuss"], None),
    ]
    table = drp(monkeypatch, store, "authority", "list", "C0000001")
    assert table.exit_code == 0, table.stderr
    assert "Sam Smith" in table.stdout
    assert "discuss, arrange" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--may", "pay"), "drp: --may: 'pay' is not one of discuss, arrange"),
        (("--may", "discuss", "--until", "2026-01-01"), "drp: --until: 2026-01-01 is past"),
        (("--may", "discuss", "--until", "soon"), "drp: --until:"),
        (("--may", "discuss", "--relationship", " "), "drp: --relationship: say how"),
    ],
)
def test_cli_bad_input_exits_2_with_one_line(
    store: Store, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], message: str
) -> None:
    result = drp(
        monkeypatch, store, "authority", "add", "C0000001", "--name", "Sam Smith",
        "--relationship", "partner", "--consent", "written", "--consent-ref", "SF-1", *args,
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.stderr.startswith(message)
    assert result.stderr.count("\n") == 1
    assert rows(store, "SELECT count(*) FROM thirdpartyauthority") == [(0,)]


def test_cli_unknown_case_exits_2(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    result = drp(monkeypatch, store, "authority", "list", "C9999999")
    assert result.exit_code == 2
    assert result.stderr == "drp: CASE: no case with reference 'C9999999'\n"
