"""A debt is with one agency at a time, across desks too. Two desks placing one debt before
either syncs made the second push fail on the hub's unique index (the sync stopped, the desk
could not push anything after it). The first placement to reach the hub stands; the later
one is kept as "clashed" (never open, so never sent to its agency as with it), goes back to
the desk that made it, and a supervisor is asked to settle it. Found by review of issue 16."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from drp_tui.services.casework import add_note
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Placement
from drp_tui.sync.status import open_conflicts
from tests.hubteam import NOW, allocate, case_id, debt_id, desk, run_sync, team_hub
from tests.test_sync import actor

PLACEMENTS = text("SELECT id, agency_id, status FROM placement ORDER BY id")


def place(store: Store, placement_id: str, agency: str) -> None:
    """A placement as the desk records it (services/placements.py; the service's own checks
    are tested in test_placements)."""
    with store.write() as session:
        session.add(
            Placement(
                id=placement_id,
                debt_id=debt_id(1),
                agency_id=agency,
                placed_on=NOW.date() - timedelta(days=1),
                amount=Decimal("500.00"),
            )
        )


def test_the_first_placement_to_reach_the_hub_stands_and_the_second_is_flagged(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(Agency(id="brightwater", name="Brightwater EA", kind="enforcement_agent"))
        session.add(Agency(id="harbour", name="Harbour CA", kind="collection_agency"))
    allocate(hub, 1, "asmith")
    alex, laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(laptop, hub, "asmith")
    place(alex, "pl-a", "brightwater")  # both offline
    place(laptop, "pl-b", "harbour")
    add_note(laptop, actor("asmith"), case_id=case_id(1), text="sent to Harbour")

    first = run_sync(alex, hub, "asmith")
    assert (first.refused, first.conflicts) == (0, [])
    second = run_sync(laptop, hub, "asmith")
    assert second.refused == 0
    [conflict] = open_conflicts(hub)
    assert conflict.kind == "two_placements"
    assert conflict.detail == {"debt": debt_id(1), "stands": "pl-a", "clashed": ["pl-b"]}
    assert second.conflicts == [conflict.id]
    with hub.read() as connection:
        assert connection.execute(PLACEMENTS).all() == [
            ("pl-a", "brightwater", "open"),
            ("pl-b", "harbour", "clashed"),
        ]
        # The rest of the laptop's work got through.
        notes = connection.execute(text("SELECT count(*) FROM hubevent WHERE kind = 'note.added'"))
        assert notes.scalar() == 1
    # Each desk ends with the hub's view: one open placement, the other clashed.
    run_sync(laptop, hub, "asmith")
    run_sync(alex, hub, "asmith")
    for store in (alex, laptop):
        with store.engine.connect() as connection:
            assert connection.execute(PLACEMENTS).all() == [
                ("pl-a", "brightwater", "open"),
                ("pl-b", "harbour", "clashed"),
            ]
    assert run_sync(laptop, hub, "asmith").conflicts == []
