"""Hostile review of issue 16 (round 16): a placement the hub settled as clashed must not be
reopened by a desk; the hub's one-open-placement rule holds for updates, not only inserts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from drp_tui.services import placements, reports
from drp_tui.services.policy import PolicyBook
from drp_tui.store.models import Agency
from tests.hubteam import NOW, allocate, debt_id, desk, run_sync, team_hub
from tests.test_sync import actor
from tests.test_sync_placements import PLACEMENTS, place


def test_a_desk_cannot_reopen_a_clashed_placement(hub_address: str, tmp_path: Path) -> None:
    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(Agency(id="brightwater", name="Brightwater EA", kind="enforcement_agent"))
        session.add(Agency(id="harbour", name="Harbour CA", kind="collection_agency"))
    allocate(hub, 1, "asmith")
    alex, laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    place(alex, "pl-a", "brightwater")
    place(laptop, "pl-b", "harbour")
    run_sync(alex, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    # An insider reopens the clashed placement in their own store and syncs.
    with laptop.write() as session:
        session.execute(text("UPDATE placement SET status = 'returned' WHERE id = 'pl-a'"))
        session.execute(text("UPDATE placement SET status = 'open' WHERE id = 'pl-b'"))
    run_sync(laptop, hub, "asmith")
    with hub.read() as connection:
        rows = connection.execute(PLACEMENTS).all()
    assert ("pl-b", "harbour", "open") not in rows


def test_a_clashed_placement_is_not_counted_as_placed(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    """The clashed placement never went to its agency, but its agency.placed event stays on
    the desk that made it, and `drp report agencies` counts it as placed there."""
    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(Agency(id="brightwater", name="Brightwater EA", kind="enforcement_agent"))
        session.add(Agency(id="harbour", name="Harbour CA", kind="collection_agency"))
    allocate(hub, 1, "asmith")
    alex, laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    for store, agency in ((alex, "brightwater"), (laptop, "harbour")):
        placements.place_with_agency(
            store,
            actor("asmith"),
            policy.holds,
            debt_id=debt_id(1),
            agency_id=agency,
            placed_on=NOW.date(),
        )
    run_sync(alex, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    with laptop.engine.connect() as connection:
        statuses = {agency: status for _, agency, status in connection.execute(PLACEMENTS)}
        assert statuses["harbour"] == "clashed"
    figures = {
        a.agency: a.placed
        for a in reports.agencies(laptop, NOW.date() - timedelta(days=1), NOW.date())
    }
    assert figures["harbour"] == 0


def test_returned_then_placed_elsewhere_offline_is_not_a_clash(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    """The agency hands the debt back and the officer places it with another, both before
    the desk syncs: one desk, one open placement at a time, no clash."""
    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(Agency(id="brightwater", name="Brightwater EA", kind="enforcement_agent"))
        session.add(Agency(id="harbour", name="Harbour CA", kind="collection_agency"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    first = placements.place_with_agency(
        alex,
        actor("asmith"),
        policy.holds,
        debt_id=debt_id(1),
        agency_id="brightwater",
        placed_on=NOW.date() - timedelta(days=30),
    )
    run_sync(alex, hub, "asmith")
    placements.return_placement(
        alex,
        actor("asmith"),
        debt_id=debt_id(1),
        agency_id="brightwater",
        returned_on=NOW.date(),
        reason="nulla bona",
    )
    second = placements.place_with_agency(
        alex,
        actor("asmith"),
        policy.holds,
        debt_id=debt_id(1),
        agency_id="harbour",
        placed_on=NOW.date(),
    )
    result = run_sync(alex, hub, "asmith")
    with hub.read() as connection:
        assert connection.execute(PLACEMENTS).all() == sorted(
            [(first.id, "brightwater", "returned"), (second.id, "harbour", "open")]
        )
    assert result.conflicts == []
