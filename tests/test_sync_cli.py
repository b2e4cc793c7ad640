"""`drp sync` and `drp hub` as a scheduler runs them: separate processes against a real hub
(a SQLite file and PostgreSQL), killed with SIGKILL mid-push and mid-pull, with the hub down,
five at once, and with a wrong password or an unknown host."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from drp_tui.services.casework import Actor, add_note
from drp_tui.services.payments import record_payment
from drp_tui.store.engine import Store
from drp_tui.sync.hub import Hub
from drp_tui.sync.schema import hub_event
from tests.hubteam import (
    NOW,
    allocate,
    balance,
    case_id,
    debt_id,
    desk,
    drp,
    drp_env,
    sync_json,
    team_hub,
)
from tests.postgres import PASSWORD, PostgresCluster


def waiting(store: Store) -> tuple[int, int]:
    with store.engine.connect() as local:
        events = local.execute(text("SELECT count(*) FROM outbox")).scalar_one()
        rows = local.execute(text("SELECT count(*) FROM rowchange")).scalar_one()
    return int(events), int(rows)


def hub_event_ids(hub: Hub) -> list[str]:
    with hub.read() as connection:
        return list(connection.execute(select(hub_event.c.id)).scalars())


def local_event_ids(store: Store) -> set[str]:
    with store.engine.connect() as local:
        return set(local.execute(text("SELECT id FROM event")).scalars())


def test_hub_commands_and_the_sync_summary(hub_address: str, tmp_path: Path) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    env = drp_env(tmp_path, alex, "asmith", hub_address)

    again = drp(env, "hub", "init", "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["created"] is False

    dry = drp(env, "sync", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert json.loads(dry.stdout)["waiting"]["hub_changes"] > 0
    assert waiting(alex) == (0, 0)  # nothing written by a dry run

    first = sync_json(env)
    assert set(first) >= {"pushed", "pulled", "conflicts", "duration_s"}
    assert first["pulled"] > 0

    status = drp(env, "hub", "status", "--json")
    assert status.returncode == 0, status.stderr
    found = json.loads(status.stdout)
    assert (found["officers"], found["cases"], found["allocated"]) == (3, 4, 1)
    assert [w["officer_id"] for w in found["workstations"]] == ["asmith"]
    assert (
        "hub_" not in status.stdout.lower() or "***" in status.stdout or "sqlite" in status.stdout
    )
    conflicts = drp(env, "hub", "conflicts", "--json")
    assert json.loads(conflicts.stdout) == {"conflicts": []}


@pytest.mark.parametrize(
    "stall_at", ["push-events-sent", "push-events-committed", "push-rows-committed", "pull-applied"]
)
def test_a_sync_killed_mid_way_loses_and_duplicates_nothing(
    hub_address: str, tmp_path: Path, stall_at: str
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    env = drp_env(tmp_path, alex, "asmith", hub_address)
    sync_json(env)
    actor = Actor("asmith", clock=lambda: NOW)
    record_payment(alex, actor, debt_id=debt_id(1), amount=Decimal("75.00"), received_on=NOW.date())
    for number in range(5):
        add_note(alex, actor, case_id=case_id(1), text=f"note {number}")
    allocate(hub, 2, "asmith")  # something to pull

    stalled = subprocess.Popen(
        [sys.executable, "-m", "drp_tui", "sync"],
        env={**env, "DRP_SYNC_STALL_AT": stall_at},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    assert stalled.stderr is not None
    assert stall_at in stalled.stderr.readline()
    stalled.send_signal(signal.SIGKILL)
    stalled.wait(timeout=30)

    finished = sync_json(env)
    assert finished["refused"] == 0
    assert waiting(alex) == (0, 0)
    on_hub = hub_event_ids(hub)
    assert sorted(on_hub) == sorted(set(on_hub))  # each event once
    assert set(on_hub) == local_event_ids(alex)
    assert balance(hub.as_store(), 1) == Decimal("425.00") == balance(alex, 1)  # paid once
    assert balance(alex, 2) == Decimal("500.00")  # the new case arrived
    repeat = sync_json(env)
    assert (repeat["pushed"], repeat["pushed_rows"], repeat["pulled"]) == (0, 0, 0)


def test_hub_down_exits_3_keeps_the_outbox_and_a_later_sync_completes(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    env = drp_env(tmp_path, alex, "asmith", hub_address)
    sync_json(env)
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="called")
    down = (
        "postgresql://drp_hub@127.0.0.1:1/hub"
        if hub_address.startswith("postgresql")
        else str(tmp_path / "unmounted" / "hub.sqlite")
    )
    failed = drp({**env, "DRP_HUB_URL": down}, "sync")
    assert failed.returncode == 3
    assert len(failed.stderr.strip().splitlines()) == 1
    assert "nothing here was lost" in failed.stderr
    assert waiting(alex) == (1, 1)  # the note, and the key sealing its text (personkey)
    assert sync_json(env)["pushed"] == 1
    assert waiting(alex) == (0, 0)


def test_five_desks_syncing_at_once_leave_the_hub_with_exactly_their_union(
    hub_address: str, tmp_path: Path
) -> None:
    officers = tuple(f"officer{n}" for n in range(1, 6))
    hub = team_hub(hub_address, people=5, officers=officers)
    desks = []
    for number, officer in enumerate(officers, start=1):
        allocate(hub, number, officer)
        store = desk(tmp_path, officer)
        env = drp_env(tmp_path, store, officer, hub_address)
        sync_json(env)
        actor = Actor(officer, clock=lambda: NOW)
        for note in range(40):
            add_note(store, actor, case_id=case_id(number), text=f"{officer} {note}")
        desks.append((store, env))

    running = [
        subprocess.Popen(
            [sys.executable, "-m", "drp_tui", "sync", "--json"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _, env in desks
    ]
    for process in running:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert json.loads(out)["pushed"] == 40
    union = set().union(*(local_event_ids(store) for store, _ in desks))
    on_hub = hub_event_ids(hub)
    assert len(on_hub) == len(union)
    assert set(on_hub) == union
    with hub.read() as connection:
        per_desk = connection.execute(
            select(hub_event.c.workstation_id, func.count()).group_by(hub_event.c.workstation_id)
        ).all()
    assert sorted(n for _, n in per_desk) == [40] * 5


@pytest.mark.parametrize("problem", ["wrong password", "unknown host"])
def test_a_wrong_password_or_unknown_host_is_one_line_without_the_password(
    postgres: PostgresCluster, tmp_path: Path, problem: str
) -> None:
    database = postgres.new_database()
    address = postgres.url(
        database, host="127.0.0.1" if problem == "wrong password" else "hub.invalid"
    )
    alex = desk(tmp_path, "alex")
    env = drp_env(tmp_path, alex, "asmith", address)
    if problem == "wrong password":
        wrong = tmp_path / "wrong.pgpass"
        wrong.write_text("*:*:*:drp_hub:not-the-password\n")
        wrong.chmod(0o600)
        env["PGPASSFILE"] = str(wrong)
    for command in (("sync",), ("hub", "status"), ("hub", "init")):
        done = drp(env, *command)
        assert done.returncode == 3, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1
        assert "Traceback" not in done.stderr
        for secret in ("not-the-password", PASSWORD):
            assert secret not in done.stderr + done.stdout
        assert ("password authentication failed" in done.stderr) == (problem == "wrong password")


def test_a_refused_login_is_not_tried_again(postgres: PostgresCluster, tmp_path: Path) -> None:
    """A wrong password is refused, not unreachable: `drp sync` does not try it again three
    times (an account's lockout may count each), it says so at once."""
    from drp_tui.sync.errors import HubError, HubUnreachable
    from drp_tui.sync.hub import connect, hub_url

    wrong = tmp_path / "wrong.pgpass"
    wrong.write_text("*:*:*:drp_hub:not-the-password\n")
    wrong.chmod(0o600)
    address = hub_url(postgres.url(postgres.new_database(), host="127.0.0.1"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PGPASSFILE", str(wrong))
        with pytest.raises(HubError) as refused:
            connect(address)
    assert not isinstance(refused.value, HubUnreachable), refused.value
    assert "password authentication failed" in str(refused.value)
