"""The officer's diary (issue 21): what is due on a day across the officer's own cases, each
entry dropping out once dealt with; another officer's diary only for supervisors."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services import calls
from drp_tui.services.casework import Actor
from drp_tui.services.diary import diary
from drp_tui.services.identity import set_store_kind
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import (
    Arrangement,
    BreathingSpace,
    Case,
    Instalment,
    Officer,
    Person,
    Promise,
    Vulnerability,
)

TODAY = date(2026, 11, 24)  # a Tuesday
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def diary_store(tmp_path: Path) -> Store:
    """asmith's cases C1..C9, each with one reason to be in the diary or not, and bmorgan's
    case C8 with a callback due today."""
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        session.add(Officer(id="asmith", name="Alex Smith"))
        session.add(Officer(id="bmorgan", name="Bea Morgan"))
        session.add(Officer(id="psharma", name="Priya Sharma", role="supervisor"))
        for n in range(1, 10):
            session.add(
                Person(
                    id=f"p{n}", host_system="h", host_ref=f"P{n}", forename="Jo", surname=f"N{n}"
                )
            )
        session.flush()
        for n in range(1, 10):
            officer = "bmorgan" if n == 8 else "asmith"
            session.add(Case(id=f"c{n}", reference=f"C{n}", person_id=f"p{n}", officer_id=officer))
        session.flush()
        # C1: a callback at 14:30 London time today; C8 (bmorgan's) one too.
        for case_id in ("c1", "c8"):
            session.get_one(Case, case_id).next_action_due = datetime(
                2026, 11, 24, 14, 30, tzinfo=UTC
            )
        # C9: a callback tomorrow: not today's business.
        session.get_one(Case, "c9").next_action_due = NOW + timedelta(days=1)
        made = NOW - timedelta(days=10)
        session.add(
            Promise(
                case_id="c2",
                officer_id="asmith",
                amount=Decimal("50"),
                due_on=TODAY,
                created_at=made,
            )
        )
        session.add(
            Promise(
                case_id="c3",
                officer_id="asmith",
                amount=Decimal("75"),
                due_on=TODAY - timedelta(days=1),
                status="broken",
                created_at=made,
            )
        )
        session.add(  # next week's promise: not today's
            Promise(
                case_id="c9",
                officer_id="asmith",
                amount=Decimal("20"),
                due_on=TODAY + timedelta(days=7),
                created_at=made,
            )
        )
        session.add(
            Arrangement(
                id="a4",
                case_id="c4",
                officer_id="asmith",
                total=Decimal("300"),
                frequency="monthly",
                created_at=made,
            )
        )
        session.flush()
        session.add(
            Instalment(
                arrangement_id="a4",
                number=1,
                due_on=TODAY - timedelta(days=3),
                amount=Decimal("100"),
                paid=Decimal("40"),
            )
        )
        session.add(
            Instalment(
                arrangement_id="a4",
                number=2,
                due_on=TODAY + timedelta(days=27),
                amount=Decimal("100"),
            )
        )
        session.add(
            Vulnerability(person_id="p5", category="mental_health", consent=True, review_on=TODAY)
        )
        # C6: standard Breathing Space whose first day was 56 days ago: its 60th day is in 3.
        session.add(
            BreathingSpace(person_id="p6", kind="breathing_space", start=TODAY - timedelta(days=56))
        )
        case7 = session.get_one(Case, "c7")
        case7.hold_kind, case7.hold_reason = "dispute", "says the liability order was paid"
    set_store_kind(store, "training")  # tests pick the officer and pin the clock
    return store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return diary_store(tmp_path)


def test_the_diary_lists_what_is_due_today_on_the_officers_own_cases(
    store: Store, policy: PolicyBook
) -> None:
    entries = diary(store, policy, "asmith", "asmith", TODAY)
    assert [(e.reference, e.kind) for e in entries] == [
        ("C1", "callback"),
        ("C2", "promise_due"),
        ("C3", "promise_broken"),
        ("C4", "instalment_missed"),
        ("C5", "vulnerability_review"),
        ("C6", "breathing_space_ending"),
        ("C7", "dispute"),
    ]
    by_case = {e.reference: e for e in entries}
    assert by_case["C1"].detail == ""
    assert by_case["C1"].at == time(14, 30)
    assert by_case["C2"].detail == "£50.00"
    assert by_case["C6"].detail == "last day Fri 27 Nov"
    assert by_case["C7"].detail == "says the liability order was paid"
    assert by_case["C3"].detail == "£75.00 due 23 Nov"
    assert by_case["C4"].detail == "£60.00 short, due 21 Nov"
    assert by_case["C6"].due == TODAY + timedelta(days=3)
    assert by_case["C1"].name == "Jo N1"
    assert by_case["C1"].reason == "diary: callback due"


def test_a_follow_up_leaves_the_diary_once_the_case_is_called(
    store: Store, policy: PolicyBook
) -> None:
    actor = Actor("asmith", clock=lambda: NOW)
    for case_id in ("c3", "c4"):
        calls.open_call(store, actor, case_id, "diary: follow up")
    kinds = [e.kind for e in diary(store, policy, "asmith", "asmith", TODAY)]
    assert "promise_broken" not in kinds
    assert "instalment_missed" not in kinds
    assert "callback" in kinds  # not called yet


def test_another_officers_diary_is_for_supervisors(store: Store, policy: PolicyBook) -> None:
    with pytest.raises(NotPermitted, match="for supervisors"):
        diary(store, policy, "asmith", "bmorgan", TODAY)
    assert [e.reference for e in diary(store, policy, "psharma", "bmorgan", TODAY)] == ["C8"]
    with pytest.raises(InputError, match="ghost"):
        diary(store, policy, "psharma", "ghost", TODAY)


def test_tomorrows_diary_shows_tomorrows_callback(store: Store, policy: PolicyBook) -> None:
    tomorrow = diary(store, policy, "asmith", "asmith", TODAY + timedelta(days=1))
    assert ("C9", "callback") in [(e.reference, e.kind) for e in tomorrow]
    # Yesterday's callback not yet made is still there, marked overdue.
    overdue = [e for e in tomorrow if e.reference == "C1"]
    assert overdue
    assert overdue[0].overdue(TODAY + timedelta(days=1))
    assert overdue[0].detail == "overdue since Tue 24 Nov"


def run_cli(
    store: Store, monkeypatch: pytest.MonkeyPatch, officer: str, *args: str
) -> tuple[int, str]:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", officer)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = CliRunner().invoke(app, ["diary", *args])
    return result.exit_code, result.output


def test_drp_diary_json(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_cli(store, monkeypatch, "asmith", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["officer"] == "asmith"
    assert doc["on"] == "2026-11-24"
    assert doc["entries"][0] == {
        "kind": "callback",
        "label": "Callback due",
        "reference": "C1",
        "name": "Jo N1",
        "due": "2026-11-24",
        "at": "14:30",
        "overdue": False,
        "detail": "",
    }
    assert len(doc["entries"]) == 7


def test_drp_diary_table_and_refusals(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = run_cli(store, monkeypatch, "asmith")
    assert code == 0, out
    assert "Callback due" in out
    assert "C7" in out
    assert "Dispute awaiting an answer" in out
    code, out = run_cli(store, monkeypatch, "asmith", "--officer", "bmorgan")
    assert code == 1
    assert "for supervisors" in out
    assert "Traceback" not in out
    code, out = run_cli(store, monkeypatch, "asmith", "--on", "2026-02-31")
    assert code == 2
    assert "--on" in out
    code, out = run_cli(store, monkeypatch, "psharma", "--officer", "bmorgan", "--json")
    assert code == 0
    assert [e["reference"] for e in json.loads(out)["entries"]] == ["C8"]
