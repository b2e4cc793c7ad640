"""Agency remittances reconcile against placements; exports give the host what to load."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor
from drp_tui.services.remittance import import_remittance
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW

runner = CliRunner()
ACTOR = Actor("system", clock=lambda: DEMO_NOW)


def placed(store: Store, agency: str, count: int) -> list[tuple[str, Decimal]]:
    rows = (
        sqlite3.connect(store.path)
        .execute(
            "SELECT d.host_ref, d.balance FROM placement p JOIN debt d ON d.id = p.debt_id "
            "WHERE p.agency_id = ? AND d.balance > 1000 ORDER BY d.host_ref LIMIT ?",
            (agency, count),
        )
        .fetchall()
    )
    return [(ref, Decimal(balance) / 100) for ref, balance in rows]


def remittance(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "remit.csv"
    path.write_text(
        "Client Ref,Amount Paid,Date Paid,Their Ref\n" + "\n".join(lines) + "\n", encoding="utf-8"
    )
    return path


def test_matched_overpaid_and_unmatched(demo_store: Store, tmp_path: Path) -> None:
    (first, _), (second, second_balance) = placed(demo_store, "marlowe", 2)
    ((elsewhere, _),) = placed(demo_store, "kestrel", 1)
    path = remittance(
        tmp_path,
        f"{first},£100.00,20/11/2026,M1",
        f"{second},{second_balance + 25},2026-11-20,M2",
        f"{elsewhere},50,2026-11-20,M3",
        "NO-SUCH,10,2026-11-20,M4",
    )
    result = import_remittance(demo_store, ACTOR, path, "Marlowe Enforcement Ltd")
    assert result.committed
    assert [m.reference for m in result.matched] == [first]
    assert [(m.reference, excess) for m, excess in result.overpaid] == [(second, Decimal(25))]
    assert [why for _, why in result.unmatched] == [
        "not placed with this agency",
        "no debt with this reference",
    ]
    db = sqlite3.connect(demo_store.path)
    recorded = db.execute(
        "SELECT d.host_ref, y.amount, y.source, y.reference FROM payment y "
        "JOIN debt d ON d.id = y.debt_id WHERE y.reference LIKE 'M%' "
        "ORDER BY y.reference"
    ).fetchall()
    assert recorded == [
        (first, 10000, "enforcement_agent", "M1"),
        (second, int((second_balance + 25) * 100), "enforcement_agent", "M2"),
    ]
    assert db.execute("SELECT balance FROM debt WHERE host_ref = ?", (second,)).fetchone() == (
        -2500,
    )


def test_an_unreadable_line_rejects_the_whole_remittance(demo_store: Store, tmp_path: Path) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    before = sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM payment").fetchone()
    path = remittance(
        tmp_path,
        f"{first},100,2026-11-20,M1",
        f"{first},ten,2026-11-20,M2",
        f"{first},5,31/02/2026,M3",
    )
    result = import_remittance(demo_store, ACTOR, path, "marlowe")
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(3, "Amount Paid"), (4, "Date Paid")]
    after = sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM payment").fetchone()
    assert after == before


def test_payments_cli_and_reconciliation_export(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    ((first, _),) = placed(demo_store, "brightwater", 1)
    path = remittance(tmp_path, f"{first},75.50,2026-11-21,BW9")
    done = runner.invoke(
        app, ["import", "payments", str(path), "--agency", "Brightwater Collections", "--json"]
    )
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["recorded"] == "75.50"
    unknown = runner.invoke(app, ["import", "payments", str(path), "--agency", "Nobody Ltd"])
    assert unknown.exit_code == 2
    assert "known: " in unknown.stderr
    out = tmp_path / "post.csv"
    exported = runner.invoke(
        app, ["export", "reconciliation", "--since", "2026-11-21", "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.stderr
    rows = list(csv.DictReader(out.open()))
    assert {"debt_ref": first, "amount": "75.50", "agency_reference": "BW9"}.items() <= next(
        r for r in rows if r["agency_reference"] == "BW9"
    ).items()


def test_outcome_and_arrangement_exports(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    outcomes = runner.invoke(app, ["export", "outcomes", "--since", "2026-11-20"])
    assert outcomes.exit_code == 0, outcomes.stderr
    rows = list(csv.DictReader(io.StringIO(outcomes.stdout)))
    db = sqlite3.connect(demo_store.path)
    expected = db.execute(
        "SELECT count(*) FROM contactattempt WHERE started_at >= '2026-11-20T00:00:00'"
    ).fetchone()[0]
    assert len(rows) == expected
    assert rows[0]["called_at"].startswith("2026-11-20")
    arrangements = runner.invoke(app, ["export", "arrangements", "--format", "json"])
    body = json.loads(arrangements.stdout)
    assert len(body) == db.execute("SELECT count(*) FROM arrangement").fetchone()[0]
    first = body[0]
    assert sum(Decimal(i["amount"]) for i in first["instalments"]) == Decimal(first["total"])
