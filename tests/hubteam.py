"""A small team on a real hub for the sync tests: a supervisor, two officers, four debtors
each with one council tax debt, allocated on the hub as a supervisor would."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import or_
from sqlmodel import col, select

from drp_tui.services.allocation import move_case
from drp_tui.services.casework import Actor
from drp_tui.services.identity import TRAINING, set_store_kind
from drp_tui.services.payments import record_payment
from drp_tui.services.retention import remove_removed_on_hub
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import Case, Debt, DebtParty, Officer, Person, Phone, host_id
from drp_tui.sync.hub import Hub, connect, hub_url, init_hub
from drp_tui.sync.protocol import SyncResult, sync
from drp_tui.sync.roles import ensure_login_role, set_password
from tests.drpprocess import drp_process
from tests.postgres import PostgresCluster

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
SUPERVISOR = "sup"
PEOPLE = 4


def case_id(number: int) -> str:
    return host_id("case", "nga", f"P{number}")


def debt_id(number: int) -> str:
    return host_id("debt", "nga", f"D{number}")


def reference(number: int) -> str:
    return f"C{number:07d}"


_hub_file_template: Path | None = None


def new_hub_file(path: Path) -> None:
    """An empty SQLite hub at the newest revision at `path`: a copy of one migrated once per
    test process, as migrating each test's hub (a commit, so an fsync, per revision) took
    seconds of the run."""
    global _hub_file_template
    if _hub_file_template is None:
        folder = Path(tempfile.mkdtemp(prefix="drp-hub-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        template = folder / "hub.sqlite"
        hub, _ = init_hub(hub_url(str(template)))
        hub.engine.dispose()  # the last connection closing folds the -wal into the file
        assert not template.with_name("hub.sqlite-wal").exists()
        _hub_file_template = template
    shutil.copy(_hub_file_template, path)


def team_hub(
    address: str, *, people: int = PEOPLE, officers: tuple[str, ...] = ("asmith", "bjones")
) -> Hub:
    if "://" not in address and not Path(address).exists():
        new_hub_file(Path(address))
    hub, _ = init_hub(hub_url(address))
    set_store_kind(hub.as_store(), TRAINING)  # each desk's DRP_OFFICER picks its officer
    with hub.as_store().write() as session:
        session.add(Officer(id=SUPERVISOR, name="Sam Super", role="supervisor"))
        for officer in officers:
            session.add(Officer(id=officer, name=officer.title()))
        for number in range(1, people + 1):
            person = host_id("person", "nga", f"P{number}")
            session.add(
                Person(
                    id=person,
                    host_system="nga",
                    host_ref=f"P{number}",
                    forename=f"Pat{number}",
                    surname="Debtor",
                    date_of_birth=date(1980, 1, number),
                )
            )
            session.flush()
            session.add(Phone(id=f"phone-{number}", person_id=person, number="+447700900123"))
            session.add(Case(id=case_id(number), reference=reference(number), person_id=person))
            session.flush()
            session.add(
                Debt(
                    id=debt_id(number),
                    host_system="nga",
                    host_ref=f"D{number}",
                    case_id=case_id(number),
                    debt_type="council_tax",
                    original_amount=Decimal("800.00"),
                    balance=Decimal("500.00"),
                    stage="liability_order",
                    liability_order_date=date(2026, 6, 1),
                )
            )
    return hub


def allocate(hub: Hub, number: int, officer: str) -> None:
    move_case(
        hub.as_store(),
        Actor(SUPERVISOR, clock=lambda: NOW),
        reference=reference(number),
        to_officer=officer,
        reason="allocation",
    )


def pay_off(store: Store, person_id: str, officer: str = SUPERVISOR) -> None:
    """Pay off what a person owes, as an officer records the payments (services/payments.py):
    each debt of their case, and each they are party to. Erasure is refused until then."""
    with store.read() as session:
        party = select(DebtParty.debt_id).where(DebtParty.person_id == person_id)
        cases = select(Case.id).where(Case.person_id == person_id)
        owing = session.exec(
            select(Debt).where(
                or_(col(Debt.case_id).in_(cases), col(Debt.id).in_(party)),
                col(Debt.balance) > Decimal(0),
            )
        ).all()
        debts = [(d.id, d.balance) for d in owing]
    for debt, amount in debts:
        record_payment(
            store,
            Actor(officer, clock=lambda: NOW),
            debt_id=debt,
            amount=amount,
            received_on=NOW.date(),
            reference="paid in full",
        )


def desk(folder: Path, name: str) -> Store:
    """A desk's store: a training store, so DRP_OFFICER says whose desk it is."""
    store = open_store(folder / f"{name}.sqlite")
    set_store_kind(store, TRAINING)
    return store


def run_sync(store: Store, hub: Hub, officer: str, *, batch: int = 3) -> SyncResult:
    """A desk's sync as `drp sync` runs it: the protocol, then what the hub's retention
    removed goes from the desk (the services' part, which the protocol does not import)."""
    result = sync(store, hub, officer, clock=lambda: NOW, batch=batch, retry_delays=())
    removed = result.removed_on_hub
    result.removed_cases = remove_removed_on_hub(
        store, removed.removals, removed.through, officer, NOW
    )
    return result


def balance(store: Store, number: int) -> Decimal:
    with store.read() as session:
        debt = session.get(Debt, debt_id(number))
        assert debt is not None
        return debt.balance


def case_officers(store: Store) -> dict[str, str | None]:
    with store.read() as session:
        return {c.reference: c.officer_id for c in session.exec(select(Case)).all()}


# --- drp as a separate process, as a scheduler or a supervisor's shell runs it ---------


def drp_env(tmp_path: Path, store: Store, officer: str, hub: str) -> dict[str, str]:
    return {
        **os.environ,
        "DRP_CONFIG": str(tmp_path / "none.toml"),
        "DRP_DATA_HOME": str(tmp_path / "data-home"),
        "DRP_STORE": str(store.path),
        "DRP_OFFICER": officer,
        "DRP_HUB_URL": hub,
        "DRP_NOW": NOW.isoformat(),
    }


def drp(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """`drp ARGS` as a process of its own (tests/drpprocess.py)."""
    return drp_process(list(args), env)


def sync_json(env: dict[str, str]) -> dict[str, Any]:
    done = drp(env, "sync", "--json")
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def officer_login(postgres: PostgresCluster, owner: Hub, officer: str) -> Hub:
    """The hub as `officer`'s own PostgreSQL login (its password in the .pgpass), as a desk."""
    secret = f"pw-{officer}-desk"
    ensure_login_role(owner, officer)
    set_password(owner, officer, secret)
    postgres.write_passfile(officer, secret)
    return connect(hub_url(postgres.url(owner.url.database or "", user=officer)))


def raw_login(postgres: PostgresCluster, owner: Hub, officer: str) -> psycopg.Connection[Any]:
    """`officer`'s login used directly, as psql would with its .pgpass."""
    return psycopg.connect(postgres.url(owner.url.database or "", user=officer), autocommit=True)


@contextmanager
def under_feed_lock(connection: psycopg.Connection[Any]) -> Iterator[None]:
    """One transaction of a desk's raw login holding the feed lock, as a push's write holds it
    from its start: only then may a desk login change or lock a row (hub revision h020)."""
    with connection.transaction():
        connection.execute("SELECT drp_feed_lock()")
        yield


def desk_insert(connection: psycopg.Connection[Any], table: str, *rows: dict[str, Any]) -> None:
    """Rows a desk's raw login sends through the hub's write function, the only way it writes a
    hub table (hub revision h023): `drp_desk_insert`, judged as any row a desk sends."""
    connection.execute("SELECT drp_desk_insert(%s, %s::jsonb)", (table, json.dumps(rows)))


def desk_update(
    connection: psycopg.Connection[Any], table: str, row: dict[str, Any], *columns: str
) -> None:
    """`columns` of a hub row (found by the primary key in `row`) a desk's raw login changes
    through `drp_desk_update` (h023); all of `row` but its key if no columns are named."""
    named = list(columns) or [c for c in row if c != "id"]
    connection.execute(
        "SELECT drp_desk_update(%s, %s, %s::jsonb)", (table, named, json.dumps([row]))
    )
