"""Write-offs: reasons from policy, limits by role, no approving your own request."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.writeoffs import decide_writeoff, list_writeoffs, request_writeoff
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW

runner = CliRunner()


def as_(officer: str) -> Actor:
    return Actor(officer, clock=lambda: DEMO_NOW)


def a_debt(store: Store, minimum: str, maximum: str) -> tuple[str, Decimal]:
    row = (
        sqlite3.connect(store.path)
        .execute(
            "SELECT host_ref, balance FROM debt WHERE balance BETWEEN ? AND ? ORDER BY host_ref "
            "LIMIT 1",
            (int(Decimal(minimum) * 100), int(Decimal(maximum) * 100)),
        )
        .fetchone()
    )
    return row[0], Decimal(row[1]) / 100


def test_request_and_approve_within_the_limit(demo_store: Store, policy: PolicyBook) -> None:
    reference, balance = a_debt(demo_store, "100", "900")
    made = request_writeoff(
        demo_store,
        policy,
        as_("jmorgan"),
        debt_reference=reference,
        reason_code="uneconomic",
        amount=None,
    )
    assert made.amount == balance
    db = sqlite3.connect(demo_store.path)
    db.execute("UPDATE officer SET role = 'supervisor' WHERE id = 'jmorgan'")
    db.commit()
    with pytest.raises(NotPermitted, match="your own"):
        decide_writeoff(demo_store, policy, as_("jmorgan"), request_id=made.id[:8], approve=True)
    approved = decide_writeoff(
        demo_store, policy, as_("psharma"), request_id=made.id[:8], approve=True
    )
    assert approved.status == "approved"
    balance_after = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT balance FROM debt WHERE host_ref = ?", (reference,))
        .fetchone()[0]
    )
    assert balance_after == 0
    kinds = [
        r[0]
        for r in sqlite3.connect(demo_store.path).execute(
            "SELECT kind FROM event WHERE kind LIKE 'writeoff.%' ORDER BY seq"
        )
    ]
    assert kinds == ["writeoff.requested", "writeoff.approved"]
    assert [r.status for r in list_writeoffs(demo_store, "approved")] == ["approved"]


def test_amounts_above_a_roles_limit_need_someone_senior(
    demo_store: Store, policy: PolicyBook
) -> None:
    reference, _ = a_debt(demo_store, "1500", "4000")
    made = request_writeoff(
        demo_store,
        policy,
        as_("akhan"),
        debt_reference=reference,
        reason_code="bankrupt",
        amount=None,
    )
    with pytest.raises(
        NotPermitted,
        match=r"needs approval by a manager \(your limit is "
        r"£1,000\.00\)",
    ):
        decide_writeoff(demo_store, policy, as_("psharma"), request_id=made.id, approve=True)
    with pytest.raises(NotPermitted, match=r"needs approval by a manager$"):
        decide_writeoff(demo_store, policy, as_("dlewis"), request_id=made.id, approve=True)
    refused = decide_writeoff(
        demo_store,
        policy,
        as_("psharma"),
        request_id=made.id,
        approve=False,
        reason="estate may pay: check with probate",
    )
    assert refused.status == "refused"


def test_bad_requests(demo_store: Store, policy: PolicyBook) -> None:
    reference, balance = a_debt(demo_store, "100", "900")
    with pytest.raises(InputError, match="not a write-off reason"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code="cannot_be_bothered",
            amount=None,
        )
    with pytest.raises(InputError, match="at most the balance"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code="uneconomic",
            amount=balance + 1,
        )
    with pytest.raises(InputError, match="no debt with reference"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference="NOPE",
            reason_code="uneconomic",
            amount=None,
        )


def test_writeoff_cli(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    reference, _ = a_debt(demo_store, "100", "900")
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    made = runner.invoke(
        app,
        [
            "writeoff",
            "request",
            "--debt",
            reference,
            "--reason",
            "untraceable",
            "--amount",
            "£50.00",
        ],
    )
    assert made.exit_code == 0, made.stderr
    listed = json.loads(runner.invoke(app, ["writeoff", "list", "--json"]).stdout)
    request_id = listed["writeoffs"][0]["id"]
    assert listed["writeoffs"][0]["amount"] == "50.00"
    own = runner.invoke(app, ["writeoff", "approve", request_id])
    assert own.exit_code == 1
    assert "your own" in own.stderr
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    done = runner.invoke(app, ["writeoff", "approve", request_id])
    assert done.exit_code == 0, done.stderr
    assert "approved" in done.stdout
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    second = runner.invoke(
        app,
        ["writeoff", "request", "--debt", reference, "--reason", "uneconomic", "--amount", "10"],
    )
    assert second.exit_code == 0, second.stderr
    pending = json.loads(
        runner.invoke(app, ["writeoff", "list", "--status", "requested", "--json"]).stdout
    )["writeoffs"]
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    no_reason = runner.invoke(app, ["writeoff", "refuse", pending[0]["id"], "--reason", " "])
    assert no_reason.exit_code == 2
    refused = runner.invoke(
        app,
        ["writeoff", "refuse", pending[0]["id"], "--reason", "balance is small enough to collect"],
    )
    assert refused.exit_code == 0, refused.stderr
    assert "refused" in refused.stdout
    reasons = runner.invoke(app, ["writeoff", "reasons"])
    assert "statute_barred" in reasons.stdout
