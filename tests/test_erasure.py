"""Issue 20: erasure by crypto-shredding. The personal fields of events are sealed with a key
per person (drp_tui/store/personal.py), the hash covering the ciphertext; the keys travel to the
hub so another desk can read what the first wrote; `drp erase PERSON_REF` destroys them, and
afterwards the chain still verifies locally and on the hub while the erased fields cannot be
read anywhere: store, hub, exports, subject access."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import NotPermitted
from drp_tui.services import audit
from drp_tui.services.casework import Actor, add_note
from drp_tui.services.erasure import erase_person
from drp_tui.services.exports import export_rows
from drp_tui.services.sar import subject_access
from drp_tui.store.engine import Store
from drp_tui.store.models import host_id
from drp_tui.store.personal import ERASED
from drp_tui.sync.anchors import verify_hub
from drp_tui.sync.hub import Hub
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    desk,
    officer_login,
    pay_off,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster

runner = CliRunner()
SECRET = "Says she is caring for her mother after a stroke"
P1 = host_id("person", "nga", "P1")


def _held(folder: Path, prefix: str) -> bytes:
    return b"".join(p.read_bytes() for p in folder.iterdir() if p.name.startswith(prefix))


def _hub_text(hub: Hub, sql: str) -> str:
    with hub.read() as connection:
        return json.dumps([list(r) for r in connection.execute(text(sql))], default=str)


def _notes(export: dict[str, Any]) -> list[Any]:
    return [e["payload"]["text"] for e in export["events"] if e["kind"] == "note.added"]


def test_a_note_is_sealed_in_the_store_and_read_back_opened(demo_store: Store) -> None:
    with sqlite3.connect(demo_store.path) as db:
        case, reference = db.execute(
            "SELECT id, reference FROM \"case\" WHERE officer_id = 'akhan' LIMIT 1"
        ).fetchone()
    add_note(demo_store, Actor("akhan", clock=lambda: NOW), case_id=case, text=SECRET)
    demo_store.engine.dispose()
    demo_store.writer.dispose()
    assert SECRET.encode() not in _held(demo_store.path.parent, demo_store.path.name)
    assert audit.verify_all(demo_store).chain.intact
    _, history = audit.case_history(demo_store, reference)
    assert history[-1].payload["text"] == SECRET


def test_erasing_a_person_on_a_store_leaves_the_chain_intact_and_the_note_unreadable(
    demo_store: Store,
) -> None:
    with sqlite3.connect(demo_store.path) as db:
        case, reference, host_ref, person = db.execute(
            'SELECT c.id, c.reference, p.host_ref, p.id FROM "case" c JOIN person p '
            "ON p.id = c.person_id WHERE c.officer_id = 'akhan' AND c.hold_kind IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM arrangement a WHERE a.case_id = c.id "
            "AND a.status = 'live') AND NOT EXISTS (SELECT 1 FROM placement l JOIN debt d "
            "ON d.id = l.debt_id WHERE d.case_id = c.id AND l.status = 'open') LIMIT 1"
        ).fetchone()
    add_note(demo_store, Actor("akhan", clock=lambda: NOW), case_id=case, text=SECRET)
    pay_off(demo_store, person, "akhan")  # (erasure is refused while they owe)
    before = audit.verify_all(demo_store)
    sup = Actor("psharma", clock=lambda: NOW)
    with pytest.raises(NotPermitted):
        erase_person(demo_store, Actor("akhan", clock=lambda: NOW), host_ref)
    done = erase_person(demo_store, sup, host_ref)
    assert done.keys == 1
    after = audit.verify_all(demo_store)
    assert after.intact, after.as_json()
    assert after.chain.events == before.chain.events + 1  # the person.erased event
    export = subject_access(demo_store, sup, reference)
    assert _notes(export) == [ERASED]
    assert export["person"]["forename"] == ""
    _, history = audit.case_history(demo_store, reference)
    assert [e.payload["text"] for e in history if e.kind == "note.added"] == [ERASED]
    outcomes = [r for r in export_rows(demo_store, "outcomes", None) if r["case"] == reference]
    assert all(r["notes"] == "" for r in outcomes)  # the host system's file says nothing
    with sqlite3.connect(demo_store.path) as db:
        assert db.execute(
            "SELECT count(*) FROM personkey WHERE key IS NOT NULL AND person_id = "
            '(SELECT person_id FROM "case" WHERE id = ?)',
            (case,),
        ).fetchone() == (0,)


def test_the_keys_reach_another_desk_and_erasure_on_the_hub_reaches_every_desk(
    hub_address: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text=SECRET)
    run_sync(alex, hub, "asmith")
    # On the hub: the event's ciphertext and the key, never the text.
    assert SECRET not in _hub_text(hub, "SELECT * FROM hubevent")
    assert _hub_text(hub, "SELECT person_id FROM personkey") == json.dumps([[P1]])
    # The case moves to bjones: her desk reads alex's note with the key from the hub.
    allocate(hub, 1, "bjones")
    bea = desk(tmp_path, "bea")
    run_sync(bea, hub, "bjones")
    sup = Actor(SUPERVISOR, clock=lambda: NOW)
    assert _notes(subject_access(bea, sup, "P1")) == [SECRET]
    # P1 pays off the debt, and the supervisor erases P1 on the hub.
    pay_off(hub.as_store(), P1)
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "sup.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    done = runner.invoke(app, ["erase", "P1", "--hub", hub_address, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["keys_destroyed"] == 1
    assert _hub_text(hub, "SELECT key FROM personkey") == json.dumps([[None]])
    assert verify_hub(hub).intact
    # Each desk loses the key at its next sync; its chain still verifies.
    run_sync(bea, hub, "bjones")
    assert _notes(subject_access(bea, sup, "P1")) == [ERASED]
    assert audit.verify_all(bea).intact
    allocate(hub, 1, "asmith")  # (alex's desk holds the case again)
    run_sync(alex, hub, "asmith")
    assert set(_notes(subject_access(alex, sup, "P1"))) == {ERASED}  # its own and pulled
    report = audit.verify_all(alex)
    assert report.intact, report.as_json()


def test_a_plain_officer_cannot_erase(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    address = str(tmp_path / "hub.sqlite")
    team_hub(address)
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "mine.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    refused = runner.invoke(app, ["erase", "P1", "--hub", address])
    assert refused.exit_code == 1, refused.output
    unknown = runner.invoke(app, ["erase", "nobody", "--hub", address])
    assert unknown.exit_code in (1, 2), unknown.output


def test_desk_logins_send_and_read_keys_only_for_their_own_people(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    owner = team_hub(postgres.url(postgres.new_hub()))
    allocate(owner, 1, "asmith")
    allocate(owner, 2, "bjones")
    as_alex = officer_login(postgres, owner, "asmith")
    as_bea = officer_login(postgres, owner, "bjones")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text=SECRET)
    run_sync(alex, as_alex, "asmith")
    assert _hub_text(owner, "SELECT person_id FROM personkey") == json.dumps([[P1]])
    with as_bea.read() as connection:  # bjones's login does not see P1's key
        assert connection.execute(text("SELECT count(*) FROM personkey")).scalar_one() == 0
    for hub in (as_alex, as_bea, owner):
        hub.engine.dispose()
