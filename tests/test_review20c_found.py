"""Hostile review of issue 20 (the record: anchors, erasure, retention, subject access), the
third pass. Each test reproduces one defect found by attacking the built issue as an insider
with the desk's SQLite file, as an officer with their own hub login and psql, and as a careless
supervisor. A test still marked xfail(strict) is a defect not yet fixed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from drp_tui.services import audit
from drp_tui.services.casework import Actor, add_note
from drp_tui.store.anchors import anchor_path
from drp_tui.store.engine import Store
from drp_tui.sync.anchors import read_last_anchor
from tests.hubteam import NOW, allocate, case_id, desk, officer_login, raw_login, run_sync, team_hub
from tests.postgres import PostgresCluster
from tests.test_hub_anchors import _head, _insider, _rehash_from, _synced_desk, _workstation

# --- the anchored chain, attacked by an insider with the desk's file


def _cut_tail(store: Store, keep_below: int) -> sqlite3.Connection:
    db = _insider(store.path)
    db.execute("DELETE FROM event WHERE seq >= ?", (keep_below,))
    anchor_path(store.path).unlink()
    return db


@pytest.mark.xfail(
    strict=True,
    reason="verify trusts syncstate.hub: an insider who cuts the tail, deletes the anchors "
    "file and blanks the desk's hub address gets 'intact'",
)
def test_a_tail_cut_with_the_desks_hub_address_blanked_is_still_found(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    alex = _synced_desk(tmp_path, hub)
    seq, _ = _head(alex)
    db = _cut_tail(alex, seq - 1)
    db.execute("UPDATE syncstate SET hub = NULL")
    db.close()
    report = audit.verify_all(alex)
    assert report.chain.intact
    assert not report.intact, report.as_json()


@pytest.mark.xfail(
    strict=True,
    reason="verify looks up the hub's anchor by syncstate.workstation_id: an insider who "
    "gives the desk a new workstation id hides a cut tail from the hub's anchor",
)
def test_a_tail_cut_with_a_new_workstation_id_is_still_found(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    alex = _synced_desk(tmp_path, hub)
    seq, _ = _head(alex)
    db = _cut_tail(alex, seq - 1)
    db.execute("UPDATE syncstate SET workstation_id = 'a-fresh-workstation'")
    db.close()
    report = audit.verify_all(alex)
    assert report.chain.intact
    assert not report.intact, report.as_json()


# --- anchors forged by an officer with their own hub login


@pytest.mark.xfail(
    strict=True,
    reason="a desk login may insert any hash as its anchor: an officer re-hashes the desk's "
    "chain, anchors the new head with psql, and neither verify nor verify --hub finds it",
)
def test_an_anchor_forged_with_the_officers_own_login_does_not_hide_a_rewrite(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    from drp_tui.sync.anchors import verify_hub

    owner = team_hub(postgres.url(postgres.new_database()))
    as_alex = officer_login(postgres, owner, "asmith")
    allocate(owner, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    for number in range(3):
        add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text=f"n{number}")
    run_sync(alex, as_alex, "asmith")
    anchored = read_last_anchor(owner, _workstation(alex))
    assert anchored is not None
    # The insider drops a note from the middle of the chain and re-hashes from there ...
    db = _insider(alex.path)
    seq = db.execute("SELECT seq FROM event WHERE kind = 'note.added' ORDER BY seq").fetchone()[0]
    db.execute("DELETE FROM event WHERE seq = ?", (seq,))
    _rehash_from(db, seq)
    db.close()
    anchor_path(alex.path).unlink()
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="later")
    head_seq, head_hash = _head(alex)
    # ... and anchors the rewritten head on the hub with their own login, as psql would.
    with raw_login(postgres, owner, "asmith") as psql:
        psql.execute(
            "INSERT INTO hubanchor (workstation_id, seq, officer_id, hash, received_at) "
            "VALUES (%s, %s, 'asmith', %s, '2026-11-23T10:05:00+00:00')",
            (_workstation(alex), head_seq, head_hash),
        )
    desk_report = audit.verify_all(alex)
    hub_report = verify_hub(owner)
    as_alex.engine.dispose()
    owner.engine.dispose()
    assert not desk_report.intact or not hub_report.intact, (
        desk_report.as_json(),
        hub_report.as_json(),
    )
