"""A supervisor decides a write-off an officer asked for on their desk (issue 19 leftover).

A supervisor's own desk cannot: its sync brings only the supervisor's own cases, so the
team's requests never reach it (and a decision sent from a desk on a case never allocated to
it is refused as "never allocated"). Like the rest of a supervisor's team work (allocation,
imports), the decision is taken on the hub: `drp writeoff list|approve|refuse --hub`, the
same service as on a desk, and the officer's desk hears of it at its next sync."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.writeoffs import list_writeoffs, request_writeoff
from tests.hubteam import NOW, SUPERVISOR, allocate, balance, desk, run_sync, team_hub


def test_a_supervisor_decides_a_team_writeoff_on_the_hub(
    hub_address: str, tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    made = request_writeoff(
        alex,
        policy,
        Actor("asmith", clock=lambda: NOW),
        debt_reference="D1",
        reason_code="uneconomic",
        amount=None,
        note="£500 to collect at £2 a month",
    )
    assert run_sync(alex, hub, "asmith").refused == 0
    sam = desk(tmp_path, "sam")
    run_sync(sam, hub, SUPERVISOR)
    assert list_writeoffs(sam) == []  # the team's requests never reach the supervisor's desk

    monkeypatch.setenv("DRP_STORE", str(sam.path))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    runner = CliRunner()
    listed = runner.invoke(app, ["writeoff", "list", "--hub", hub_address, "--json"])
    assert listed.exit_code == 0, listed.output
    assert [w["id"] for w in json.loads(listed.stdout)["writeoffs"]] == [made.id[:8]]
    done = runner.invoke(app, ["writeoff", "approve", made.id[:8], "--hub", hub_address])
    assert done.exit_code == 0, done.output
    assert "approved" in done.output

    with hub.read() as connection:
        decided = connection.execute(
            text("SELECT status, approved_by FROM writeoffrequest WHERE id = :i"), {"i": made.id}
        ).one()
    assert tuple(decided) == ("approved", SUPERVISOR)
    assert balance(hub.as_store(), 1) == Decimal("0.00")
    assert run_sync(alex, hub, "asmith").refused == 0
    assert [w.status for w in list_writeoffs(alex)] == ["approved"]
    assert balance(alex, 1) == Decimal("0.00")
    hub.engine.dispose()


def test_an_officer_cannot_list_or_decide_the_teams_writeoffs_on_the_hub(
    hub_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = team_hub(hub_address)
    alex = desk(tmp_path, "alex")
    monkeypatch.setenv("DRP_STORE", str(alex.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    for args in (["list"], ["approve", "abcdef12"], ["refuse", "abcdef12", "--reason", "no"]):
        done = CliRunner().invoke(app, ["writeoff", *args, "--hub", hub_address])
        assert done.exit_code == 1, done.output
        assert "supervisor" in done.output
        assert len(done.output.strip().splitlines()) == 1, done.output
    hub.engine.dispose()
