"""Issue 20: each sync anchors the desk's chain head on the hub (hub revision h012), where the
desk's user cannot reach it; `drp audit verify` checks the desk's chain against it (the anchors
file beside the store can be deleted with the events), and `drp audit verify --hub` checks the
hub's own log. On a SQLite hub and a real PostgreSQL one."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services import audit
from drp_tui.services.casework import Actor, add_note
from drp_tui.store.anchors import anchor_path
from drp_tui.store.engine import Store
from drp_tui.store.events import GENESIS, event_hash
from drp_tui.store.types import instant_from_text
from drp_tui.sync.anchors import read_last_anchor, verify_hub
from drp_tui.sync.hub import Hub
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    desk,
    officer_login,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster

runner = CliRunner()


def _synced_desk(tmp_path: Path, hub: Hub, notes: int = 3) -> Store:
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    for number in range(notes):
        add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text=f"n{number}")
    run_sync(alex, hub, "asmith")
    return alex


def _workstation(store: Store) -> str:
    with store.engine.connect() as connection:
        return str(connection.execute(text("SELECT workstation_id FROM syncstate")).scalar_one())


def _head(store: Store) -> tuple[int, str]:
    with store.engine.connect() as connection:
        seq, digest = connection.execute(
            text("SELECT seq, hash FROM event ORDER BY seq DESC LIMIT 1")
        ).one()
    return int(seq), str(digest)


def _insider(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute(f'DROP TRIGGER "{name}"')
    return db


def _rehash_from(db: sqlite3.Connection, first: int) -> None:
    """Make every link from event `first` on good again, as an insider would."""
    row = db.execute("SELECT hash FROM event WHERE seq < ? ORDER BY seq DESC", (first,)).fetchone()
    prev = GENESIS if row is None else row[0]
    for seq, event_id, officer, at, case, kind, payload in db.execute(
        "SELECT seq, id, officer_id, at, case_id, kind, payload FROM event WHERE seq >= ? "
        "ORDER BY seq",
        (first,),
    ).fetchall():
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


def test_a_sync_anchors_the_desks_chain_head_on_the_hub(hub_address: str, tmp_path: Path) -> None:
    hub = team_hub(hub_address)
    alex = _synced_desk(tmp_path, hub)
    last = read_last_anchor(hub, _workstation(alex))
    assert last is not None
    assert (last.seq, last.hash) == _head(alex)
    report = audit.verify_all(alex)
    assert report.intact, report.as_json()
    assert report.hub_anchor is not None
    assert report.hub_anchor.seq == last.seq


def test_an_edit_rehashed_with_the_anchor_file_deleted_is_found_against_the_hub(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    alex = _synced_desk(tmp_path, hub)
    db = _insider(alex.path)
    seq = db.execute("SELECT seq FROM event WHERE kind = 'note.added' ORDER BY seq").fetchone()[0]
    db.execute(
        "UPDATE event SET payload = json_set(payload, '$.text', 'nothing said') WHERE seq = ?",
        (seq,),
    )
    _rehash_from(db, seq)
    db.close()
    anchor_path(alex.path).unlink()
    report = audit.verify_all(alex)
    assert report.chain.intact  # every link good again ...
    assert not report.intact  # ... but not the hub's anchor
    assert any("on the hub" in p for p in report.anchor_problems), report.anchor_problems


def test_a_desk_cut_short_is_refused_at_its_next_sync_and_not_anchored_again(
    tmp_path: Path,
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    alex = _synced_desk(tmp_path, hub)
    anchored = read_last_anchor(hub, _workstation(alex))
    assert anchored is not None
    db = _insider(alex.path)
    db.execute("DELETE FROM event WHERE seq > ?", (anchored.seq - 2,))
    db.close()
    anchor_path(alex.path).unlink()
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="later")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="and again")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="and again")
    done = run_sync(alex, hub, "asmith")
    assert done.refused >= 1
    assert read_last_anchor(hub, _workstation(alex)) == anchored
    with hub.read() as connection:
        reasons = connection.execute(
            text("SELECT reason FROM hubrefusal WHERE item LIKE 'anchor %'")
        ).all()
    assert reasons
    assert "anchored on the hub" in reasons[0][0]
    assert not audit.verify_all(alex).intact


def test_a_desk_that_cannot_reach_its_hub_is_not_called_intact(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    alex = _synced_desk(tmp_path, hub)
    hub.engine.dispose()
    (tmp_path / "hub.sqlite").rename(tmp_path / "moved.sqlite")
    report = audit.verify_all(alex)
    assert not report.intact
    assert "could not be checked against its anchor on the hub" in report.anchor_problems[0]


@pytest.mark.parametrize("change", ["UPDATE hubanchor SET seq = 1", "DELETE FROM hubanchor"])
def test_the_hubs_anchors_are_append_only(hub_address: str, tmp_path: Path, change: str) -> None:
    hub = team_hub(hub_address)
    _synced_desk(tmp_path, hub)
    with pytest.raises(DBAPIError), hub.engine.begin() as connection:
        connection.execute(text(change))


def test_an_anchor_behind_the_last_one_is_refused_on_the_hub(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    alex = _synced_desk(tmp_path, hub)
    with pytest.raises(DBAPIError), hub.engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO hubanchor (workstation_id, seq, officer_id, hash, received_at) "
                "VALUES (:w, 1, 'asmith', :h, '2026-11-23T10:00:00+00:00')"
            ),
            {"w": _workstation(alex), "h": GENESIS},
        )


def test_a_desk_login_anchors_its_own_desk_and_no_other(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    owner = team_hub(postgres.url(postgres.new_hub()))
    allocate(owner, 1, "asmith")
    as_alex = officer_login(postgres, owner, "asmith")
    officer_login(postgres, owner, "bjones").engine.dispose()
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="called")
    run_sync(alex, as_alex, "asmith")
    last = read_last_anchor(as_alex, _workstation(alex))
    assert last is not None
    assert (last.seq, last.hash) == _head(alex)
    assert audit.verify_all(alex).intact
    database = owner.url.database or ""
    with (
        psycopg.connect(postgres.url(database, user="bjones"), autocommit=True) as bea,
        pytest.raises(psycopg.Error),
    ):
        bea.execute(
            "INSERT INTO hubanchor (workstation_id, seq, officer_id, hash, received_at) "
            "VALUES (%s, 999, 'asmith', 'x', 'now')",
            (_workstation(alex),),
        )
    with psycopg.connect(postgres.url(database, user="bjones"), autocommit=True) as bea:
        seen = bea.execute("SELECT count(*) FROM hubanchor").fetchone()
    assert seen == (0,)  # another officer's anchors are not even visible
    as_alex.engine.dispose()
    owner.engine.dispose()


# --- drp audit verify --hub


def test_the_hubs_log_verifies(hub_address: str, tmp_path: Path) -> None:
    hub = team_hub(hub_address)
    _synced_desk(tmp_path, hub)
    report = verify_hub(hub)
    assert report.intact, report.as_json()
    assert report.desk_events >= 3
    assert report.anchors == 1  # the first sync had no events to anchor
    assert report.events.events >= 1  # the supervisor's allocation, on the hub's own chain


def _sqlite_hub_insider(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    for name in ("hubevent_no_update", "hubevent_no_delete"):
        db.execute(f"DROP TRIGGER {name}")
    return db


def test_a_desk_event_edited_on_the_hub_is_found(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    _synced_desk(tmp_path, hub)
    db = _sqlite_hub_insider(tmp_path / "hub.sqlite")
    db.execute(  # (the note's text is sealed: the insider re-attributes it)
        "UPDATE hubevent SET officer_id = 'bjones' WHERE kind = 'note.added'"
    )
    db.close()
    report = verify_hub(hub)
    assert not report.intact
    assert any("does not match its hash" in p for p in report.problems), report.problems
    assert any("hubevent_no_update is gone" in p for p in report.problems)


def test_a_desk_event_deleted_from_the_hub_is_found(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    _synced_desk(tmp_path, hub)
    db = _sqlite_hub_insider(tmp_path / "hub.sqlite")
    db.execute(
        "DELETE FROM hubevent WHERE seq = (SELECT min(seq) FROM hubevent WHERE kind = 'note.added')"
    )
    db.close()
    report = verify_hub(hub)
    assert any("an event before it was removed" in p for p in report.problems), report.problems


def test_drp_audit_verify_hub_is_for_a_supervisor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    _synced_desk(tmp_path, hub)
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "mine.sqlite"))
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    done = runner.invoke(app, ["audit", "verify", "--hub", address, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["intact"] is True
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    refused = runner.invoke(app, ["audit", "verify", "--hub", address])
    assert refused.exit_code == 1, refused.output
