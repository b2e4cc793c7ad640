"""Hub revision h015: the row check on `hubevent` stands aside only inside the hub owner's own
function (`drp_push_events`, which judged the batch already); a desk's own insert (through
`drp_desk_insert`, h023), under any role it may SET, is still checked row by row and refused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from drp_tui.store.events import append_event
from drp_tui.sync.hub import Hub
from tests.hubteam import NOW, allocate, case_id, desk, desk_insert, run_sync, team_hub
from tests.postgres import PostgresCluster
from tests.test_hub_roles import login, raw


def forged(key: str, case: str) -> dict[str, Any]:
    """An event in bjones's name, as a desk's raw login sends one through the hub's write
    function (its only way to write a hub table, h023)."""
    return {
        "id": key,
        "officer_id": "bjones",
        "at": "x",
        "case_id": case,
        "kind": "contact.recorded",
        "payload": "{}",
        "prev_hash": "x",
        "hash": "x",
        "workstation_id": "w",
        "received_at": "x",
    }


@pytest.fixture
def owner(postgres: PostgresCluster) -> Iterator[Hub]:
    hub = team_hub(postgres.url(postgres.new_hub()))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "bjones")
    yield hub
    hub.engine.dispose()


def _refused(owner: Hub) -> dict[str, str]:
    with owner.read() as connection:
        return {
            str(item): str(reason)
            for item, reason in connection.execute(text("SELECT item, reason FROM hubrefusal"))
        }


def _events(owner: Hub) -> set[str]:
    with owner.read() as connection:
        return set(connection.execute(text("SELECT id FROM hubevent")).scalars())


def test_a_desk_that_sets_another_role_is_still_checked_row_by_row(
    postgres: PostgresCluster, owner: Hub
) -> None:
    login(postgres, owner, "asmith").engine.dispose()
    with raw(postgres, owner, "asmith") as connection:
        desk_insert(connection, "hubevent", forged("plain", case_id(2)))
        connection.execute("SET ROLE drp_desk")  # current_user is no longer session_user
        desk_insert(connection, "hubevent", forged("as-drp-desk", case_id(2)))
    refused = _refused(owner)
    assert "in the name of another officer" in refused["event plain"]
    assert "in the name of another officer" in refused["event as-drp-desk"]
    assert _events(owner) == set()


def test_a_staged_push_appends_what_it_judged_and_refuses_the_rest_once(
    postgres: PostgresCluster, owner: Hub, tmp_path: Path
) -> None:
    as_alex = login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    with alex.write() as session:
        honest = append_event(
            session, officer_id="asmith", kind="note.added", at=NOW, case_id=case_id(1)
        ).id
        forged = append_event(
            session, officer_id="asmith", kind="note.added", at=NOW, case_id=case_id(2)
        ).id
    pushed = run_sync(alex, as_alex, "asmith", batch=10)
    assert (pushed.pushed_events, pushed.refused) == (1, 1)
    assert honest in _events(owner)
    assert forged not in _events(owner)
    assert _refused(owner) == {
        f"event {forged}": "note.added: case never allocated to this officer"
    }
    as_alex.engine.dispose()
