"""Issue 20 (review 20c): erasure does not apply while the council needs a person's details to
recover a debt. `erase_person` (services/erasure.py, behind `drp erase` and `drp erase --hub`)
refuses, changing nothing, while the person is party to a debt that owes, under a live
arrangement or with an agency, or while their case is held for a dispute or has an open
complaint pausing recovery. Each test clears what stands in the way through the services, as
an officer would, and the erasure then goes through."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor, set_hold
from drp_tui.services.erasure import ErasureRefused, erase_person
from drp_tui.services.monitoring import check_arrangements
from drp_tui.services.placements import recall_placement
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import host_id
from tests.hubteam import NOW, SUPERVISOR, pay_off, team_hub

SUP = Actor("psharma", clock=lambda: NOW)
NOT_HELD = "c.hold_kind IS NULL AND c.status = 'open'"
# A case where nothing but what it owes stands in the way of an erasure.
NOTHING_BUT_DEBTS = (
    f"{NOT_HELD} AND NOT EXISTS (SELECT 1 FROM arrangement a "
    "WHERE a.case_id = c.id AND a.status = 'live') "
    "AND NOT EXISTS (SELECT 1 FROM placement l JOIN debt d ON d.id = l.debt_id "
    "WHERE d.case_id = c.id AND l.status = 'open') "
    "AND NOT EXISTS (SELECT 1 FROM debtparty dp WHERE dp.person_id = p.id) "
    "AND NOT EXISTS (SELECT 1 FROM complaint k WHERE k.case_id = c.id AND k.status = 'open')"
)


def _one(store: Store, sql: str) -> tuple[str, ...]:
    with sqlite3.connect(store.path) as db:
        row = db.execute(sql).fetchone()
    assert row is not None, sql
    return tuple(str(v) for v in row)


def _forename(store: Store, person: str) -> str:
    return _one(store, f"SELECT forename FROM person WHERE id = '{person}'")[0]


def test_a_live_arrangement_refuses_the_erasure_until_it_completes(
    demo_store: Store, policy: PolicyBook
) -> None:
    person, host_ref = _one(
        demo_store,
        'SELECT p.id, p.host_ref FROM person p JOIN "case" c ON c.person_id = p.id '
        f"JOIN arrangement a ON a.case_id = c.id WHERE a.status = 'live' AND {NOT_HELD} "
        "AND NOT EXISTS (SELECT 1 FROM debtparty dp WHERE dp.person_id = p.id) "
        "AND NOT EXISTS (SELECT 1 FROM placement l JOIN debt d ON d.id = l.debt_id "
        "WHERE d.case_id = c.id AND l.status = 'open') ORDER BY c.reference LIMIT 1",
    )
    pay_off(demo_store, person, "psharma")  # every instalment paid with it
    with pytest.raises(ErasureRefused, match=r"arrangement .* still live"):
        erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) != ""
    assert check_arrangements(demo_store, policy, SUP, NOW.date()).completed
    erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) == ""


def test_a_debt_with_an_agency_refuses_the_erasure_until_it_is_recalled(
    demo_store: Store,
) -> None:
    person, host_ref, debt, debt_ref = _one(
        demo_store,
        'SELECT p.id, p.host_ref, d.id, d.host_ref FROM person p JOIN "case" c '
        "ON c.person_id = p.id JOIN debt d ON d.case_id = c.id JOIN placement l "
        f"ON l.debt_id = d.id WHERE l.status = 'open' AND {NOT_HELD} "
        "AND NOT EXISTS (SELECT 1 FROM arrangement a WHERE a.case_id = c.id "
        "AND a.status = 'live') "
        "AND NOT EXISTS (SELECT 1 FROM debtparty dp WHERE dp.person_id = p.id) "
        "ORDER BY c.reference LIMIT 1",
    )
    pay_off(demo_store, person, "psharma")
    with pytest.raises(ErasureRefused, match=f"debt {debt_ref} is with .* recall it first"):
        erase_person(demo_store, SUP, host_ref)
    recall_placement(demo_store, SUP, debt_id=debt, recalled_on=NOW.date(), reason="paid")
    erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) == ""


def test_a_dispute_hold_refuses_the_erasure_until_it_is_lifted(demo_store: Store) -> None:
    person, host_ref, case = _one(
        demo_store,
        'SELECT p.id, p.host_ref, c.id FROM person p JOIN "case" c ON c.person_id = p.id '
        f"WHERE {NOTHING_BUT_DEBTS} ORDER BY c.reference LIMIT 1",
    )
    pay_off(demo_store, person, "psharma")
    set_hold(demo_store, SUP, case_id=case, kind="dispute", reason="says it was paid in 2024")
    with pytest.raises(ErasureRefused, match="on hold for a dispute"):
        erase_person(demo_store, SUP, host_ref)
    set_hold(demo_store, SUP, case_id=case, kind=None, reason="resolved")
    erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) == ""


def test_a_joint_debt_on_another_case_refuses_the_erasure(demo_store: Store) -> None:
    """Paying off their own case is not enough while a debt they are jointly liable for owes."""
    from drp_tui.services.payments import record_payment

    person, host_ref, joint_ref = _one(
        demo_store,
        "SELECT p.id, p.host_ref, d.host_ref FROM debtparty dp JOIN person p "
        "ON p.id = dp.person_id JOIN debt d ON d.id = dp.debt_id WHERE d.balance > 0 "
        "ORDER BY p.host_ref LIMIT 1",
    )
    with sqlite3.connect(demo_store.path) as db:
        own = db.execute(
            'SELECT d.id, d.balance FROM debt d JOIN "case" c ON c.id = d.case_id '
            "WHERE c.person_id = ? AND d.balance > 0",
            (person,),
        ).fetchall()
    for debt, pence in own:
        record_payment(
            demo_store, SUP, debt_id=debt, amount=Decimal(pence) / 100, received_on=NOW.date()
        )
    with pytest.raises(ErasureRefused, match=f"debt {joint_ref} still owes"):
        erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) != ""


def test_drp_erase_on_the_hub_refuses_a_person_who_owes_and_changes_nothing(
    hub_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = team_hub(hub_address)
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "sup.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    done = CliRunner().invoke(app, ["erase", "P1", "--hub", hub_address, "--json"])
    assert done.exit_code == 1, done.output
    assert done.output.strip().splitlines() == [
        "drp: P1 cannot be erased: debt D1 still owes £500.00, and the council needs their "
        "details to recover it; clear the debt (a payment) or write it off first"
    ]
    with hub.read() as connection:
        held = connection.execute(
            text("SELECT forename FROM person WHERE id = :p"), {"p": host_id("person", "nga", "P1")}
        ).scalar_one()
        erased = connection.execute(
            text("SELECT count(*) FROM event WHERE kind = 'person.erased'")
        ).scalar_one()
    assert (held, erased) == ("Pat1", 0)
    pay_off(hub.as_store(), host_id("person", "nga", "P1"))
    done = CliRunner().invoke(app, ["erase", "P1", "--hub", hub_address, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["erased"] is True
    hub.engine.dispose()


def test_a_dispute_hold_that_has_ended_does_not_refuse_the_erasure(demo_store: Store) -> None:
    """A dispute hold that ended yesterday no longer stands in the way."""
    person, host_ref, case = _one(
        demo_store,
        'SELECT p.id, p.host_ref, c.id FROM person p JOIN "case" c ON c.person_id = p.id '
        f"WHERE {NOTHING_BUT_DEBTS} ORDER BY c.reference DESC LIMIT 1",
    )
    pay_off(demo_store, person, "psharma")
    set_hold(
        demo_store, SUP, case_id=case, kind="dispute", reason="checking", until=date(2026, 11, 22)
    )
    erase_person(demo_store, SUP, host_ref)
    assert _forename(demo_store, person) == ""
