"""Saved affordability statements: the latest one is read back (what, when, by whom) and
saving the same statement again is not a second assessment."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from decimal import Decimal

from drp_tui.services.assessments import latest_assessment, save_assessment
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.tui import first_case

STATEMENT = {
    "household": {"adults": 1, "children": 0},
    "income": {"earnings": {"amount": "1450", "frequency": "monthly"}},
    "fixed_costs": {"rent": {"amount": "600", "frequency": "monthly"}},
    "flexible_costs": {},
    "priority_debts": [],
    "non_priority_debts": [],
}


def save(store: Store, case_id: str, statement: dict[str, object], minutes: int = 0) -> str:
    actor = Actor("jmorgan", clock=lambda: DEMO_NOW + timedelta(minutes=minutes))
    return save_assessment(
        store,
        actor,
        case_id=case_id,
        statement=statement,
        result={"surplus": "850.00"},
        surplus=Decimal("850"),
        available_for_priority=Decimal("830"),
    ).id


def test_the_latest_statement_is_read_back_with_when_and_who(demo_store: Store) -> None:
    case_id, _ = first_case(demo_store)
    assert latest_assessment(demo_store, case_id) is None
    save(demo_store, case_id, STATEMENT)
    newer = {**STATEMENT, "fixed_costs": {"rent": {"amount": "650", "frequency": "monthly"}}}
    save(demo_store, case_id, {**STATEMENT, "household": {"adults": 2, "children": 0}}, 5)
    newest_id = save(demo_store, case_id, newer, minutes=5)  # the same instant: written last
    saved = latest_assessment(demo_store, case_id)
    assert saved is not None
    assert saved.id == newest_id
    assert saved.statement == newer
    assert saved.officer_id == "jmorgan"
    assert saved.created_at == DEMO_NOW + timedelta(minutes=5)


def test_saving_an_unchanged_statement_again_is_not_a_second_assessment(
    demo_store: Store,
) -> None:
    case_id, _ = first_case(demo_store)
    first = save(demo_store, case_id, STATEMENT)
    again = save(demo_store, case_id, dict(STATEMENT), minutes=1)
    assert again == first
    db = sqlite3.connect(demo_store.path)
    assert db.execute("SELECT count(*) FROM assessment").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM event WHERE kind = 'assessment.saved'").fetchone() == (
        1,
    )
