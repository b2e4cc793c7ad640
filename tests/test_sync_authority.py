"""A third party's authority is a fact the desk records: it goes to the hub with `drp sync`,
on to the officer's other desks and to the next officer given the case, and so does its
ending. Found by review of issue 16: authorities stayed on the desk that recorded them."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from drp_tui.services import authority
from drp_tui.services.casework import Actor
from tests.hubteam import NOW, allocate, case_id, desk, run_sync, team_hub

ROWS = text("SELECT name, consent, consent_ref, end_reason FROM thirdpartyauthority ORDER BY name")


def test_an_authority_and_its_ending_travel_through_the_hub(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex, alex_laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(alex_laptop, hub, "asmith")
    alex_now = Actor("asmith", clock=lambda: NOW)
    made = authority.record_authority(
        alex,
        alex_now,
        case_id=case_id(1),
        name="Sam Smith",
        relationship="partner",
        scope=("discuss",),
        until=None,
        consent="lpa",
        consent_ref="LPA 7000-1",
    )
    assert run_sync(alex, hub, "asmith").refused == 0
    with hub.read() as connection:
        assert connection.execute(ROWS).all() == [("Sam Smith", "lpa", "LPA 7000-1", "")]
    run_sync(alex_laptop, hub, "asmith")
    assert [a.name for a in authority.in_force(alex_laptop, case_id(1), NOW.date())] == [
        "Sam Smith"
    ]
    # Ended on the laptop: the hub and the next officer's desk know it ended.
    authority.end_authority(alex_laptop, alex_now, authority_id=made.id, reason="withdrawn")
    assert run_sync(alex_laptop, hub, "asmith").refused == 0
    allocate(hub, 1, "bjones")
    bo = desk(tmp_path, "bo")
    run_sync(bo, hub, "bjones")
    for store in (hub.as_store(), bo):
        with store.engine.connect() as connection:
            assert connection.execute(ROWS).all() == [
                ("Sam Smith", "lpa", "LPA 7000-1", "withdrawn")
            ]
    assert authority.in_force(bo, case_id(1), NOW.date()) == []
