"""Reports are computed from the event log and agree with the records they summarise."""

from __future__ import annotations

import json
import sqlite3
from datetime import date
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.reports import agencies, performance
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW

runner = CliRunner()
WEEK = (date(2026, 11, 16), date(2026, 11, 20))


def test_officer_figures_match_the_records(demo_store: Store) -> None:
    report = performance(demo_store, *WEEK)
    db = sqlite3.connect(demo_store.path)
    low, high = "2026-11-16T00:00:00", "2026-11-21T00:00:00"
    for figures in report.officers:
        calls, rpc, seconds = db.execute(
            "SELECT count(*), coalesce(sum(right_party), 0), coalesce(sum(CAST(round((julianday("
            "ended_at) - julianday(started_at)) * 86400) AS INTEGER)), 0) FROM contactattempt "
            "WHERE officer_id = ? AND started_at >= ? AND started_at < ?",
            (figures.officer, low, high),
        ).fetchone()
        assert (figures.calls, figures.right_party) == (calls, rpc), figures.officer
        assert figures.seconds_on_phone == seconds
        promised = db.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM promise WHERE officer_id = ? AND "
            "created_at >= ? AND created_at < ?",
            (figures.officer, low, high),
        ).fetchone()
        assert (figures.promises, figures.promised) == (promised[0], Decimal(promised[1]) / 100)
    assert report.total.calls == sum(f.calls for f in report.officers)
    assert {t.team for t in report.teams} == {"Recovery", "Sundry"}
    assert all(f.target == 12 * 5 for f in report.officers)
    assert report.total.kept + report.total.broken > 0


def test_agency_figures(demo_store: Store) -> None:
    found = {a.agency: a for a in agencies(demo_store, date(2026, 10, 1), DEMO_NOW.date())}
    db = sqlite3.connect(demo_store.path)
    for agency, figures in found.items():
        placed, value = db.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM placement WHERE agency_id = ?",
            (agency,),
        ).fetchone()
        assert (figures.placed, figures.placed_value) == (placed, Decimal(value) / 100)
        collected = db.execute(
            "SELECT coalesce(sum(amount), 0) FROM payment WHERE agency_id = ?", (agency,)
        ).fetchone()[0]
        assert figures.collected == Decimal(collected) / 100


@pytest.mark.parametrize("fmt", ["json", "csv", "table"])
def test_report_cli_formats(demo_store: Store, monkeypatch: pytest.MonkeyPatch, fmt: str) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    daily = runner.invoke(app, ["report", "daily", "--date", "2026-11-20", "--format", fmt])
    assert daily.exit_code == 0, daily.stderr
    if fmt == "json":
        rows = json.loads(daily.stdout)["rows"]
        assert rows[-1]["officer"] == "all officers"
        assert rows[-1]["calls"] == sum(
            r["calls"] for r in rows if r["team"] and not r["officer"].startswith("team ")
        )
    elif fmt == "csv":
        assert daily.stdout.splitlines()[0].startswith("officer,name,team,calls")
    else:
        assert "Daily performance 20 Nov 2026" in daily.stdout
    for command in (["report", "officers"], ["report", "agencies"]):
        result = runner.invoke(app, [*command, "--format", fmt])
        assert result.exit_code == 0, result.stderr
    backwards = runner.invoke(
        app, ["report", "officers", "--from", "2026-11-20", "--to", "2026-11-01"]
    )
    assert backwards.exit_code == 2


def test_arrangements_check_cli(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    result = runner.invoke(app, ["arrangements", "check", "--json"])
    assert result.exit_code == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["on"] == "2026-11-23"
    again = json.loads(runner.invoke(app, ["arrangements", "check", "--json"]).stdout)
    assert again["promises_broken"] == again["breached"] == 0  # nothing is judged twice


def test_daily_report_is_readable_at_80_columns(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every figure whole at 80 columns (every column was cut to '…'): columns that do not fit
    beside the officer go to a second table, each with the officer again."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("COLUMNS", "80")
    table = runner.invoke(app, ["report", "daily", "--date", "2026-11-20"])
    assert table.exit_code == 0, table.stderr
    assert "…" not in table.stdout
    assert max(len(line) for line in table.stdout.splitlines()) <= 80
    rows = json.loads(
        runner.invoke(app, ["report", "daily", "--date", "2026-11-20", "--format", "json"]).stdout
    )["rows"]
    words = table.stdout.split()
    for row in rows:
        assert row["officer"].split()[0] in words
        for key in ("calls", "promised", "collected", "minutes_on_phone"):
            assert str(row[key]) in words, (row["officer"], key)
