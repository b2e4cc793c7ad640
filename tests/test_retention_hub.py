"""Issue 20: retention on the team hub (`drp retention apply --hub URL [--dry-run]`). The hub
holds every desk's people, what desks wrote about them and the keys sealing it; the same
retention table (data/policy/retention.toml) and the same service (services/retention.py)
decide what goes, on a real PostgreSQL hub. A case paid off seven years ago goes whole, one
paid off three years ago loses its special-category data, cases that still owe stay; the
hub's own log still verifies (`drp audit verify --hub`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor, add_note, record_vulnerability
from drp_tui.services.payments import record_payment
from drp_tui.store.models import host_id
from drp_tui.store.seals import REMOVED_ON_HUB
from drp_tui.sync.anchors import verify_hub
from drp_tui.sync.hub import Hub, connect, hub_url
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    debt_id,
    desk,
    officer_login,
    pay_off,
    raw_login,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster

runner = CliRunner()
PAID_LATER = NOW + timedelta(days=4 * 366)  # case 2 paid off four years on
LATER = NOW + timedelta(days=7 * 366)  # when retention runs
P1 = host_id("person", "nga", "P1")


def _team(postgres: PostgresCluster, tmp_path: Path) -> tuple[Hub, str]:
    """A hub on PostgreSQL: asmith's desk wrote a note about P1 and recorded P2's
    vulnerability; P1 paid off now, P2 four years on, P3 and P4 still owe."""
    address = postgres.url(postgres.new_database())
    owner = team_hub(address)
    _work(owner, officer_login(postgres, owner, "asmith"), tmp_path)
    return owner, address


def _work(owner: Hub, as_alex: Hub, tmp_path: Path) -> None:
    """_team's work on `owner`, alex's desk syncing through `as_alex`."""
    allocate(owner, 1, "asmith")
    allocate(owner, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    officer = Actor("asmith", clock=lambda: NOW)
    add_note(alex, officer, case_id=case_id(1), text="her son pays it from his wages")
    record_vulnerability(
        alex, officer, case_id=case_id(2), category="mental_health", consent=True, notes="anxious"
    )
    run_sync(alex, as_alex, "asmith")
    as_alex.engine.dispose()
    pay_off(owner.as_store(), P1)
    record_payment(
        owner.as_store(),
        Actor(SUPERVISOR, clock=lambda: PAID_LATER),
        debt_id=debt_id(2),
        amount=Decimal("500.00"),
        received_on=PAID_LATER.date(),
    )


# Each kind of hub, and how alex's desk reaches it: a SQLite file; PostgreSQL with the hub
# owner's connection; PostgreSQL through asmith's own login (tests/hubteam.py officer_login).
HUB_KINDS = ("sqlite", "postgresql", "officer_login")


def _team_on(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> tuple[Hub, str, Callable[[], Hub]]:
    """_team on a hub of `kind`: the hub's owner, its address and how alex's desk logs in."""
    if kind == "sqlite":
        address = str(tmp_path / "hub.sqlite")
        owner = team_hub(address)

        def login() -> Hub:
            return connect(hub_url(address))
    else:
        postgres: PostgresCluster = request.getfixturevalue("postgres")
        address = postgres.url(postgres.new_database())
        owner = team_hub(address)

        def login() -> Hub:
            if kind == "officer_login":
                return officer_login(postgres, owner, "asmith")
            return connect(hub_url(address))

    _work(owner, login(), tmp_path)
    return owner, address, login


def _held(hub: Hub) -> dict[str, Any]:
    with hub.read() as connection:

        def rows(sql: str) -> list[list[Any]]:
            return [list(r) for r in connection.execute(text(sql))]

        return {
            "cases": rows('SELECT reference FROM "case" ORDER BY reference'),
            "people": rows("SELECT host_ref, forename FROM person ORDER BY host_ref"),
            "vulnerabilities": rows("SELECT person_id, notes FROM vulnerability"),
            "keys": rows("SELECT person_id, key IS NOT NULL FROM personkey ORDER BY person_id"),
            "payments": rows("SELECT debt_id FROM payment ORDER BY debt_id"),
        }


def _as(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, officer: str) -> None:
    monkeypatch.setenv("DRP_STORE", str(tmp_path / f"{officer}.sqlite"))
    monkeypatch.setenv("DRP_OFFICER", officer)
    monkeypatch.setenv("DRP_NOW", LATER.isoformat())


def test_retention_on_a_postgresql_hub_removes_what_is_due_and_the_log_verifies(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, address = _team(postgres, tmp_path)
    before = _held(owner)
    assert before["keys"]
    assert all(held for _, held in before["keys"])
    _as(monkeypatch, tmp_path, SUPERVISOR)

    dry = runner.invoke(app, ["retention", "apply", "--dry-run", "--hub", address, "--json"])
    assert dry.exit_code == 0, dry.output
    listed = json.loads(dry.output)
    assert listed["applied"] is False
    assert {d["case"]: d["record_type"] for d in listed["due"]} == {
        "C0000001": "financial",
        "C0000002": "special_category",
    }
    assert _held(owner) == before  # a dry run changes nothing

    done = runner.invoke(app, ["retention", "apply", "--hub", address, "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["applied"] is True
    after = _held(owner)
    assert after["cases"] == [["C0000002"], ["C0000003"], ["C0000004"]]  # case 1 whole
    assert after["people"] == [["P2", "Pat2"], ["P3", "Pat3"], ["P4", "Pat4"]]
    assert after["vulnerabilities"] == []  # case 2's special category
    assert after["keys"] == [[p, False] for p, _ in before["keys"]]  # events' text unreadable
    assert after["payments"] == [[debt_id(2)]]
    report = verify_hub(owner)
    assert report.intact, report.as_json()
    verified = runner.invoke(app, ["audit", "verify", "--hub", address, "--json"])
    assert verified.exit_code == 0, verified.output
    with owner.read() as connection:
        recorded = connection.execute(
            text("SELECT count(*) FROM event WHERE kind = 'retention.applied'")
        ).scalar_one()
    assert recorded == 1
    # alex's desk syncs on: the erased keys of the people kept reach it, and nothing the hub
    # removed breaks it (a case removed whole: test_a_case_removed_whole_on_the_hub_...).
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    with alex.read() as session:
        keys = (
            session.connection()
            .execute(text("SELECT key FROM personkey WHERE person_id != :p"), {"p": P1})
            .scalars()
            .all()
        )
    assert keys
    assert set(keys) == {None}
    as_alex.engine.dispose()
    owner.engine.dispose()


def test_retention_on_the_hub_is_for_supervisors(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    owner, address = _team(postgres, tmp_path)
    before = _held(owner)
    _as(monkeypatch, tmp_path, "asmith")
    refused = runner.invoke(app, ["retention", "apply", "--hub", address])
    assert refused.exit_code == 1, refused.output
    assert "supervisor" in refused.output
    assert _held(owner) == before
    owner.engine.dispose()


@pytest.mark.parametrize("kind", HUB_KINDS)
def test_a_case_removed_whole_on_the_hub_goes_from_the_desk_at_its_next_sync(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub records the cases retention removed whole (hubremoval); the desk that held
    one removes it whole at its next sync, as retention on a desk would, and its chain and
    state tables still verify. Its record of the removal goes up with the sync after."""
    owner, address, login = _team_on(kind, request, tmp_path)
    _as(monkeypatch, tmp_path, SUPERVISOR)
    done = runner.invoke(app, ["retention", "apply", "--hub", address, "--json"])
    assert done.exit_code == 0, done.output
    as_alex = login()
    alex = desk(tmp_path, "alex")
    synced = run_sync(alex, as_alex, "asmith")
    assert synced.refused == 0
    with alex.read() as session:
        connection = session.connection()
        keys = connection.execute(
            text("SELECT key FROM personkey WHERE person_id = :p"), {"p": P1}
        ).scalars()
        forenames = connection.execute(
            text("SELECT forename FROM person WHERE id = :p"), {"p": P1}
        ).scalars()
        held = [k for k in keys if k] + [f for f in forenames if f]
        cases = connection.execute(text('SELECT reference FROM "case"')).scalars().all()
        debts = connection.execute(text("SELECT id FROM debt")).scalars().all()
        payments = connection.execute(text("SELECT debt_id FROM payment")).scalars().all()
        vulnerable = connection.execute(text("SELECT notes FROM vulnerability")).scalars().all()
    assert held == []
    assert vulnerable == []  # case 2's special category went on the hub, and here (h024)
    assert cases == ["C0000002"]  # case 1 whole; case 2 is kept
    assert debts == [debt_id(2)]
    assert payments == [debt_id(2)]

    monkeypatch.setenv("DRP_STORE", str(alex.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    verified = runner.invoke(app, ["audit", "verify", "--json"])
    assert verified.exit_code == 0, verified.output
    assert json.loads(verified.output)["intact"] is True, verified.output

    again = run_sync(alex, as_alex, "asmith")  # the desk's record of it goes up; once
    assert again.refused == 0
    assert again.pushed_events == 1
    with alex.read() as session:
        removals = (
            session.connection()
            .execute(text("SELECT count(*) FROM event WHERE kind = :k"), {"k": REMOVED_ON_HUB})
            .scalar_one()
        )
    assert removals == 1
    as_alex.engine.dispose()
    owner.engine.dispose()


def test_a_case_back_on_the_hub_for_this_officer_stays_and_a_stale_copy_goes(
    tmp_path: Path,
) -> None:
    """A removed case's id can come back (its host reference imported again): the desk keeps
    it while the hub has it allocated to the desk's officer (its arrival brought it whole), and
    drops its own stale copy of one the hub now gives a colleague. Each goes once."""
    address = str(tmp_path / "hub.sqlite")
    owner = team_hub(address)
    allocate(owner, 1, "asmith")
    allocate(owner, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, owner, "asmith")
    allocate(owner, 2, "bjones")
    with owner.write() as connection:
        connection.execute(
            text(
                "INSERT INTO hubremoval (case_id, record_type, removed_at) "
                "VALUES (:c, 'financial', :at)"
            ),
            [{"c": case_id(n), "at": LATER.isoformat()} for n in (1, 2)],
        )
    synced = run_sync(alex, owner, "asmith")
    assert synced.removed_cases == 1
    assert synced.as_json()["removed_cases"] == 1
    with alex.read() as session:
        cases = session.connection().execute(text('SELECT reference FROM "case"')).scalars()
        assert list(cases) == ["C0000001"]
    assert run_sync(alex, owner, "asmith").removed_cases == 0
    owner.engine.dispose()


def test_a_desk_login_reads_the_removals_of_its_own_cases_only_and_writes_none(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """hubremoval (h024; h021's hubremovedcase before it) on PostgreSQL: a desk's own login
    reads the removals of cases ever allocated to its officer, not a colleague's, and may add,
    change or delete none."""
    owner, address = _team(postgres, tmp_path)
    _as(monkeypatch, tmp_path, SUPERVISOR)
    done = runner.invoke(app, ["retention", "apply", "--hub", address, "--json"])
    assert done.exit_code == 0, done.output
    with owner.read() as connection:
        recorded = connection.execute(
            text("SELECT case_id, record_type FROM hubremoval ORDER BY seq")
        ).all()
    assert {tuple(r) for r in recorded} == {
        (case_id(1), "financial"),
        (case_id(2), "special_category"),  # case 2 lost its special category only
    }
    officer_login(postgres, owner, "bjones").engine.dispose()
    for officer, sees in (("asmith", [case_id(1)]), ("bjones", [])):
        raw = raw_login(postgres, owner, officer)
        rows = raw.execute(
            "SELECT case_id FROM hubremoval WHERE record_type = 'financial'"
        ).fetchall()
        assert [r[0] for r in rows] == sees, officer
        for statement in (
            "INSERT INTO hubremoval (case_id, record_type, removed_at) "
            "VALUES ('x', 'financial', 'now')",
            "UPDATE hubremoval SET removed_at = 'later'",
            "DELETE FROM hubremoval",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                raw.execute(statement)
        raw.close()
    owner.engine.dispose()


def test_retention_and_erasure_with_a_supervisors_desk_login_are_refused_in_one_line(
    postgres: PostgresCluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hub's role rules: a desk login may delete nothing, a supervisor's included, and
    reads only its own cases, so a subject access export is not made through it either; the
    refusal is one line and nothing changes."""
    owner, _ = _team(postgres, tmp_path)
    before = _held(owner)
    as_sam = officer_login(postgres, owner, SUPERVISOR)
    _as(monkeypatch, tmp_path, SUPERVISOR)
    desk_url = as_sam.url.render_as_string(hide_password=False)
    as_sam.engine.dispose()
    commands = (
        ["retention", "apply"],
        ["retention", "apply", "--dry-run"],
        ["erase", "P1"],
        ["sar", "P1"],  # (its login reads only the supervisor's own cases: not all held)
    )
    for command in commands:
        refused = runner.invoke(app, [*command, "--hub", desk_url])
        assert refused.exit_code == 1, refused.output
        assert len(refused.output.strip().splitlines()) == 1, refused.output
        assert "needs the hub owner's connection" in refused.output, refused.output
    assert _held(owner) == before
    owner.engine.dispose()
