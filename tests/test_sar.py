"""Issue 20: `drp sar PERSON_REF` exports everything the store holds about a person, checked
here field by field against the store's own rows; supervisors only."""

from __future__ import annotations

import json
import sqlite3
import stat
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor
from drp_tui.services.sar import subject_access
from drp_tui.store.engine import Store
from drp_tui.store.personal import Opener
from tests.conftest import DEMO_NOW

runner = CliRunner()


def rows(db: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = db.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def richest_person(db: sqlite3.Connection) -> tuple[str, str, str]:
    """The person with the most kinds of record: a vulnerability, payments, arrangements and
    calls, so the export is checked on everything."""
    found: tuple[str, str, str] = db.execute(
        'SELECT p.id, p.host_ref, c.id FROM person p JOIN "case" c ON c.person_id = p.id '
        "WHERE p.id IN (SELECT person_id FROM vulnerability) "
        "AND c.id IN (SELECT case_id FROM arrangement) "
        "AND c.id IN (SELECT case_id FROM contactattempt) "
        "AND c.id IN (SELECT d.case_id FROM debt d JOIN payment y ON y.debt_id = d.id) "
        "ORDER BY p.host_ref LIMIT 1"
    ).fetchone()
    return found


def pounds(pence: int) -> str:
    return f"{pence / 100:.2f}"


def test_the_export_holds_every_field_of_every_record_about_the_person(
    demo_store: Store,
) -> None:
    db = sqlite3.connect(demo_store.path)
    person_id, host_ref, case_id = richest_person(db)
    export = subject_access(demo_store, Actor("psharma", clock=lambda: DEMO_NOW), host_ref)

    (person,) = rows(db, "SELECT * FROM person WHERE id = ?", person_id)
    assert export["person"] == {
        **person,
        "preferred_contact": json.loads(person["preferred_contact"]),
    }
    assert export["addresses"] == [
        {**a, "current": bool(a["current"])}
        for a in rows(db, "SELECT * FROM address WHERE person_id = ?", person_id)
    ]
    assert export["phones"] == rows(db, "SELECT * FROM phone WHERE person_id = ?", person_id)
    (case,) = rows(db, 'SELECT * FROM "case" WHERE id = ?', case_id)
    assert export["case"]["reference"] == case["reference"]
    assert export["case"]["officer_id"] == case["officer_id"]
    money = ("original_amount", "balance", "costs")
    debts = rows(db, "SELECT * FROM debt WHERE case_id = ?", case_id)
    assert sorted(export["debts"], key=lambda d: d["id"]) == sorted(
        ({**d, **{m: pounds(d[m]) for m in money}} for d in debts), key=lambda d: d["id"]
    )
    payments = rows(
        db,
        "SELECT y.* FROM payment y JOIN debt d ON d.id = y.debt_id WHERE d.case_id = ?",
        case_id,
    )
    assert payments
    assert sorted(export["payments"], key=lambda p: p["id"]) == sorted(
        ({**p, "amount": pounds(p["amount"])} for p in payments), key=lambda p: p["id"]
    )
    vulnerabilities = rows(db, "SELECT * FROM vulnerability WHERE person_id = ?", person_id)
    assert [(v["id"], v["category"], v["notes"]) for v in export["vulnerabilities"]] == [
        (v["id"], v["category"], v["notes"]) for v in vulnerabilities
    ]
    attempts = rows(db, "SELECT * FROM contactattempt WHERE case_id = ?", case_id)
    assert {a["id"]: (a["outcome_code"], a["notes"]) for a in export["contact_attempts"]} == {
        a["id"]: (a["outcome_code"], a["notes"]) for a in attempts
    }
    arrangements = rows(db, "SELECT * FROM arrangement WHERE case_id = ?", case_id)
    assert {a["id"] for a in export["arrangements"]} == {a["id"] for a in arrangements}
    for shown in export["arrangements"]:
        instalments = rows(db, "SELECT id FROM instalment WHERE arrangement_id = ?", shown["id"])
        assert {i["id"] for i in shown["instalments"]} == {i["id"] for i in instalments}
        assert shown["debts"]
    for key, table in (
        ("promises", "promise"),
        ("calls", "call"),
        ("assessments", "assessment"),
    ):
        expected = rows(db, f'SELECT id FROM "{table}" WHERE case_id = ?', case_id)
        assert {r["id"] for r in export[key]} == {r["id"] for r in expected}, key
    events = rows(db, "SELECT id, kind, payload FROM event WHERE case_id = ? ORDER BY seq", case_id)
    # (the export's own sar.exported event is written after it was gathered)
    # Personal fields are sealed in the store (store/personal.py) and opened in the export.
    with demo_store.read() as session:
        opener = Opener(session)
        opened = [(e["id"], e["kind"], opener.open(json.loads(e["payload"]))) for e in events[:-1]]
    assert [(e["id"], e["kind"], e["payload"]) for e in export["events"]] == opened
    for event in events:
        if event["kind"] == "vulnerability.recorded":
            assert "sealed" in json.loads(event["payload"])["category"]
    assert events[-1]["kind"] == "sar.exported"
    assert json.loads(events[-1]["payload"]) == {"person": person_id}
    assert (export["made_by"], export["format"]) == ("psharma", "drp subject access export 1")


def test_the_case_reference_names_the_person_too(demo_store: Store) -> None:
    db = sqlite3.connect(demo_store.path)
    person_id, _, case_id = richest_person(db)
    (reference,) = db.execute('SELECT reference FROM "case" WHERE id = ?', (case_id,)).fetchone()
    export = subject_access(demo_store, Actor("psharma", clock=lambda: DEMO_NOW), reference)
    assert export["person"]["id"] == person_id


def test_sar_is_for_supervisors_and_an_unknown_person_is_bad_input(demo_store: Store) -> None:
    with pytest.raises(NotPermitted, match="for supervisors"):
        subject_access(demo_store, Actor("jmorgan", clock=lambda: DEMO_NOW), "C0000001")
    with pytest.raises(InputError, match="no person or case"):
        subject_access(demo_store, Actor("psharma", clock=lambda: DEMO_NOW), "NOBODY")


def test_cli_sar_writes_a_private_file_and_a_json_summary(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = sqlite3.connect(demo_store.path)
    person_id, host_ref, _ = richest_person(db)
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    out = tmp_path / "sar.json"
    result = runner.invoke(app, ["sar", host_ref, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert (summary["person"], summary["out"]) == (person_id, str(out))
    assert summary["items"]["payments"] > 0
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    written = json.loads(out.read_text())
    assert written["person"]["id"] == person_id
    missing = runner.invoke(app, ["sar", "NOBODY"])
    assert missing.exit_code == 2
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    assert runner.invoke(app, ["sar", host_ref]).exit_code == 1
