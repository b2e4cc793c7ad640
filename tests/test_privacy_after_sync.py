"""Issue 20: after a sync, a desk keeps personal data only for its officer's cases. A case
moved to a colleague on the hub loses, on this desk, its person's name, date of birth,
phones, addresses, call notes and vulnerabilities; the hub keeps them, and the officer's own
cases keep theirs."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services import audit
from drp_tui.store.engine import Store
from drp_tui.store.models import (
    Address,
    ContactAttempt,
    Person,
    Phone,
    RowChange,
    Vulnerability,
    host_id,
)
from tests.hubteam import NOW, allocate, desk, run_sync, team_hub

runner = CliRunner()


def person(store: Store, number: int) -> Person:
    with store.read() as session:
        found = session.get(Person, host_id("person", "nga", f"P{number}"))
        assert found is not None
        return found


def held(store: Store, number: int) -> dict[str, int]:
    pid = host_id("person", "nga", f"P{number}")
    with store.read() as session:
        return {
            "phones": len(session.execute(select(Phone).where(col(Phone.person_id) == pid)).all()),
            "addresses": len(
                session.execute(select(Address).where(col(Address.person_id) == pid)).all()
            ),
            "vulnerabilities": len(
                session.execute(
                    select(Vulnerability).where(col(Vulnerability.person_id) == pid)
                ).all()
            ),
        }


def sync_cli(monkeypatch: pytest.MonkeyPatch, store: Store, hub: str) -> None:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_HUB_URL", hub)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = runner.invoke(app, ["sync", "--json"])
    assert result.exit_code == 0, result.output


def test_a_case_moved_away_loses_its_personal_data_at_the_next_sync(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = str(tmp_path / "hub.sqlite")
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    sync_cli(monkeypatch, alex, address)
    # Details gathered on the desk about person 2: an address, a note, a vulnerability.
    pid = host_id("person", "nga", "P2")
    with alex.write() as session:
        session.add(Address(person_id=pid, line1="1 High St", postcode="AB1 2CD"))
        session.add(
            Vulnerability(person_id=pid, category="mental_health", consent=True, notes="anxious")
        )
        session.add(
            ContactAttempt(
                case_id=host_id("case", "nga", "P2"),
                officer_id="asmith",
                phone_id="phone-2",
                started_at=NOW,
                notes="Said she is caring for her mother",
            )
        )
    run_sync(alex, hub, "asmith")  # the hub has them too
    assert person(alex, 2).date_of_birth == date(1980, 1, 2)

    allocate(hub, 2, "bjones")  # moved to a colleague
    sync_cli(monkeypatch, alex, address)

    gone = person(alex, 2)
    assert (gone.forename, gone.surname, gone.date_of_birth, gone.email) == ("", "", None, None)
    assert held(alex, 2) == {"phones": 0, "addresses": 0, "vulnerabilities": 0}
    with alex.read() as session:
        notes = session.execute(
            select(col(ContactAttempt.notes), col(ContactAttempt.phone_id))
        ).all()
        assert [tuple(n) for n in notes] == [("", None)]
        # Nothing of the removal waits to go to the hub.
        assert session.execute(select(RowChange)).all() == []
    # The officer's own case keeps everything.
    kept = person(alex, 1)
    assert (kept.forename, kept.date_of_birth) == ("Pat1", date(1980, 1, 1))
    assert held(alex, 1)["phones"] == 1
    # The hub still holds the record for bjones.
    on_hub = person(hub.as_store(), 2)
    assert (on_hub.forename, on_hub.date_of_birth) == ("Pat2", date(1980, 1, 2))
    # (the address typed on the desk is a desk-only row: it never travelled)
    assert held(hub.as_store(), 2) == {"phones": 1, "addresses": 0, "vulnerabilities": 1}
    # The removal is in the audit trail, and the chain still verifies.
    with alex.read() as session:
        from drp_tui.store.models import Event

        kinds = [e.kind for e in session.execute(select(Event)).scalars()]
    assert "privacy.removed" in kinds
    assert audit.verify(alex).intact


def test_after_sync_removes_each_person_once(tmp_path: Path) -> None:
    from drp_tui.services.privacy import after_sync

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    assert after_sync(alex, "asmith", NOW).people == 0  # both are alex's
    allocate(hub, 2, "bjones")
    run_sync(alex, hub, "asmith")
    assert after_sync(alex, "asmith", NOW).people == 1
    assert after_sync(alex, "asmith", NOW).people == 0  # nothing left to remove


def test_unallocated_cases_and_a_supervisors_desk_keep_their_people(tmp_path: Path) -> None:
    import sqlite3

    from drp_tui.services.privacy import after_sync

    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    allocate(hub, 2, "bjones")
    run_sync(alex, hub, "asmith")
    # A case allocated to no one (say, imported here and not yet allocated) is kept.
    db = sqlite3.connect(alex.path, isolation_level=None)
    db.execute('UPDATE "case" SET officer_id = NULL WHERE reference = ?', ("C0000002",))
    assert after_sync(alex, "asmith", NOW).people == 0
    db.execute('UPDATE "case" SET officer_id = ? WHERE reference = ?', ("bjones", "C0000002"))
    # A supervisor's store oversees the team: nothing is removed from it.
    assert after_sync(alex, "sup", NOW).people == 0
    assert person(alex, 2).forename == "Pat2"
    assert after_sync(alex, "asmith", NOW).people == 1


def test_an_erasure_blanks_each_written_column_once_and_the_sweep_keeps_only_the_place() -> None:
    """One list (store/personal.py WRITTEN_TEXT): the sweep of a case moved away blanks what
    officers wrote but where an appointment is; an erasure blanks the rest, nothing twice."""
    from drp_tui.services.privacy import ERASE_STATEMENTS, ERASE_WRITTEN, SWEEP_KEEPS
    from drp_tui.store.personal import WRITTEN_TEXT

    def blanking(statements: tuple[str, ...], table: str, column: str) -> int:
        return sum(s.startswith(f"UPDATE {table} ") and f" {column} = ''" in s for s in statements)

    for table, columns in WRITTEN_TEXT.items():
        for column in columns:
            kept = column in SWEEP_KEEPS.get(table, ())
            assert blanking(ERASE_STATEMENTS, table, column) == (0 if kept else 1), column
            assert blanking(ERASE_STATEMENTS + ERASE_WRITTEN, table, column) == 1, column
    assert SWEEP_KEEPS == {"appointment": ("place",)}
