"""Complaints (issue 21): recorded by whoever takes them, reply due in working days by the
stage's policy (bank holidays skipped), recovery paused while open, moved on a stage or closed
by the case's officer or a supervisor, in the diary and in `drp report complaints`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.complaints import reply_due
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.diary import diary
from drp_tui.services.placements import place_with_agency
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Debt, Event
from tests.test_diary import NOW, TODAY, diary_store


def test_the_reply_due_skips_weekends_and_bank_holidays() -> None:
    # Friday 20 Nov 2026 + 10 working days: two weekends, no holiday.
    assert reply_due(date(2026, 11, 20), 10) == date(2026, 12, 4)
    # Wednesday 23 Dec 2026 + 10: Christmas Day (Fri), Boxing Day's substitute (Mon 28 Dec)
    # and New Year's Day (Fri 1 Jan 2027) are not working days.
    assert reply_due(date(2026, 12, 23), 10) == date(2027, 1, 11)
    assert reply_due(date(2026, 12, 23), 10, "wales") == date(2027, 1, 11)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = diary_store(tmp_path)
    with store.write() as session:
        session.add(Agency(id="ea1", name="Bailiffs Ltd", kind="enforcement_agent"))
        session.add(
            Debt(
                id="d1",
                host_system="h",
                host_ref="CT1",
                case_id="c1",
                debt_type="council_tax",
                original_amount=Decimal("900"),
                balance=Decimal("600.00"),
                stage="liability_order",
            )
        )
    return store


def drp(store: Store, monkeypatch: pytest.MonkeyPatch, officer: str, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", officer)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def add(store: Store, monkeypatch: pytest.MonkeyPatch, *extra: str) -> dict[str, object]:
    code, out = drp(
        store,
        monkeypatch,
        "asmith",
        "complaint",
        "add",
        "--case",
        "c1",
        "--summary",
        "Bailiff letter sent after I paid",
        "--received",
        "2026-11-16",
        "--channel",
        "letter",
        "--json",
        *extra,
    )
    assert code == 0, out
    doc: dict[str, object] = json.loads(out)
    return doc


def test_a_complaint_is_recorded_with_its_reply_due_and_pauses_recovery(
    store: Store, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    doc = add(store, monkeypatch)
    assert doc["case"] == "C1"
    assert doc["stage"] == "stage_1"
    assert doc["reply_due"] == "2026-11-30"  # Mon 16 Nov + 10 working days
    assert doc["pauses_recovery"] is True
    with store.read() as session:
        kinds = session.execute(select(col(Event.kind)).where(col(Event.case_id) == "c1")).all()
    assert ("complaint.received",) in kinds
    actor = Actor("asmith", clock=lambda: NOW)
    with pytest.raises(Refused, match="Complaint open"):
        place_with_agency(
            store, actor, policy.holds, debt_id="d1", agency_id="ea1", placed_on=TODAY
        )
    # In the diary: its reply is due within the week.
    entries = diary(store, policy, "asmith", "asmith", TODAY)
    due = [e for e in entries if e.kind == "complaint_reply"]
    assert [(e.reference, e.due) for e in due] == [("C1", date(2026, 11, 30))]
    # Closed (not upheld): recovery may go on.
    code, out = drp(
        store, monkeypatch, "asmith", "complaint", "update", str(doc["id"])[:8],
        "--outcome", "not_upheld", "--json",
    )  # fmt: skip
    assert code == 0, out
    assert json.loads(out)["status"] == "closed"
    placement = place_with_agency(
        store, actor, policy.holds, debt_id="d1", agency_id="ea1", placed_on=TODAY
    )
    assert placement.agency_id == "ea1"


def test_moving_on_a_stage_sets_a_new_reply_due_and_only_the_officer_or_a_supervisor_may(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    complaint = str(add(store, monkeypatch)["id"])[:8]
    code, out = drp(
        store, monkeypatch, "bmorgan", "complaint", "update", complaint, "--stage", "stage_2"
    )
    assert code == 1
    assert "its officer or a supervisor" in out
    code, out = drp(
        store, monkeypatch, "psharma", "complaint", "update", complaint,
        "--stage", "stage_2", "--on", "2026-11-23", "--json",
    )  # fmt: skip
    assert code == 0, out
    doc = json.loads(out)
    assert (doc["stage"], doc["reply_due"]) == ("stage_2", "2026-12-21")  # 20 working days
    code, out = drp(
        store, monkeypatch, "asmith", "complaint", "update", complaint, "--stage", "stage_1"
    )
    assert code == 2
    assert "a later stage" in out
    code, out = drp(
        store, monkeypatch, "asmith", "complaint", "update", complaint, "--outcome", "upheld"
    )
    assert code == 2
    assert "--remedy" in out


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--received", "2026-02-31"), "--received"),
        (("--received", "2026-12-25"), "--received"),  # in the future
        (("--channel", "pigeon"), "--channel"),
        (("--stage", "stage_9"), "--stage"),
        (("--debt", "NOPE"), "--debt"),
    ],
)
def test_bad_input_is_one_line_and_records_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], option: str
) -> None:
    code, out = drp(
        store, monkeypatch, "asmith", "complaint", "add", "--case", "C1", "--summary", "x", *args
    )
    assert code == 2, out
    assert option in out
    assert "Traceback" not in out
    code, out = drp(store, monkeypatch, "asmith", "complaint", "list", "--json")
    assert json.loads(out)["complaints"] == []


def test_report_complaints_by_stage(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    first = str(add(store, monkeypatch)["id"])[:8]
    add(store, monkeypatch, "--received", "2026-10-01")  # overdue: due 15 Oct
    drp(
        store, monkeypatch, "asmith", "complaint", "update", first,
        "--outcome", "partly_upheld", "--remedy", "fees removed", "--on", "2026-11-20",
    )  # fmt: skip
    code, out = drp(
        store, monkeypatch, "psharma", "report", "complaints", "--from", "2026-09-01",
        "--format", "json",
    )  # fmt: skip
    assert code == 0, out
    stage_1 = json.loads(out)["rows"][0]
    assert stage_1 == {
        "stage": "stage_1",
        "received": 2,
        "open": 1,
        "overdue": 1,
        "answered": 1,
        "on_time": 1,
        "upheld": 1,
    }
