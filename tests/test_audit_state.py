"""Issue 20: `drp audit verify` checks the state tables against the events. Balances zeroed,
payments deleted and a case moved by raw SQL on a copy of a demo store are each found and
named: which table, which row, what it holds and what the events say."""

from __future__ import annotations

import json
import sqlite3

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services import audit
from drp_tui.services.audit_state import state_problems
from drp_tui.store.engine import Store

runner = CliRunner()


def raw(store: Store) -> sqlite3.Connection:
    return sqlite3.connect(store.path, isolation_level=None)


def test_a_demo_store_agrees_with_its_events(demo_store: Store) -> None:
    # Imports, allocation, payments, write-offs, placements: nothing disagrees.
    assert state_problems(demo_store) == []
    assert audit.verify_all(demo_store).intact


def test_zeroed_balances_are_each_named_with_what_the_events_say(demo_store: Store) -> None:
    db = raw(demo_store)
    owing = db.execute(
        'SELECT d.id, d.balance, c.reference FROM debt d JOIN "case" c ON c.id = d.case_id '
        "WHERE d.balance > 0 ORDER BY d.id LIMIT 100"
    ).fetchall()
    assert len(owing) == 100
    db.executemany("UPDATE debt SET balance = 0 WHERE id = ?", [(d,) for d, _, _ in owing])
    found = {p.row: p for p in state_problems(demo_store) if p.table == "debt"}
    assert set(found) == {d for d, _, _ in owing}
    debt_id, pence, reference = owing[0]
    problem = found[debt_id]
    assert problem.case == reference
    assert problem.found == "balance £0.00"
    assert problem.events_say == f"£{pence // 100:,}.{pence % 100:02d}"
    assert problem.event_seq is not None  # the import that sealed it


def test_deleted_payments_are_each_named(demo_store: Store) -> None:
    db = raw(demo_store)
    gone = db.execute("SELECT id, amount, debt_id FROM payment ORDER BY id LIMIT 50").fetchall()
    assert len(gone) == 50
    db.execute("PRAGMA foreign_keys = OFF")
    db.executemany("DELETE FROM payment WHERE id = ?", [(p,) for p, _, _ in gone])
    problems = state_problems(demo_store)
    payments = {p.row: p for p in problems if p.table == "payment"}
    assert set(payments) == {p for p, _, _ in gone}
    pid, pence, debt_id = gone[0]
    assert payments[pid].found == "no row (deleted)"
    assert payments[pid].events_say == f"£{pence // 100:,}.{pence % 100:02d} on debt {debt_id}"
    assert payments[pid].event_seq is not None
    # The balances still agree with the events: only the payment rows are missing.
    assert not [p for p in problems if p.table == "debt"]


def test_an_altered_payment_and_one_with_no_event_are_named(demo_store: Store) -> None:
    db = raw(demo_store)
    pid, debt_id = db.execute("SELECT id, debt_id FROM payment ORDER BY id LIMIT 1").fetchone()
    db.execute("UPDATE payment SET amount = amount + 1000 WHERE id = ?", (pid,))
    db.execute(
        "INSERT INTO payment (id, debt_id, amount, received_on, source, reference) "
        "VALUES ('forged', ?, 5000, '2026-11-20', 'host', '')",
        (debt_id,),
    )
    payments = {p.row: p for p in state_problems(demo_store) if p.table == "payment"}
    assert set(payments) == {pid, "forged"}
    assert payments["forged"].events_say == "no payment.recorded event"
    assert payments["forged"].found == f"£50.00 on debt {debt_id}"


def test_a_case_moved_by_a_raw_update_is_named(demo_store: Store) -> None:
    db = raw(demo_store)
    case_id, reference, officer = db.execute(
        'SELECT id, reference, officer_id FROM "case" WHERE officer_id IS NOT NULL '
        "ORDER BY reference LIMIT 1"
    ).fetchone()
    other = db.execute(
        "SELECT id FROM officer WHERE id != ? ORDER BY id LIMIT 1", (officer,)
    ).fetchone()[0]
    db.execute('UPDATE "case" SET officer_id = ? WHERE id = ?', (other, case_id))
    (problem,) = state_problems(demo_store)
    assert (problem.table, problem.row, problem.case) == ("case", case_id, reference)
    assert (problem.found, problem.events_say) == (f"officer {other}", f"officer {officer}")


def test_a_seal_edited_to_match_the_tampering_is_found(demo_store: Store) -> None:
    db = raw(demo_store)
    event_id, debt_id = db.execute(
        "SELECT s.event_id, j.key FROM audit_seal s JOIN json_each(s.body) j "
        "WHERE s.kind = 'debt.balance' AND j.key NOT IN (SELECT debt_id FROM payment) "
        "ORDER BY j.key LIMIT 1"
    ).fetchone()
    db.execute("DROP TRIGGER audit_seal_no_update")
    db.execute(
        "UPDATE audit_seal SET body = json_set(body, ?, '0') WHERE event_id = ?",
        (f'$."{debt_id}"', event_id),
    )
    db.execute("UPDATE debt SET balance = 0 WHERE id = ?", (debt_id,))
    problems = state_problems(demo_store)
    assert [(p.table, p.row) for p in problems] == [("audit_seal", event_id)]


def test_seals_are_append_only(demo_store: Store) -> None:
    db = raw(demo_store)
    for statement in ("UPDATE audit_seal SET body = '{}'", "DELETE FROM audit_seal"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)


def test_cli_audit_verify_names_state_tampering(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    raw(demo_store).execute(
        "UPDATE debt SET balance = 0 WHERE id = (SELECT id FROM debt WHERE balance > 0 LIMIT 1)"
    )
    shown = runner.invoke(app, ["audit", "verify"])
    assert shown.exit_code == 1
    assert "debt" in shown.output
    assert "holds balance £0.00" in shown.output
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["intact"], report["chain_intact"]) == (False, True)
    (problem,) = report["state_problems"]
    assert (problem["table"], problem["found"]) == ("debt", "balance £0.00")
