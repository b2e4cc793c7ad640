"""`drp officer`: building a team in a new store, who may change it, and what a deactivated
officer's cases do — through the CLI on a real SQLite store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from drp_tui.cli.main import app
from drp_tui.services.login import os_login
from drp_tui.store.engine import Store

runner = CliRunner()


def drp(monkeypatch: pytest.MonkeyPatch, officer: str | None, *args: str) -> Result:
    if officer is None:
        monkeypatch.delenv("DRP_OFFICER", raising=False)
    else:
        monkeypatch.setenv("DRP_OFFICER", officer)
    return runner.invoke(app, list(args))


def json_of(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_a_new_store_gets_a_supervisor_first_who_then_adds_the_team(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "team.sqlite"
    monkeypatch.setenv("DRP_STORE", str(store))

    not_first = drp(monkeypatch, None, "officer", "add", "asmith", "--name", "Alex Smith")
    assert not_first.exit_code == 1
    assert "add a supervisor first" in not_first.stderr
    first = drp(
        monkeypatch, None, "officer", "add", "PSharma", "--name", " Priya  Sharma ",
        "--role", "Supervisor", "--team", "Recovery", "--json",
    )  # fmt: skip
    assert json_of(first) == {
        "id": "psharma",
        "name": "Priya Sharma",
        "role": "supervisor",
        "team": "Recovery",
        "skills": [],
        "daily_call_target": 60,
        "active": True,
        "login": os_login(),  # the first supervisor is the login that made the store
        "open_cases": 0,
    }
    added = drp(
        monkeypatch, "psharma", "officer", "add", "asmith", "--name", "Alex Smith",
        "--team", "Recovery", "--skills", "Welsh, vulnerability,welsh", "--target", "70",
    )  # fmt: skip
    assert added.exit_code == 0, added.stderr
    assert "added Alex Smith (asmith), officer in Recovery" in added.stdout

    listed = json_of(drp(monkeypatch, "psharma", "officer", "list", "--json"))["officers"]
    assert [(o["id"], o["skills"], o["daily_call_target"]) for o in listed] == [
        ("asmith", ["vulnerability", "welsh"], 70),
        ("psharma", [], 60),
    ]
    events = (
        sqlite3.connect(store).execute("SELECT officer_id, kind, payload FROM event").fetchall()
    )
    assert [(who, kind) for who, kind, _ in events] == [
        ("psharma", "officer.added"),  # founded by the login mapped to psharma
        ("psharma", "officer.added"),
    ]
    assert json.loads(events[1][2])["skills"] == ["vulnerability", "welsh"]


@pytest.mark.parametrize(
    ("officer", "args", "status", "message"),
    [
        ("asmith", ["add", "bjones", "--name", "B"], 1, "is for supervisors"),
        ("psharma", ["add", "boss", "--name", "B", "--role", "manager"], 1, "cannot make"),
        ("psharma", ["add", "Alex Smith", "--name", "A"], 2, "is not a login"),
        ("psharma", ["add", "bjones"], 2, "give the officer's name"),
        ("psharma", ["add", "bjones", "--name", "B", "--role", "boss"], 2, "not one of officer"),
        ("psharma", ["add", "bjones", "--name", "B", "--target", "0"], 2, "between 1 and 500"),
        ("psharma", ["add", "asmith", "--name", "A"], 2, "already an officer"),
        ("psharma", ["update", "nobody", "--team", "X"], 2, "no officer 'nobody'"),
        ("psharma", ["update", "asmith"], 2, "say what to change"),
        ("psharma", ["update", "psharma", "--inactive"], 1, "ask another supervisor"),
    ],
)  # fmt: skip
def test_bad_officer_changes_are_refused_with_what_to_do_and_change_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    officer: str,
    args: list[str],
    status: int,
    message: str,
) -> None:
    store = tmp_path / "team.sqlite"
    monkeypatch.setenv("DRP_STORE", str(store))
    drp(monkeypatch, None, "db", "init", "--training")  # DRP_OFFICER picks who acts
    drp(monkeypatch, None, "officer", "add", "psharma", "--name", "P", "--role", "supervisor")
    drp(monkeypatch, "psharma", "officer", "add", "asmith", "--name", "A")
    before = sqlite3.connect(store).execute("SELECT count(*) FROM event").fetchone()

    refused = drp(monkeypatch, officer, "officer", *args)
    assert refused.exit_code == status
    assert message in refused.stderr
    assert "Traceback" not in refused.stderr
    assert sqlite3.connect(store).execute("SELECT count(*) FROM event").fetchone() == before


def test_a_deactivated_officers_cases_wait_for_allocation_and_then_move(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", "2026-11-23T10:30:00+00:00")
    db = sqlite3.connect(demo_store.path)
    held = db.execute(
        "SELECT count(*) FROM \"case\" WHERE officer_id = 'akhan' AND status = 'open'"
    )
    open_cases = held.fetchone()[0]
    assert open_cases > 0

    away = drp(monkeypatch, "psharma", "officer", "update", "akhan", "--inactive")
    assert away.exit_code == 0, away.stderr
    assert f"{open_cases} open cases are still theirs" in away.stdout
    orphans = json_of(drp(monkeypatch, "psharma", "queue", "orphans", "--json"))["orphans"]
    waiting = sum(o["problem"] == "officer akhan is not active" for o in orphans)
    assert waiting > 0
    plan = json_of(drp(monkeypatch, "psharma", "queue", "allocate", "--json"))
    assert "akhan" not in {o["officer"] for o in plan["officers"]}
    assert plan["cases"] == waiting
    # Only cases on hold (never handed out while held) stay with akhan.
    left = db.execute(
        "SELECT count(*) FROM \"case\" WHERE officer_id = 'akhan' AND status = 'open'"
    ).fetchone()[0]
    assert left == open_cases - waiting
    everyone = json_of(drp(monkeypatch, "psharma", "officer", "list", "--all", "--json"))
    assert {o["id"]: o["active"] for o in everyone["officers"]}["akhan"] is False
    active = json_of(drp(monkeypatch, "psharma", "officer", "list", "--json"))
    assert "akhan" not in {o["id"] for o in active["officers"]}
