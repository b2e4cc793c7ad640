"""Hostile review of issue 20 (the record), the fourth pass. Each test reproduces one defect
found by attacking the built issue as an insider with the desk's files, as a lost laptop, and
as a careless supervisor, on copies, through drp's own services and CLI. A test still marked
xfail(strict) is a defect not yet fixed."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from drp_tui.services.casework import Actor, record_breathing_space
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import (
    Arrangement,
    Placement,
    ThirdPartyAuthority,
    host_id,
)
from drp_tui.sync.hub import hub_url, init_hub
from tests.hubteam import NOW, allocate, desk, run_sync, team_hub
from tests.test_review20c_found import SUP, _mhc_person

# --- file modes


def test_a_sqlite_team_hub_is_made_for_its_owner_alone(tmp_path: Path) -> None:
    """The team hub holds every desk's people and every person's keys: made by `drp hub init`
    on a SQLite file, it was 0644 in a 0755 folder, readable by every local user."""
    path = tmp_path / "team" / "hub.sqlite"
    hub, _ = init_hub(hub_url(str(path)))
    hub.engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700, oct(path.parent.stat().st_mode)


def test_an_existing_sqlite_team_hub_is_closed_up_to_0600(tmp_path: Path) -> None:
    path = tmp_path / "hub.sqlite"
    hub, _ = init_hub(hub_url(str(path)))
    hub.engine.dispose()
    path.chmod(0o644)
    hub, _ = init_hub(hub_url(str(path)))
    hub.engine.dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, oct(path.stat().st_mode)


# --- erasure: what the tables keep of what was said about the person


SECRETS = ("antidepressants", "stroke", "capacity")


def _plant_reasons(store: Store, person: str, case: str) -> str:
    """A returned placement, a completed arrangement and an ended authority for the person,
    each with words about them; the debt's id."""
    with sqlite3.connect(store.path) as db:
        debt = db.execute("SELECT id FROM debt WHERE case_id = ?", (case,)).fetchone()[0]
        agency = db.execute("SELECT id FROM agency LIMIT 1").fetchone()[0]
    with store.write() as session:
        session.add(
            Placement(
                debt_id=debt,
                agency_id=agency,
                placed_on=date(2026, 5, 1),
                amount=Decimal("100.00"),
                status="returned",
                returned_on=date(2026, 6, 1),
                return_reason="vulnerable: recently bereaved and on antidepressants",
            )
        )
        session.add(
            Arrangement(
                case_id=case,
                debt_id=debt,
                officer_id="psharma",
                total=Decimal("100.00"),
                frequency="monthly",
                status="completed",
                override_reason="below policy: debtor in hospital after a stroke",
                created_at=NOW,
            )
        )
        session.add(
            ThirdPartyAuthority(
                person_id=person,
                name="Kim Bird",
                relationship="daughter",
                recorded_by="psharma",
                recorded_at=NOW,
                ended_at=NOW,
                ended_by="psharma",
                end_reason="her mother now lacks capacity; deputyship applied for",
            )
        )
    return str(debt)


def _reasons_held(store: Store, person: str, case: str, debt: str) -> str:
    with sqlite3.connect(store.path) as db:
        held = str(
            db.execute("SELECT return_reason FROM placement WHERE debt_id = ?", (debt,)).fetchall()
        )
        held += str(
            db.execute(
                "SELECT override_reason FROM arrangement WHERE case_id = ?", (case,)
            ).fetchall()
        )
        held += str(
            db.execute(
                "SELECT end_reason FROM thirdpartyauthority WHERE person_id = ?", (person,)
            ).fetchall()
        )
    return held


def test_erasure_leaves_no_return_override_or_end_reason_in_the_tables(
    demo_store: Store,
) -> None:
    """The events seal an agency's return reason, an arrangement's override reason and why an
    authority ended (store/personal.py), but the same words stayed readable in the
    placement, arrangement and thirdpartyauthority rows after `drp erase`."""
    from drp_tui.services.erasure import erase_person

    person, host_ref, case = _mhc_person(demo_store)
    debt = _plant_reasons(demo_store, person, case)
    erase_person(demo_store, SUP, host_ref)
    held = _reasons_held(demo_store, person, case, debt)
    for secret in SECRETS:
        assert secret not in held, held


def test_special_category_retention_leaves_no_return_override_or_end_reason(
    demo_store: Store, policy: PolicyBook
) -> None:
    from datetime import timedelta

    from drp_tui.services.retention import apply_retention

    person, _, case = _mhc_person(demo_store)  # its debts paid: the case is closed
    debt = _plant_reasons(demo_store, person, case)
    later = Actor("psharma", clock=lambda: NOW + timedelta(days=3 * 366))
    result = apply_retention(demo_store, policy, later)
    assert {d.case_id: d.record_type for d in result.due}[case] == "special_category"
    held = _reasons_held(demo_store, person, case, debt)
    for secret in SECRETS:
        assert secret not in held, held


# --- events: more words about the person written in the clear


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [
        # the vulnerability categories that make a third party a risk: the same category
        # vulnerability.recorded seals
        pytest.param("authority.recorded", "risks", ["Domestic abuse"]),
        # a letter held back names the hold: "... while the case has a Breathing Space
        # (mental health crisis) hold" (health data, sealed in breathing_space.recorded)
        pytest.param(
            "letter.withheld",
            "why",
            "Reminder is not sent while the case has a Breathing Space (mental health crisis) hold",
        ),
        # a supervisor's own words on a write-off
        pytest.param("writeoff.refused", "reason", "she is in hospice care; refuse until probate"),
        pytest.param(
            "writeoff.approved", "reason", "terminal diagnosis confirmed by her GP's letter"
        ),
    ],
)
def test_more_words_about_the_person_in_events_are_sealed(
    demo_store: Store, kind: str, field: str, value: object
) -> None:
    from drp_tui.store.personal import is_sealed, seal

    _, _, case = _mhc_person(demo_store)
    with demo_store.write() as session:
        sealed = seal(session, case_id=case, kind=kind, at=NOW, payload={field: value})
    assert is_sealed(sealed[field]), sealed


# --- a case moved away: what the desk keeps of its person


def test_a_case_moved_away_loses_its_mental_health_crisis_record_at_the_next_sync(
    tmp_path: Path,
) -> None:
    """After a rebalance a desk removed the moved person's details, notes and
    vulnerabilities, but kept their mental health crisis moratorium (health data: its kind
    and reference) and the case's hold naming it."""
    from drp_tui.services.privacy import after_sync

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    record_breathing_space(
        alex,
        Actor("asmith", clock=lambda: NOW),
        case_id=host_id("case", "nga", "P2"),
        kind="mental_health_crisis",
        start=date(2026, 11, 20),
        reference="MHC123456",
    )
    run_sync(alex, hub, "asmith")
    allocate(hub, 2, "bjones")
    run_sync(alex, hub, "asmith")
    after_sync(alex, "asmith", NOW)
    pid = host_id("person", "nga", "P2")
    with sqlite3.connect(alex.path) as db:
        held = str(
            db.execute(
                "SELECT kind, reference FROM breathingspace WHERE person_id = ?", (pid,)
            ).fetchall()
        )
        held += str(
            db.execute(
                'SELECT hold_kind, hold_reason FROM "case" WHERE person_id = ?', (pid,)
            ).fetchall()
        )
    assert "mental_health_crisis" not in held, held
    assert "MHC" not in held, held
    # Allocated back, the case comes whole again: the hub kept the record.
    allocate(hub, 2, "asmith")
    run_sync(alex, hub, "asmith")
    with sqlite3.connect(alex.path) as db:
        back = db.execute(
            "SELECT kind, reference FROM breathingspace WHERE person_id = ?", (pid,)
        ).fetchall()
    assert back == [("mental_health_crisis", "MHC123456")], back


# --- state tables: a retention seal forged at the end of the chain


def test_a_retention_seal_appended_by_an_insider_does_not_hide_deleted_payments(
    demo_store: Store,
) -> None:
    """Anchors hold the chain's past, not its end: anyone with the desk's file and drp's own
    code can append a well-linked event. A `retention.applied` event sealing a case the insider
    keeps made `drp audit verify` pass over every payment deleted from it: payments of a case
    retention removed are not checked, whether or not the case was removed."""
    from drp_tui.services import audit
    from drp_tui.store.events import append_event
    from drp_tui.store.seals import RETENTION, write_seal

    with sqlite3.connect(demo_store.path) as db:
        case, deleted = db.execute(
            "SELECT d.case_id, count(*) FROM payment p JOIN debt d ON d.id = p.debt_id "
            "GROUP BY d.case_id ORDER BY count(*) DESC LIMIT 1"
        ).fetchone()
        db.execute(
            "DELETE FROM payment WHERE debt_id IN (SELECT id FROM debt WHERE case_id = ?)",
            (case,),
        )
    assert deleted > 1
    with demo_store.write() as session:
        sealed = write_seal(session.connection(), "forged", RETENTION, [(case, "financial")])
        append_event(
            session,
            officer_id="psharma",
            kind="retention.applied",
            at=NOW,
            event_id="forged",
            payload={"cases": {"financial": 1}, "seals": {RETENTION: sealed}},
        )
    report = audit.verify_all(demo_store)
    assert not report.intact, report.as_json()


# --- a case cut from a desk as if the hub's retention had removed it


def test_a_case_cut_from_a_desk_as_if_removed_on_the_hub_is_found(tmp_path: Path) -> None:
    """A desk's sync removes a case the hub's retention removed, sealed on a
    `retention.removed_on_hub` event, and verify passes over its missing records. With the
    desk's file and drp's own code, an officer cut a live case of theirs (its debts,
    payments and calls) the same way: the hub never removed it, yet verify said intact."""
    from drp_tui.services import audit
    from drp_tui.services.retention import remove_removed_on_hub
    from drp_tui.sync.common import HubRemoval
    from tests.hubteam import case_id

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    cut = [HubRemoval(case_id(1), "financial", NOW.isoformat())]
    assert remove_removed_on_hub(alex, cut, 0, "asmith", NOW) == 1
    report = audit.verify_all(alex)
    assert not report.intact, report.as_json()


# --- subject access: what the team hub holds


def test_a_subject_access_export_can_be_made_from_the_team_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A supervisor's own store holds only the supervisor's cases, and `drp sar` (supervisors
    only) read only that store: what officers' desks recorded about a person on an officer's
    case, which the hub holds, could be exported by no one. Erasure and retention take
    --hub; subject access did not."""
    import json

    from typer.testing import CliRunner

    from drp_tui.cli.main import app
    from drp_tui.services.casework import add_note, record_vulnerability
    from tests.hubteam import SUPERVISOR, case_id

    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    officer = Actor("asmith", clock=lambda: NOW)
    add_note(alex, officer, case_id=case_id(1), text="her son pays it from his wages")
    record_vulnerability(
        alex, officer, case_id=case_id(1), category="mental_health", consent=True, notes="anxious"
    )
    run_sync(alex, hub, "asmith")
    hub.engine.dispose()
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "sup.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    out = tmp_path / "sar.json"
    done = CliRunner().invoke(app, ["sar", "C0000001", "--hub", address, "--out", str(out)])
    assert done.exit_code == 0, done.output
    export = json.loads(out.read_text())
    assert [v["notes"] for v in export["vulnerabilities"]] == ["anxious"]
    notes = [e["payload"]["text"] for e in export["events"] if e["kind"] == "note.added"]
    assert notes == ["her son pays it from his wages"]
    assert export["person"]["forename"] == "Pat1"
    # Recorded on the hub's own log, which still verifies.
    from drp_tui.sync.anchors import verify_hub
    from drp_tui.sync.hub import connect

    hub = connect(hub_url(address))
    report = verify_hub(hub)
    with hub.read() as connection:
        kinds = connection.execute(text("SELECT kind FROM event")).scalars().all()
    hub.engine.dispose()
    assert report.intact, report.as_json()
    assert "sar.exported" in kinds


# --- the desk's own record of its hub, pointed elsewhere


def test_a_tail_cut_checked_against_a_counterfeit_hub_is_still_found(tmp_path: Path) -> None:
    """Verify on a desk checks the chain against its last anchor on "its hub", read from the
    desk's own file (syncstate.hub). An insider who cut the chain's tail made a hub of their
    own (`drp hub init` on a new file), anchored the cut chain's head there and pointed the
    desk at it: verify said intact. The real hub, which holds the true anchor, was never asked.
    (Whoever can also change drp's settings on the laptop is beyond this: a supervisor checks a
    seized copy with DRP_HUB_URL set to the real hub.)"""
    from drp_tui.services import audit
    from drp_tui.store.anchors import anchor_path
    from tests.test_hub_anchors import _head, _insider, _synced_desk, _workstation

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    alex = _synced_desk(tmp_path, hub)
    seq, _ = _head(alex)
    db = _insider(alex.path)
    db.execute("DELETE FROM event WHERE seq >= ?", (seq - 1,))
    db.close()
    anchor_path(alex.path).unlink()
    head_seq, head_hash = _head(alex)
    fake_path = tmp_path / "fake" / "hub.sqlite"
    fake, _ = init_hub(hub_url(str(fake_path)))
    with fake.write() as connection:
        connection.execute(
            text(
                "INSERT INTO hubanchor (workstation_id, seq, officer_id, hash, received_at) "
                "VALUES (:w, :s, 'asmith', :h, :at)"
            ),
            {"w": _workstation(alex), "s": head_seq, "h": head_hash, "at": NOW.isoformat()},
        )
    fake.engine.dispose()
    db = _insider(alex.path)
    db.execute("UPDATE syncstate SET hub = ?", (str(fake_path),))
    db.close()
    # Checked against the hub drp is set to sync with (as `drp audit verify` passes it), not
    # the one the file names: the cut is found, and the pointing elsewhere is named.
    report = audit.verify_all(alex, str(tmp_path / "hub.sqlite"))
    assert report.chain.intact
    assert not report.intact, report.as_json()
    assert any("events were removed from its end" in p for p in report.anchor_problems)
    assert any("not the hub drp is set to" in p for p in report.anchor_problems)
