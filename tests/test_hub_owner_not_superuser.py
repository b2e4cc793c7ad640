"""A hub owned by a login that is not a superuser (issue 19): a council's database team gives
the hub's owner CREATEROLE and a database of its own, no more. From an empty database it
migrates the hub to the newest revision, makes an officer's own login, and that officer's desk
pushes and pulls through it."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from drp_tui.services.casework import Actor, add_note
from drp_tui.store.migrate import HUB_SCRIPT_LOCATION, head_revision
from drp_tui.sync.hub import Hub, hub_revision
from tests.hubteam import NOW, allocate, case_id, desk, officer_login, run_sync, team_hub
from tests.postgres import PostgresCluster

OWNER = "hub_steward"


def test_a_hub_owner_with_createrole_only_makes_a_hub_and_its_desks_sync(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    with postgres.owner("postgres") as superuser:
        superuser.execute(f"CREATE ROLE {OWNER} LOGIN CREATEROLE NOSUPERUSER PASSWORD 'pw-{OWNER}'")
        superuser.execute(f"CREATE DATABASE {OWNER}_hub OWNER {OWNER}")
    postgres.write_passfile(OWNER, f"pw-{OWNER}")
    hub: Hub = team_hub(postgres.url(f"{OWNER}_hub", user=OWNER))  # init from empty to head
    try:
        with hub.read() as connection:
            owned_by = text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            assert connection.execute(owned_by).scalar_one() is False
        assert hub_revision(hub) == head_revision(HUB_SCRIPT_LOCATION)
        allocate(hub, 1, "asmith")
        as_alex = officer_login(postgres, hub, "asmith")  # the role, its password: by the owner
        try:
            alex = desk(tmp_path, "alex")
            pulled = run_sync(alex, as_alex, "asmith")
            assert pulled.pulled_changes > 0
            add_note(alex, Actor("asmith", clock=lambda: NOW), case_id=case_id(1), text="rang")
            pushed = run_sync(alex, as_alex, "asmith")
            assert pushed.pushed_events > 0
            assert pushed.refused == 0
        finally:
            as_alex.engine.dispose()
        with hub.read() as connection:
            kinds = connection.execute(
                text("SELECT kind FROM hubevent WHERE case_id = :c"), {"c": case_id(1)}
            ).scalars()
            assert "note.added" in set(kinds)
    finally:
        hub.engine.dispose()
