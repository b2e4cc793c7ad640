"""Issue 20: the chain's head is anchored outside the store at every commit that wrote
events, and `drp audit verify` judges the chain against its anchors: cutting its tail,
deleting every event, editing one and re-hashing from there, and erasing a case's history
and re-hashing the rest all verify link by link, and are all found."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services import audit
from drp_tui.store.anchors import anchor_path, head_for_hub, read_anchors
from drp_tui.store.engine import Store, open_store
from drp_tui.store.events import GENESIS, append_event, event_hash
from drp_tui.store.types import instant_from_text

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
runner = CliRunner()


def store_with_events(path: Path, transactions: int = 5) -> Store:
    """Five commits of two events each, on cases A and B in turn."""
    store = open_store(path)
    for number in range(transactions):
        with store.write() as session:
            for case in ("case-a", "case-b"):
                append_event(
                    session,
                    officer_id="asmith",
                    kind="note.added",
                    at=AT,
                    case_id=case,
                    payload={"n": number},
                )
    return store


def rehash(path: Path) -> None:
    """What an insider with the file would do after a change: make every link good again."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("DROP TRIGGER IF EXISTS event_no_update")
    prev = GENESIS
    rows = db.execute(
        "SELECT seq, id, officer_id, at, case_id, kind, payload FROM event ORDER BY seq"
    ).fetchall()
    for seq, event_id, officer, at, case, kind, payload in rows:
        digest = event_hash(
            prev_hash=prev,
            event_id=event_id,
            officer_id=officer,
            at=instant_from_text(at),
            case_id=case,
            kind=kind,
            payload=json.loads(payload),
        )
        db.execute("UPDATE event SET prev_hash = ?, hash = ? WHERE seq = ?", (prev, digest, seq))
        prev = digest


def tamper(path: Path, *statements: str) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA foreign_keys = OFF")
    db.execute("DROP TRIGGER IF EXISTS event_no_delete")
    db.execute("DROP TRIGGER IF EXISTS event_no_update")
    for statement in statements:
        db.execute(statement)


def test_each_commit_that_wrote_events_is_anchored_in_a_private_file(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    anchors, unreadable = read_anchors(store.path)
    assert unreadable == []
    assert [a.seq for a in anchors] == [2, 4, 6, 8, 10]
    with store.read() as session:
        head = session.execute(text("SELECT hash FROM event WHERE seq = 10")).scalar_one()
    assert anchors[-1].hash == head
    assert stat.S_IMODE(anchor_path(store.path).stat().st_mode) == 0o600
    # What the sync is to send the hub (wired by the hub side): the latest anchor.
    assert head_for_hub(store.path) == anchors[-1].as_json()
    report = audit.verify_all(store)
    assert report.intact
    assert report.anchors == 5


def test_a_rolled_back_transaction_is_not_anchored(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite", transactions=1)

    def refused() -> None:
        with store.write() as session:
            append_event(session, officer_id="asmith", kind="note.added", at=AT)
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        refused()
    assert [a.seq for a in read_anchors(store.path)[0]] == [2]
    assert audit.verify_all(store).intact


def test_tail_truncation_is_found(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    tamper(store.path, "DELETE FROM event WHERE seq > 7")
    assert audit.verify(store).intact  # link by link, the shorter chain is fine
    report = audit.verify_all(store)
    assert not report.intact
    assert report.anchor_problems[0].startswith("the chain ends at event #7 but event #10")
    assert "removed from its end" in report.anchor_problems[0]


def test_deleting_every_event_is_found(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    tamper(store.path, "DELETE FROM outbox", "DELETE FROM event")
    report = audit.verify_all(store)
    assert report.chain.intact
    assert report.chain.events == 0
    assert not report.intact
    assert report.anchor_problems[0].startswith("the chain is empty but event #10")


def test_an_edit_re_hashed_from_there_is_found(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    tamper(store.path, """UPDATE event SET payload = '{"n":99}' WHERE seq = 5""")
    rehash(store.path)
    assert audit.verify(store).intact
    report = audit.verify_all(store)
    assert not report.intact
    (problem,) = report.anchor_problems
    assert problem.startswith("event #6 does not have the hash anchored on")
    assert "re-hashed" in problem


def test_erasing_a_case_and_re_hashing_is_found(tmp_path: Path) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    tamper(
        store.path,
        "DELETE FROM outbox WHERE event_id IN (SELECT id FROM event WHERE case_id = 'case-b')",
        "DELETE FROM event WHERE case_id = 'case-b'",
    )
    rehash(store.path)
    assert audit.verify(store).intact
    report = audit.verify_all(store)
    assert not report.intact
    assert any(p.startswith("event #2 is missing") for p in report.anchor_problems)


def test_an_untouched_store_without_anchors_verifies_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_with_events(tmp_path / "drp.sqlite", transactions=1)
    anchor_path(store.path).unlink()  # e.g. a store made before anchors, or copied alone
    monkeypatch.setenv("DRP_STORE", str(store.path))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 0
    assert "not anchored yet" in result.output


def test_cli_audit_verify_reports_a_cut_tail(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = store_with_events(tmp_path / "drp.sqlite")
    monkeypatch.setenv("DRP_STORE", str(store.path))
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0
    tamper(store.path, "DELETE FROM event WHERE seq > 4")
    result = runner.invoke(app, ["audit", "verify", "--json"])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert (report["chain_intact"], report["intact"], report["events"]) == (True, False, 4)
    assert report["last_anchor"]["seq"] == 10
    assert "removed from its end" in report["anchor_problems"][0]
    shown = runner.invoke(app, ["audit", "verify"])
    assert shown.exit_code == 1
    assert "anchor" in shown.output
