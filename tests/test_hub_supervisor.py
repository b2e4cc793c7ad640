"""A supervisor's day on the team hub, as separate `drp` processes against a real hub (a SQLite
file and PostgreSQL): make the hub, add the team, import the host extract, allocate, rebalance
an absent officer — and the officers' desks follow at their next sync."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from drp_tui.services.identity import TRAINING, set_store_kind
from drp_tui.store.engine import Store
from drp_tui.store.models import Debt, DebtParty, Officer, Phone
from drp_tui.sync.hub import Hub, connect, hub_url
from tests.conftest import REPO
from tests.hubteam import SUPERVISOR, case_officers, desk, drp, drp_env, sync_json

EXTRACT = REPO / "docs" / "import" / "generic.csv"


def on_hub(env: dict[str, str], hub: str, *args: str) -> dict[str, Any]:
    done = drp(env, *args, "--hub", hub, "--json")
    assert done.returncode == 0, done.stderr
    summary: dict[str, Any] = json.loads(done.stdout)
    return summary


def balances(store: Store) -> dict[str, Decimal]:
    with store.read() as session:
        return {d.host_ref: d.balance for d in session.exec(select(Debt)).all()}


def hub_counts(hub: Hub) -> dict[str, int]:
    with hub.read() as connection:
        return {
            table: int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
            for table in ('"case"', "debt", "person", "address", "phone", "event", "hubchange")
        }


def test_a_supervisor_builds_the_team_imports_allocates_and_rebalances_on_the_hub(
    hub_address: str, tmp_path: Path
) -> None:
    supervisor = drp_env(tmp_path, desk(tmp_path, "unused"), SUPERVISOR, hub_address)
    supervisor["DRP_STORE"] = str(tmp_path / "supervisor-desk.sqlite")
    assert drp(supervisor, "hub", "init").returncode == 0
    hub = connect(hub_url(hub_address))
    set_store_kind(hub.as_store(), TRAINING)  # DRP_OFFICER picks who each process is
    for login, name, role in [
        (SUPERVISOR, "Sam Super", "supervisor"),
        ("asmith", "Alex Smith", "officer"),
        ("bjones", "Bea Jones", "officer"),
    ]:
        added = on_hub(
            supervisor, hub_address, "officer", "add", login, "--name", name, "--role", role
        )
        assert added["id"] == login

    imported = on_hub(
        supervisor, hub_address, "import", "cases", str(EXTRACT), "--mapping", "generic"
    )
    assert (imported["people_new"], imported["debts_new"], imported["committed"]) == (4, 5, True)
    assert on_hub(supervisor, hub_address, "queue", "orphans")["orphans"] != []
    plan = on_hub(supervisor, hub_address, "queue", "allocate", "--rescore")
    assert plan["cases"] == 4
    assert {o["officer"]: o["cases"] for o in plan["officers"]} == {"asmith": 2, "bjones": 2}
    assert on_hub(supervisor, hub_address, "queue", "orphans")["orphans"] == []
    assert not (tmp_path / "supervisor-desk.sqlite").exists(), "--hub must not touch a desk"

    alex, bea = desk(tmp_path, "alex"), desk(tmp_path, "bea")
    alex_env = drp_env(tmp_path, alex, "asmith", hub_address)
    bea_env = drp_env(tmp_path, bea, "bjones", hub_address)
    sync_json(alex_env), sync_json(bea_env)
    with alex.read() as a:
        assert {o.id for o in a.exec(select(Officer)).all()} == {SUPERVISOR, "asmith", "bjones"}
    alex_cases = {ref for ref, who in case_officers(alex).items() if who == "asmith"}
    bea_cases = {ref for ref, who in case_officers(bea).items() if who == "bjones"}
    assert len(alex_cases) == len(bea_cases) == 2
    assert alex_cases | bea_cases == {"C0000001", "C0000002", "C0000003", "C0000004"}
    with alex.read() as a, bea.read() as b:
        assert len(a.exec(select(Phone)).all()) + len(b.exec(select(Phone)).all()) >= 4
        # The joint debt of P1004 and P1003 arrives with its case, joint debtor included.
        joint = [*a.exec(select(DebtParty)).all(), *b.exec(select(DebtParty)).all()]
        assert [party.role for party in joint] == ["joint"]

    # The next night's extract: a payment at the council took CT-2025-1001 down.
    newer = tmp_path / "newer.csv"
    newer.write_text(EXTRACT.read_text().replace('"£1,212.40"', '"£1,000.00"'))
    again = on_hub(supervisor, hub_address, "import", "cases", str(newer), "--mapping", "generic")
    assert (again["people_new"], again["debts_new"], again["debts_updated"]) == (0, 0, 5)
    holder = alex if "C0000001" in alex_cases else bea
    sync_json(alex_env), sync_json(bea_env)
    assert balances(holder)["CT-2025-1001"] == Decimal("1000.00")

    # A rejected extract on the hub changes nothing there.
    before = hub_counts(hub)
    bad = tmp_path / "bad.csv"
    bad.write_text(newer.read_text().replace("980.00", "nine hundred"))
    refused = drp(
        supervisor, "import", "cases", str(bad), "--mapping", "generic", "--hub", hub_address
    )
    assert refused.returncode == 1
    assert "nothing was imported" in refused.stdout
    assert hub_counts(hub) == before

    # Alex is off sick: Bea takes Alex's two cases, and both desks learn it at their next sync.
    moved = on_hub(supervisor, hub_address, "queue", "rebalance", "--absent", "asmith")
    assert {o["officer"]: o["cases"] for o in moved["officers"]} == {"bjones": 2}
    sync_json(alex_env), sync_json(bea_env)
    assert set(case_officers(bea).values()) == {"bjones"}
    assert len(case_officers(bea)) == 4
    assert "asmith" not in case_officers(alex).values()

    # Nothing on the hub happens twice: a second sync on each desk pulls nothing more.
    assert sync_json(alex_env)["pulled"] == sync_json(bea_env)["pulled"] == 0
