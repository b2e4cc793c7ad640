"""No desk can stall the hub (issue 19, item 4): a `drp sync` frozen with SIGSTOP in the middle
of its push (a laptop lid closed on the VPN) must not hold up another desk's sync or a
supervisor's `queue move --hub` for more than a few seconds."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from drp_tui.services.casework import Actor, add_note
from drp_tui.sync.hub import IDLE_IN_TRANSACTION_S
from tests.hubteam import NOW, SUPERVISOR, allocate, case_id, desk, drp_env, sync_json, team_hub
from tests.postgres import PostgresCluster

# The frozen desk stays stopped until the test kills it, so a stalled run would wait for ever:
# finishing at all shows it was not stalled. The limit only ends a stalled run; it is far
# above the frozen session's cut-off (IDLE_IN_TRANSACTION_S) so a loaded machine is not
# taken for a stall, as a tighter one was (a sync's Python start-up alone took 25 s at a
# load of 9 on 2 cores).
NEVER_S = IDLE_IN_TRANSACTION_S + 300.0


def finishes(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=NEVER_S, check=False
    )
    assert done.returncode == 0, done.stderr
    return done


def test_a_frozen_sync_stalls_neither_another_desk_nor_the_supervisor(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    address = postgres.url(postgres.new_hub())
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

        pushed = finishes([sys.executable, "-m", "drp_tui", "sync", "--json"], bea_env)
        assert '"pushed": 1' in pushed.stdout
        supervisor = drp_env(tmp_path, desk(tmp_path, "sam"), SUPERVISOR, address)
        finishes(
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
