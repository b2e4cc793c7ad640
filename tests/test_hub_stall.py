"""No desk can stall the hub (issue 19, item 4): a `drp sync` frozen with SIGSTOP in the middle
of its push (a laptop lid closed on the VPN) must not hold up another desk's sync or a
supervisor's `queue move --hub` for more than a few seconds."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

from drp_tui.services.casework import Actor, add_note
from drp_tui.sync.hub import IDLE_IN_TRANSACTION_S
from tests.hubteam import NOW, SUPERVISOR, allocate, case_id, desk, drp_env, sync_json, team_hub
from tests.postgres import PostgresCluster

# The frozen session is ended after IDLE_IN_TRANSACTION_S; the rest is a Python start-up on a
# loaded 2-core machine. Without the timeouts these runs waited for ever.
DEADLINE_S = IDLE_IN_TRANSACTION_S + 15.0


def finished_within(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    started = time.monotonic()
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=DEADLINE_S, check=False
    )
    assert done.returncode == 0, done.stderr
    assert time.monotonic() - started < DEADLINE_S
    return done


def test_a_frozen_sync_stalls_neither_another_desk_nor_the_supervisor(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    address = postgres.url(postgres.new_database())
    hub = team_hub(address)
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    alex, bea = desk(tmp_path, "alex"), desk(tmp_path, "bea")
    alex_env = drp_env(tmp_path, alex, "asmith", address)
    bea_env = drp_env(tmp_path, bea, "bjones", address)
    sync_json(alex_env)
    sync_json(bea_env)
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="frozen")
    add_note(bea, Actor("bjones", clock=lambda: NOW), case_id=case_id(2), text="goes up")

    frozen = subprocess.Popen(
        [sys.executable, "-m", "drp_tui", "sync"],
        env={**alex_env, "DRP_SYNC_STALL_AT": "push-events-sent"},
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert frozen.stderr is not None
        assert "push-events-sent" in frozen.stderr.readline()  # mid-push, in a hub transaction
        frozen.send_signal(signal.SIGSTOP)

        pushed = finished_within([sys.executable, "-m", "drp_tui", "sync", "--json"], bea_env)
        assert '"pushed": 1' in pushed.stdout
        supervisor = drp_env(tmp_path, desk(tmp_path, "sam"), SUPERVISOR, address)
        finished_within(
            [
                sys.executable,
                "-m",
                "drp_tui",
                "queue",
                "move",
                "C0000003",
                "--to",
                "bjones",
                "--reason",
                "cover",
                "--hub",
                address,
            ],
            supervisor,
        )
    finally:
        frozen.send_signal(signal.SIGKILL)
        frozen.wait(timeout=30)
    # The frozen desk's note was not half-applied: its next sync sends it once.
    assert sync_json(alex_env)["pushed"] == 1
