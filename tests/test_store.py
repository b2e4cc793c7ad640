"""The local store: creation and migration, exact money, the append-only hash-chained log."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services import audit
from drp_tui.services.identity import set_store_kind
from drp_tui.store.engine import SCHEMA_REVISION, current_revision, open_store
from drp_tui.store.errors import StoreError
from drp_tui.store.events import append_event
from drp_tui.store.migrate import head_revision, upgrade_to_head
from drp_tui.store.models import Case, Debt, Event, Officer, Outbox, Person, host_id

AT = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def seed(session: object) -> None:
    from sqlmodel import Session

    assert isinstance(session, Session)
    person_id = host_id("person", "nga", "P1")
    case_id = host_id("case", "nga", "P1")
    # Rows are flushed parent first: without ORM relationships the session does not order
    # inserts by foreign key, and the store enforces foreign keys.
    session.add(Officer(id="asmith", name="Alex Smith"))
    session.add(
        Person(
            id=person_id,
            host_system="nga",
            host_ref="P1",
            forename="Jo",
            surname="Bloggs",
            date_of_birth=date(1980, 2, 29),
        )
    )
    session.flush()
    session.add(Case(id=case_id, reference="C0000001", person_id=person_id))
    session.flush()
    session.add(
        Debt(
            id=host_id("debt", "nga", "D1"),
            host_system="nga",
            host_ref="D1",
            case_id=case_id,
            debt_type="council_tax",
            original_amount=Decimal("1200"),
            balance=Decimal("612.34"),
            stage="final_notice",
        )
    )


def test_a_new_store_is_created_at_the_current_schema_with_safe_pragmas(tmp_path: Path) -> None:
    store = open_store(tmp_path / "sub" / "drp.sqlite")
    assert current_revision(store.engine) == SCHEMA_REVISION
    with store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000


def test_schema_revision_constant_matches_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_REVISION


def test_a_store_made_by_the_first_migration_opens_and_upgrades_with_its_data(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    old = open_store(path, upgrade=False) if path.exists() else None
    assert old is None
    from drp_tui.store.engine import sqlite_engine

    engine = sqlite_engine(path)
    upgrade_to_head(engine, revision="0001")
    connection = sqlite3.connect(path)
    connection.execute(
        "INSERT INTO officer (id, name, role, team, skills, active, "
        "daily_call_target) VALUES ('asmith', 'Alex', 'officer', '', '[]', 1, 60)"
    )
    connection.commit()
    connection.close()
    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION
    with store.read() as session:
        assert session.get(Officer, "asmith") is not None


def test_a_store_at_0002_with_a_debt_placed_twice_upgrades_to_one_open_placement(
    tmp_path: Path,
) -> None:
    """Before 0003 a debt could be open with two agencies at once. The upgrade keeps the first
    placement open, closes the later one with a reason saying why, and from then on the store
    itself refuses a second open placement on a debt."""
    from drp_tui.store.engine import sqlite_engine
    from drp_tui.store.models import Placement

    path = tmp_path / "old.sqlite"
    upgrade_to_head(sqlite_engine(path), revision="0002")
    connection = sqlite3.connect(path)
    connection.executescript(
        "INSERT INTO person (id, host_system, host_ref, title, forename, surname, "
        "preferred_contact) "
        "VALUES ('p1', 'h', 'P1', '', 'Jo', 'Bloggs', '[]');"
        'INSERT INTO "case" (id, reference, person_id, status, priority_score, '
        "priority_reason) VALUES ('c1', 'C0000001', 'p1', 'open', 0, '');"
        "INSERT INTO debt (id, host_system, host_ref, case_id, debt_type, period, "
        "original_amount, balance, costs, stage, jurisdiction) VALUES "
        "('d1', 'h', 'D1', 'c1', 'council_tax', '', 60000, 60000, 0, 'liability_order', "
        "'england'), ('d2', 'h', 'D2', 'c1', 'council_tax', '', 100, 100, 0, "
        "'liability_order', 'england');"
        "INSERT INTO agency (id, name, kind) VALUES ('ea1', 'EA One', 'enforcement_agent'), "
        "('ea2', 'EA Two', 'enforcement_agent');"
        "INSERT INTO placement (id, debt_id, agency_id, placed_on, amount, status) VALUES "
        "('pl-b', 'd1', 'ea2', '2026-11-20', 60000, 'open'), "
        "('pl-a', 'd1', 'ea1', '2026-11-02', 60000, 'open'), "
        "('pl-c', 'd2', 'ea1', '2026-11-02', 100, 'open');"
    )
    connection.commit()
    connection.close()
    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION
    with store.read() as session:
        rows = {p.id: p for p in session.execute(select(Placement)).scalars()}
    assert {key: p.status for key, p in rows.items()} == {
        "pl-a": "open",
        "pl-b": "returned",
        "pl-c": "open",
    }
    assert "already placed with another agency" in (rows["pl-b"].return_reason or "")
    with pytest.raises(IntegrityError, match="UNIQUE"), store.write() as session:
        session.add(
            Placement(
                id="pl-d",
                debt_id="d1",
                agency_id="ea2",
                placed_on=date(2026, 11, 30),
                amount=Decimal("600"),
            )
        )
    with store.write() as session:  # a closed placement does not count
        session.add(
            Placement(
                id="pl-e",
                debt_id="d1",
                agency_id="ea2",
                placed_on=date(2026, 11, 30),
                amount=Decimal("600"),
                status="returned",
            )
        )


def test_money_is_exact_in_pence_and_fractions_of_a_penny_are_refused(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        seed(session)
    raw = sqlite3.connect(tmp_path / "drp.sqlite").execute("SELECT balance FROM debt").fetchone()
    assert raw == (61234,)
    with store.read() as session:
        debt = session.execute(select(Debt)).scalar_one()
        assert debt.balance == Decimal("612.34")

    def set_fractional_balance() -> None:
        with store.write() as session:
            debt = session.execute(select(Debt)).scalar_one()
            debt.balance = Decimal("1.005")

    with pytest.raises(Exception, match="fractions of a penny"):
        set_fractional_balance()


def test_a_failed_write_leaves_the_store_exactly_as_it_was(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        seed(session)

    def event_then_bad_row() -> None:
        with store.write() as session:
            append_event(session, officer_id="asmith", kind="note.added", at=AT)
            session.add(Case(id="x", reference="C0000002", person_id="no-such-person"))

    with pytest.raises(IntegrityError):
        event_then_bad_row()
    with store.read() as session:
        assert session.execute(select(Event)).first() is None
        assert session.execute(select(Outbox)).first() is None


def test_events_chain_and_land_in_the_outbox(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        seed(session)
        case_id = host_id("case", "nga", "P1")
        first = append_event(
            session,
            officer_id="asmith",
            kind="case.viewed",
            at=AT,
            case_id=case_id,
            payload={"reason": "queue"},
        )
        second = append_event(
            session,
            officer_id="asmith",
            kind="note.added",
            at=AT,
            case_id=case_id,
            payload={"text": "Called, no answer £5"},
        )
    assert second.prev_hash == first.hash
    check = audit.verify(store)
    assert (check.intact, check.events) == (True, 2)
    with store.read() as session:
        assert len(session.execute(select(Outbox)).all()) == 2
    found, events = audit.case_history(store, "c0000001")
    assert found.reference == "C0000001"
    assert [e.kind for e in events] == ["case.viewed", "note.added"]


def test_the_event_log_refuses_updates_and_deletes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        append_event(session, officer_id="asmith", kind="note.added", at=AT)
    for statement in ("UPDATE event SET kind = 'x'", "DELETE FROM event"):
        with pytest.raises(IntegrityError, match="append-only"), store.write() as session:
            session.execute(text(statement))


def test_tampering_is_found_and_the_first_broken_event_named(tmp_path: Path) -> None:
    path = tmp_path / "drp.sqlite"
    store = open_store(path)
    with store.write() as session:
        for number in range(5):
            append_event(
                session, officer_id="asmith", kind="note.added", at=AT, payload={"n": number}
            )
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER event_no_update")
    raw.execute("UPDATE event SET payload = '{\"n\":99}' WHERE seq = 3")
    raw.commit()
    check = audit.verify(store)
    assert (check.intact, check.first_broken_seq) == (False, 3)
    assert "altered" in (check.problem or "")
    raw.execute("DROP TRIGGER event_no_delete")
    raw.execute("DELETE FROM event WHERE seq IN (2, 3)")
    raw.commit()
    removed = audit.verify(store)
    assert (removed.intact, removed.first_broken_seq) == (False, 4)
    assert "removed" in (removed.problem or "")


def test_a_file_that_is_not_a_store_is_a_clear_error(tmp_path: Path) -> None:
    bogus = tmp_path / "notes.sqlite"
    bogus.write_text("shopping list\n" * 100)
    with pytest.raises(StoreError, match="not a drp store"):
        open_store(bogus)


runner = CliRunner()


def test_cli_db_upgrade_and_audit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cli.sqlite"
    monkeypatch.setenv("DRP_STORE", str(path))
    first = runner.invoke(app, ["db", "upgrade", "--json"])
    assert first.exit_code == 0, first.stderr
    assert '"created": true' in first.stdout
    again = runner.invoke(app, ["db", "upgrade"])
    assert "up to date" in again.stdout
    store = open_store(path)
    with store.write() as session:
        seed(session)
        append_event(
            session,
            officer_id="asmith",
            kind="case.viewed",
            at=AT,
            case_id=host_id("case", "nga", "P1"),
            payload={"reason": "search"},
        )
    verified = runner.invoke(app, ["audit", "verify"])
    assert verified.exit_code == 0
    assert "intact 1 events" in verified.stdout
    set_store_kind(store, "training")  # a case's history: its officer's or a supervisor's
    with store.write() as session:
        session.add(Officer(id="psharma", name="Priya Sharma", role="supervisor"))
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    shown = runner.invoke(app, ["audit", "show", "--case", "C0000001", "--json"])
    assert shown.exit_code == 0
    assert '"kind": "case.viewed"' in shown.stdout
    missing = runner.invoke(app, ["audit", "show", "--case", "C9"])
    assert missing.exit_code == 2
    assert "no case with reference" in missing.stderr
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER event_no_update")
    raw.execute("UPDATE event SET kind = 'case.edited'")
    raw.commit()
    broken = runner.invoke(app, ["audit", "verify"])
    assert broken.exit_code == 1
    assert "broken at event #1" in broken.stdout


def test_cli_reports_an_unusable_store_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bogus = tmp_path / "bogus.sqlite"
    bogus.write_text("not a database\n" * 50)
    monkeypatch.setenv("DRP_STORE", str(bogus))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert result.stderr.startswith("drp: store:")
    assert len(result.stderr.strip().splitlines()) == 1


def test_the_migrations_build_exactly_the_schema_the_models_describe(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlmodel import SQLModel

    store = open_store(tmp_path / "drp.sqlite")
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": False})
        assert compare_metadata(context, SQLModel.metadata) == []


def test_events_written_with_a_local_summer_clock_verify(tmp_path: Path) -> None:
    from zoneinfo import ZoneInfo

    store = open_store(tmp_path / "drp.sqlite")
    summer = datetime(2026, 7, 1, 10, 30, 15, tzinfo=ZoneInfo("Europe/London"))
    with store.write() as session:
        append_event(session, officer_id="asmith", kind="note.added", at=summer)
        append_event(
            session,
            officer_id="asmith",
            kind="note.added",
            at=datetime(2026, 7, 1, 9, 31, tzinfo=UTC),
        )
    check = audit.verify(store)
    assert check.intact, check.problem
