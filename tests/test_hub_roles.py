"""Each officer's desk logs in to a PostgreSQL hub as their own role (issue 19, item 3): the
database, not the desk, decides what it may read and write. Distinct login roles on a real
cluster: a desk role cannot write hub tables directly, row-level security hides other
officers' cases, every forgery its raw login sends (through the hub's write functions, h023)
is skipped and recorded, and an honest desk
syncs as before."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor, add_note
from drp_tui.services.payments import record_payment
from drp_tui.store.events import append_event
from drp_tui.store.models import Officer
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import Hub, connect, hub_url
from drp_tui.sync.roles import ensure_login_role, set_password
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    balance,
    case_id,
    debt_id,
    desk,
    desk_insert,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster

runner = CliRunner()


def password_of(officer: str) -> str:
    return f"pw-{officer}-only-in-a-passfile"


def login(postgres: PostgresCluster, owner: Hub, officer: str) -> Hub:
    """The hub as `officer`'s desk sees it: their own role, its password in the passfile."""
    ensure_login_role(owner, officer)
    set_password(owner, officer, password_of(officer))
    postgres.write_passfile(officer, password_of(officer))
    database = owner.url.database or ""
    return connect(hub_url(postgres.url(database, user=officer)))


def raw(
    postgres: PostgresCluster, hub: Hub, officer: str
) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(postgres.url(hub.url.database or "", user=officer), autocommit=True)


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    """A team hub: asmith (case 1) and the supervisor in Recovery, bjones (case 2) in Fraud."""
    hub = team_hub(postgres.url(postgres.new_hub()))
    with hub.as_store().write() as session:
        for officer, team in (
            ("asmith", "Recovery"),
            (SUPERVISOR, "Recovery"),
            ("bjones", "Fraud"),
        ):
            found = session.get(Officer, officer)
            assert found is not None
            found.team = team
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    yield hub
    hub.engine.dispose()


def test_officer_add_on_the_hub_makes_a_login_role_and_the_password_comes_from_stdin(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    address = postgres.url(owner.url.database or "")
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "sam.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    added = runner.invoke(
        app, ["officer", "add", "cdavies", "--name", "Cy Davies", "--hub", address]
    )
    assert added.exit_code == 0, added.output
    with owner.read() as connection:
        can_login, in_desk_group = connection.execute(
            text(
                "SELECT rolcanlogin, pg_has_role(oid, 'drp_desk', 'MEMBER') FROM pg_roles "
                "WHERE rolname = 'cdavies'"
            )
        ).one()
    assert (can_login, in_desk_group) == (False, True)  # no login until it has a password

    secret = "correct horse battery"
    done = runner.invoke(app, ["hub", "password", "cdavies", "--hub", address], input=secret + "\n")
    assert done.exit_code == 0, done.output
    assert secret not in done.output
    postgres.write_passfile("cdavies", secret)
    with raw(postgres, owner, "cdavies") as connection:
        assert connection.execute("SELECT session_user").fetchone() == ("cdavies",)
    unknown = runner.invoke(app, ["hub", "password", "nobody", "--hub", address], input="x\n")
    assert unknown.exit_code == 3
    assert "no login role 'nobody'" in unknown.output


@pytest.mark.parametrize(
    "statement",
    [
        """INSERT INTO "case" (id, reference, person_id) VALUES ('c9', 'C9', 'p9')""",
        "UPDATE debt SET balance = 0",
        """UPDATE "case" SET officer_id = 'asmith'""",
        "UPDATE officer SET role = 'supervisor' WHERE id = 'asmith'",
        "INSERT INTO officer (id, name) VALUES ('x', 'X')",
        "DELETE FROM hubevent",
        "DELETE FROM contactattempt",
        "DELETE FROM huballocation",
        "INSERT INTO huballocation (case_id, officer_id) VALUES ('c2', 'asmith')",
        "UPDATE hubrefusal SET reason = ''",
        "TRUNCATE payment",
        "UPDATE payment SET amount = 0",
    ],
)
def test_a_desk_role_cannot_write_hub_tables_directly(
    postgres: PostgresCluster, owner: Hub, statement: str
) -> None:
    login(postgres, owner, "asmith").engine.dispose()
    with raw(postgres, owner, "asmith") as connection, pytest.raises(errors.InsufficientPrivilege):
        connection.execute(statement)


def test_row_level_security_shows_a_desk_only_its_officers_cases(
    postgres: PostgresCluster, owner: Hub
) -> None:
    for officer in ("asmith", "bjones", SUPERVISOR):
        login(postgres, owner, officer).engine.dispose()

    def seen(officer: str, sql: str) -> list[str]:
        with raw(postgres, owner, officer) as connection:
            return sorted(str(row[0]) for row in connection.execute(sql).fetchall())

    cases = 'SELECT id FROM "case"'
    assert seen("asmith", cases) == [case_id(1)]
    assert seen("bjones", cases) == [case_id(2)]
    assert seen(SUPERVISOR, cases) == [case_id(1)]  # the supervisor's team: asmith's
    for officer, number in (("asmith", 1), ("bjones", 2)):
        assert seen(officer, "SELECT id FROM debt") == [debt_id(number)]
        assert seen(officer, "SELECT forename FROM person") == [f"Pat{number}"]
        assert seen(officer, "SELECT id FROM phone") == [f"phone-{number}"]
    assert len(seen("asmith", "SELECT id FROM officer")) == 3  # the team: for everyone


def test_an_honest_desk_syncs_as_its_own_login(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    as_alex, as_bea = login(postgres, owner, "asmith"), login(postgres, owner, "bjones")
    alex, bea = desk(tmp_path, "alex"), desk(tmp_path, "bea")
    run_sync(alex, as_alex, "asmith")
    run_sync(bea, as_bea, "bjones")
    actor = Actor("asmith", clock=lambda: NOW)
    record_payment(alex, actor, debt_id=debt_id(1), amount=Decimal("75.00"), received_on=NOW.date())
    add_note(alex, actor, case_id=case_id(1), text="paid by card")
    pushed = run_sync(alex, as_alex, "asmith")
    assert (pushed.refused, pushed.pushed_events) == (0, 2)
    assert balance(owner.as_store(), 1) == Decimal("425.00")  # by the hub's trigger
    assert balance(alex, 1) == Decimal("425.00")
    run_sync(bea, as_bea, "bjones")
    with bea.engine.connect() as connection:
        assert connection.execute(text('SELECT id FROM "case"')).scalars().all() == [case_id(2)]
    with pytest.raises(HubError, match="logs in to the hub as asmith"):
        run_sync(desk(tmp_path, "other"), as_alex, "bjones")


def _event(key: str, officer: str, case: str | None, kind: str) -> dict[str, Any]:
    return {
        "id": key,
        "officer_id": officer,
        "at": "x",
        "case_id": case,
        "kind": kind,
        "payload": "{}",
        "prev_hash": "x",
        "hash": "x",
        "workstation_id": "w",
        "received_at": "x",
    }


def _payment(key: str, debt: str, amount: int) -> dict[str, Any]:
    return {
        "id": key,
        "debt_id": debt,
        "amount": amount,
        "received_on": "2026-11-23",
        "source": "host",
        "reference": "",
    }


# Each: the table, the row a desk's raw login sends through the hub's write function (the only
# way it writes a hub table, h023), the item refused and why.
FORGERIES = {
    "event on bjones's case in his name": (
        "hubevent",
        _event("f1", "bjones", case_id(2), "contact.recorded"),
        "event f1",
        "in the name of another officer",
    ),
    "case-less writeoff.approved": (
        "hubevent",
        _event("f2", "asmith", None, "writeoff.approved"),
        "event f2",
        "only a supervisor",
    ),
    "officer.changed by the supervisor": (
        "hubevent",
        _event("f3", "sup", None, "officer.changed"),
        "event f3",
        "in the name of another officer",
    ),
    "a payment of -50,000 with no event": (
        "payment",
        _payment("f4", debt_id(1), -5000000),
        "payment f4",
        "no payment.recorded event explains it",
    ),
    "a write-off inserted approved": (
        "writeoffrequest",
        {
            "id": "f5",
            "debt_id": debt_id(1),
            "reason_code": "x",
            "amount": 50000,
            "requested_by": "asmith",
            "requested_at": "x",
            "approved_by": "asmith",
            "approved_at": "x",
            "status": "approved",
        },
        "writeoffrequest f5",
        "an approved write-off only from a supervisor",
    ),
    "a payment on bjones's debt": (
        "payment",
        _payment("f6", debt_id(2), 100),
        "payment f6",
        "case never allocated to this officer",
    ),
}


@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_a_forgery_sent_as_raw_sql_by_a_desk_role_is_skipped_and_recorded(
    postgres: PostgresCluster, owner: Hub, forgery: str
) -> None:
    table, row, item, reason = FORGERIES[forgery]
    login(postgres, owner, "asmith").engine.dispose()
    with raw(postgres, owner, "asmith") as connection:
        desk_insert(connection, table, row)
    with owner.read() as connection:
        refused = connection.execute(
            text("SELECT officer_id, reason FROM hubrefusal WHERE item = :i"), {"i": item}
        ).all()
        landed = connection.execute(
            text(
                "SELECT (SELECT count(*) FROM hubevent) + (SELECT count(*) FROM payment) "
                "+ (SELECT count(*) FROM writeoffrequest)"
            )
        ).scalar_one()
    assert [officer for officer, _ in refused] == ["asmith"]
    assert reason in refused[0][1]
    assert landed == 0
    assert balance(owner.as_store(), 1) == Decimal("500.00")


def test_a_desk_role_whose_officer_is_not_on_the_hub_gets_nothing_in(
    postgres: PostgresCluster, owner: Hub
) -> None:
    login(postgres, owner, "zghost").engine.dispose()
    with raw(postgres, owner, "zghost") as connection:
        assert connection.execute('SELECT count(*) FROM "case"').fetchone() == (0,)
        desk_insert(connection, "hubevent", _event("g1", "zghost", None, "note.added"))
    with owner.read() as connection:
        assert connection.execute(text("SELECT reason FROM hubrefusal")).scalars().all() == [
            "no officer 'zghost' on the hub"
        ]


def test_forged_events_pushed_staged_by_a_desk_login_are_refused_and_recorded(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    as_alex = login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    with alex.write() as session:
        forged = [
            append_event(session, officer_id=officer, kind=kind, at=NOW, case_id=case).id
            for officer, kind, case in (
                ("bjones", "contact.recorded", case_id(2)),
                ("asmith", "writeoff.approved", None),
                ("asmith", "note.added", case_id(2)),
            )
        ]
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="honest")
    result = run_sync(alex, as_alex, "asmith")
    assert (result.refused, result.pushed_events) == (3, 1)
    with owner.read() as connection:
        refused = connection.execute(text("SELECT item FROM hubrefusal")).scalars().all()
        kinds = connection.execute(text("SELECT kind FROM hubevent")).scalars().all()
    assert sorted(refused) == sorted(f"event {e}" for e in forged)
    assert kinds == ["note.added"]


def test_a_desk_cannot_stage_events_as_another_login(postgres: PostgresCluster, owner: Hub) -> None:
    for officer in ("asmith", "bjones"):
        login(postgres, owner, officer).engine.dispose()
    with raw(postgres, owner, "asmith") as connection:
        connection.execute(
            "INSERT INTO hubstage_event (login, id, officer_id, at, case_id, kind, payload, "
            "prev_hash, hash) VALUES ('bjones', 's1', 'bjones', 'x', %s, 'note.added', '{}', "
            "'x', 'x')",
            (case_id(2),),
        )
    for officer, workstation in (("asmith", "w"), ("bjones", "w-bea")):  # as a sync registers
        with raw(postgres, owner, officer) as connection:
            row = {"id": workstation, "officer_id": officer, "first_seen_at": "x"}
            desk_insert(connection, "hubworkstation", {**row, "cursor": 0, "events_pushed": 0})
    with raw(postgres, owner, "bjones") as connection:
        pushed = connection.execute("SELECT * FROM drp_push_events('w-bea', 'x')").fetchall()
    assert pushed == []  # staged as asmith's, whatever it said
    with raw(postgres, owner, "asmith") as connection:
        pushed = connection.execute("SELECT * FROM drp_push_events('w', 'x')").fetchall()
    assert pushed == [("s1", "note.added: in the name of another officer (bjones)")]
