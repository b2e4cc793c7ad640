"""The hub's event tables are append-only (issue 19): a trigger refuses UPDATE, DELETE and
TRUNCATE on `hubevent` and the hub's `event`, even for the hub's owner, and nobody else is
granted them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from drp_tui.services.casework import Actor, add_note
from tests.hubteam import NOW, allocate, case_id, desk, run_sync, team_hub

CHANGES = [
    "UPDATE {table} SET kind = 'forged'",
    "DELETE FROM {table}",
    "TRUNCATE {table} CASCADE",
]


@pytest.mark.parametrize("change", CHANGES)
@pytest.mark.parametrize("table", ["hubevent", "event"])
def test_the_hubs_event_tables_refuse_update_delete_and_truncate(
    hub_address: str, tmp_path: Path, change: str, table: str
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")  # an `event` on the hub
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="called")
    run_sync(alex, hub, "asmith")  # a `hubevent`
    with hub.read() as connection:
        before = connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()
    assert before > 0
    if change.startswith("TRUNCATE") and not hub.is_postgresql:
        change = "DELETE FROM {table}"  # SQLite has no TRUNCATE: DELETE is what empties it
    with pytest.raises(DBAPIError, match="append-only"), hub.engine.begin() as connection:
        connection.execute(text(change.format(table=table)))
    with hub.read() as connection:
        assert connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one() == before
        kinds = connection.execute(text(f"SELECT DISTINCT kind FROM {table}")).scalars().all()
    assert "forged" not in kinds
