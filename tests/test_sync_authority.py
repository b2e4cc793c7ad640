"""A third party's authority is a fact the desk records: it goes to the hub with `drp sync`,
on to the officer's other desks and to the next officer given the case, and so does its
ending. Found by review of issue 16: authorities stayed on the desk that recorded them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from drp_tui.services import authority
from drp_tui.services.casework import Actor
from tests.hubteam import NOW, SUPERVISOR, allocate, case_id, desk, reference, run_sync, team_hub

ROWS = text("SELECT name, consent, consent_ref, end_reason FROM thirdpartyauthority ORDER BY name")


def test_an_authority_and_its_ending_travel_through_the_hub(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex, alex_laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(alex_laptop, hub, "asmith")
    alex_now = Actor("asmith", clock=lambda: NOW)
    made = authority.record_authority(
        alex,
        alex_now,
        case_id=case_id(1),
        name="Sam Smith",
        relationship="partner",
        scope=("discuss",),
        until=None,
        consent="lpa",
        consent_ref="LPA 7000-1",
    )
    assert run_sync(alex, hub, "asmith").refused == 0
    with hub.read() as connection:
        assert connection.execute(ROWS).all() == [("Sam Smith", "lpa", "LPA 7000-1", "")]
    run_sync(alex_laptop, hub, "asmith")
    assert [a.name for a in authority.in_force(alex_laptop, case_id(1), NOW.date())] == [
        "Sam Smith"
    ]
    # Ended on the laptop: the hub and the next officer's desk know it ended.
    authority.end_authority(alex_laptop, alex_now, authority_id=made.id, reason="withdrawn")
    assert run_sync(alex_laptop, hub, "asmith").refused == 0
    allocate(hub, 1, "bjones")
    bo = desk(tmp_path, "bo")
    run_sync(bo, hub, "bjones")
    for store in (hub.as_store(), bo):
        with store.engine.connect() as connection:
            assert connection.execute(ROWS).all() == [
                ("Sam Smith", "lpa", "LPA 7000-1", "withdrawn")
            ]
    assert authority.in_force(bo, case_id(1), NOW.date()) == []


def test_a_supervisor_records_and_ends_authority_on_the_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor's desk holds only their own cases: `--hub` records (and ends) an authority
    on an officer's case on the hub, and the officer's desk gets it at its next sync. Found by
    the second review of issue 16: "a supervisor may record one on any case" could not work."""
    from typer.testing import CliRunner

    from drp_tui.cli.main import app

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "super.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    hub_file = str(tmp_path / "hub.sqlite")
    runner = CliRunner()
    added = runner.invoke(
        app,
        ["authority", "add", reference(1), "--name", "Sam Smith", "--relationship", "son",
         "--may", "discuss", "--consent", "deputy", "--consent-ref", "COP 77", "--hub", hub_file,
         "--json"],
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    run_sync(alex, hub, "asmith")
    assert [a.name for a in authority.in_force(alex, case_id(1), NOW.date())] == ["Sam Smith"]
    ended = runner.invoke(
        app,
        ["authority", "end", json.loads(added.stdout)["id"], "--reason", "order discharged",
         "--hub", hub_file],
    )  # fmt: skip
    assert ended.exit_code == 0, ended.stderr
    run_sync(alex, hub, "asmith")
    assert authority.in_force(alex, case_id(1), NOW.date()) == []
