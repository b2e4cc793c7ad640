"""A case's holds are worked out once (drp_tui.services.holds), and every caller agrees on
them: the queue, allocation, casework's checks and the case view (issue 16, finding 12)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.holds import Hold, active_holds
from drp_tui.services import allocation, calls, caseview, holds, queue
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import BreathingSpace, Case, Debt, Officer, Person
from tests.callhelp import verified_call

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)  # a Monday morning
TODAY = NOW.date()
REPO = Path(__file__).resolve().parent.parent

Space = tuple[str, date, date | None, date | None]  # kind, start, end, treatment end
CaseHold = tuple[str, date | None]  # kind, until
# reference: Breathing Space records, died on, case hold, and the holds in force today.
FIXTURE: dict[str, tuple[list[Space], date | None, CaseHold | None, set[str]]] = {
    "C1": ([], None, None, set()),
    "C2": ([("breathing_space", date(2026, 11, 1), None, None)], None, None, {"breathing_space"}),
    # Sixty days from 1 August ended on 29 September.
    "C3": ([("breathing_space", date(2026, 8, 1), None, None)], None, None, set()),
    "C4": (
        [("mental_health_crisis", date(2026, 10, 1), None, None)],
        None,
        None,
        {"mental_health_crisis"},
    ),
    # Treatment ended on 1 October: the hold lasted thirty days more.
    "C5": (
        [("mental_health_crisis", date(2026, 6, 1), None, date(2026, 10, 1))],
        None,
        None,
        set(),
    ),
    "C6": ([], date(2026, 11, 10), None, {"deceased"}),
    "C7": ([], None, ("dispute", date(2026, 12, 31)), {"dispute"}),
    "C8": ([], None, ("dispute", date(2026, 11, 20)), set()),  # resolved last week
    "C9": ([], None, ("vulnerability_review", None), {"vulnerability_review"}),
    # Two at once: both are in force.
    "C10": (
        [("breathing_space", date(2026, 11, 1), None, None)],
        None,
        ("vulnerability_review", None),
        {"breathing_space", "vulnerability_review"},
    ),
}
HELD = {reference for reference, (*_, kinds) in FIXTURE.items() if kinds}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        session.add(Officer(id="asmith", name="Alex Smith"))
        for n, (reference, (spaces, died, hold, _)) in enumerate(FIXTURE.items()):
            person = f"p-{reference}"
            session.add(
                Person(
                    id=person,
                    host_system="h",
                    host_ref=reference,
                    forename="Jo",
                    surname=f"Bloggs{n}",
                    deceased_on=died,
                )
            )
            session.flush()
            session.add(
                Case(
                    id=reference.lower(),
                    reference=reference,
                    person_id=person,
                    hold_kind=None if hold is None else hold[0],
                    hold_until=None if hold is None else hold[1],
                )
            )
            for m, (kind, start, end, treatment_end) in enumerate(spaces):
                session.add(
                    BreathingSpace(
                        id=f"bs-{reference}-{m}",
                        person_id=person,
                        kind=kind,
                        reference=f"BS{n}{m}",
                        start=start,
                        end=end,
                        treatment_end=treatment_end,
                    )
                )
            session.flush()
            session.add(
                Debt(
                    id=f"d-{reference}",
                    host_system="h",
                    host_ref=f"D-{reference}",
                    case_id=reference.lower(),
                    debt_type="council_tax",
                    original_amount=Decimal("900"),
                    balance=Decimal("600.00"),
                    stage="liability_order",
                )
            )
    return store


def kinds_in_force(found: dict[str, list[Hold]], policy: PolicyBook) -> dict[str, set[str]]:
    return {
        reference: {
            h.kind for h in active_holds(policy.holds, found.get(reference.lower(), []), TODAY)
        }
        for reference in FIXTURE
    }


def test_the_holds_function_reads_every_kind_of_hold(store: Store, policy: PolicyBook) -> None:
    expected = {reference: kinds for reference, (*_, kinds) in FIXTURE.items()}
    ids = [reference.lower() for reference in FIXTURE]
    with store.engine.connect() as connection:
        every = holds.holds_by_case(connection)
        some = holds.holds_by_case(connection, ids)
        assert holds.holds_by_case(connection, []) == {}
    assert kinds_in_force(every, policy) == expected
    assert kinds_in_force(some, policy) == expected
    # The single-case form, in an ORM session (as casework and the case view hold one).
    with store.read() as session:
        one = {case_id: holds.case_holds(session, case_id) for case_id in ids}
    assert kinds_in_force(one, policy) == expected
    assert one["c1"] == []


def test_the_queue_allocation_casework_and_the_case_view_agree(
    store: Store, policy: PolicyBook
) -> None:
    # The case view shows the holds in force.
    for reference, (*_, kinds) in FIXTURE.items():
        view = caseview.case_view(store, policy, reference.lower(), TODAY)
        assert {h.kind for h in view.holds} == kinds, reference
    # Casework refuses a promise on exactly the held cases (every hold here refuses it).
    refused = set()
    for reference in FIXTURE:
        try:
            officer = Actor("asmith", clock=lambda: NOW)
            calls.make_promise(
                store,
                officer,
                policy.holds,
                case_id=reference.lower(),
                call_id=verified_call(store, officer, reference.lower()),
                amount=Decimal("10"),
                due_on=date(2026, 11, 30),
                limits=policy.arrangements,
            )
        except Refused:
            refused.add(reference)
    assert refused == HELD
    # Allocation hands out only the cases not on hold...
    allocation.allocate_cases(
        store, policy, Actor("asmith", clock=lambda: NOW), strategy="balanced"
    )
    with store.read() as session:
        allocated = {
            case.reference
            for case in session.execute(
                select(Case).where(col(Case.officer_id) == "asmith")
            ).scalars()
        }
    assert allocated == set(FIXTURE) - HELD
    # ...and the queue shows none on hold, even once given to an officer.
    with store.write() as session:
        for case in session.execute(select(Case)).scalars():
            case.officer_id = "asmith"
    entries = queue.officer_queue(store, policy, "asmith", NOW)
    assert {e.reference for e in entries} == set(FIXTURE) - HELD


def test_holds_are_worked_out_in_one_module() -> None:
    """Nothing but drp_tui/services/holds.py reads the hold records into the domain's Hold."""
    readers = {
        path.relative_to(REPO).as_posix()
        for path in (REPO / "drp_tui").rglob("*.py")
        if "migrations" not in path.parts
        and re.search(
            r"(?<!DELETE )(?<!SELECT 1 )FROM breathingspace|select\(BreathingSpace\)|\bHold\(",
            path.read_text(encoding="utf-8"),
        )
    }
    assert readers == {"drp_tui/services/holds.py"}
