"""The typed requests the screens build on the UI thread are checked again by the service
that saves them, with the same function the form's live figures came from: what is saved is
what those figures give, and a request that no longer holds saves nothing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from drp_tui.domain.errors import InputError
from drp_tui.services.arrangements import ArrangementRequest
from drp_tui.services.assessments import AssessmentRequest
from drp_tui.services.workstation import open_workstation
from drp_tui.store.engine import Store
from tests.callhelp import verified_call
from tests.tui import enforceable_case, settings_for


def count(store: Store, table: str) -> int:
    return int(sqlite3.connect(store.path).execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_an_arrangement_request_is_built_again_from_what_was_typed(
    demo_store: Store, tmp_path: Path
) -> None:
    desk = open_workstation(settings_for(demo_store, tmp_path))
    case_id = enforceable_case(demo_store)
    call_id = verified_call(demo_store, desk.actor(), case_id)
    view = desk.case(case_id, call_id)
    debts = tuple(desk.arrangement_order([d for d in view.debts if d.with_agency is None]))
    owed = sum(d.balance or 0 for d in debts)
    fields = {"total": f"{owed:.2f}", "first": "2026-12-01", "count": "0", "frequency": "monthly"}
    before = count(demo_store, "arrangement")
    with pytest.raises(InputError):  # the preview's own refusal, again at the save
        desk.make_arrangement(ArrangementRequest(case_id, call_id, debts, fields))
    assert count(demo_store, "arrangement") == before
    fields["count"] = "4"
    shown = desk.preview_arrangement(debts, fields)
    made = desk.make_arrangement(ArrangementRequest(case_id, call_id, debts, fields))
    assert made.schedule == shown.schedule  # the same function, the same schedule
    assert count(demo_store, "arrangement") == before + 1


def test_an_assessment_request_is_assessed_again_when_saved(
    demo_store: Store, tmp_path: Path
) -> None:
    desk = open_workstation(settings_for(demo_store, tmp_path))
    case_id = enforceable_case(demo_store)
    before = count(demo_store, "assessment")
    bad = {"household": {"adults": 1, "children": 0}, "income": {"earnings": "12.345"}}
    with pytest.raises(InputError):
        desk.save_assessment(AssessmentRequest(case_id, bad))
    assert count(demo_store, "assessment") == before
    good = {"household": {"adults": 1, "children": 0}, "income": {"earnings": "1450"}}
    saved = desk.save_assessment(AssessmentRequest(case_id, good))
    assert saved.surplus == desk.assess(good).surplus
    assert count(demo_store, "assessment") == before + 1
