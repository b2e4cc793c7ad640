"""Issue 20's two leftovers, shown on a SQLite hub: what the hub's retention removes of a case
it keeps (its special category, its personal details) reaches the desk that holds the case at
its next sync, as a case removed whole does; and each desk reads the hub's removals from where
it stopped (`syncstate.removal_cursor`, hub `hubremoval` h024), once, not every removal ever
made at every sync."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

from drp_tui.services import audit
from drp_tui.services.casework import Actor, record_vulnerability
from drp_tui.services.policy import PolicyBook
from drp_tui.services.retention import apply_retention
from drp_tui.store.engine import Store
from drp_tui.store.models import host_id
from drp_tui.store.seals import REMOVED_ON_HUB
from drp_tui.sync.hub import Hub
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    case_id,
    desk,
    pay_off,
    run_sync,
    team_hub,
)

LATER = NOW + timedelta(days=3 * 366)  # special category (2 years) due, personal (6) not
P2 = host_id("person", "nga", "P2")


def _desk_with_a_vulnerability(tmp_path: Path) -> tuple[Hub, Store]:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    record_vulnerability(
        alex,
        Actor("asmith", clock=lambda: NOW),
        case_id=case_id(2),
        category="mental_health",
        consent=True,
        notes="anxious since her husband died",
    )
    run_sync(alex, hub, "asmith")
    pay_off(hub.as_store(), P2)  # case 2 closed now
    return hub, alex


def _retention_on_hub(hub: Hub, policy: PolicyBook) -> None:
    result = apply_retention(hub.as_store(), policy, Actor(SUPERVISOR, clock=lambda: LATER))
    assert {d.case_id: d.record_type for d in result.due} == {case_id(2): "special_category"}


def _cursor(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return int(db.execute("SELECT removal_cursor FROM syncstate").fetchone()[0])


def test_special_category_removed_on_the_hub_goes_from_the_desk_at_its_next_sync(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub, alex = _desk_with_a_vulnerability(tmp_path)
    with sqlite3.connect(alex.path) as db:
        assert db.execute("SELECT count(*) FROM vulnerability").fetchone()[0] == 1
    _retention_on_hub(hub, policy)

    synced = run_sync(alex, hub, "asmith")
    assert synced.removed_cases == 1
    with sqlite3.connect(alex.path) as db:
        assert db.execute("SELECT notes FROM vulnerability").fetchall() == []
        # The case and its money stay: only the special category went.
        assert db.execute('SELECT count(*) FROM "case" WHERE id = ?', (case_id(2),)).fetchone()
        assert db.execute("SELECT count(*) FROM payment").fetchone()[0] >= 1
        removals = db.execute("SELECT count(*) FROM event WHERE kind = ?", (REMOVED_ON_HUB,))
        assert removals.fetchone()[0] == 1
    report = audit.verify_all(alex)
    assert report.intact, report.as_json()


def test_each_removal_is_read_once_and_a_second_run_on_the_hub_adds_none(
    tmp_path: Path, policy: PolicyBook
) -> None:
    hub, alex = _desk_with_a_vulnerability(tmp_path)
    _retention_on_hub(hub, policy)
    with hub.read() as connection:
        high = connection.execute(text("SELECT max(seq) FROM hubremoval")).scalar_one()
    assert _cursor(alex.path) == 0
    assert run_sync(alex, hub, "asmith").removed_cases == 1
    assert _cursor(alex.path) == high
    # Read from the cursor: nothing left to read, nothing removed or recorded again.
    assert run_sync(alex, hub, "asmith").removed_cases == 0
    _retention_on_hub(hub, policy)  # the case is still due: not recorded for the desks again
    with hub.read() as connection:
        assert connection.execute(text("SELECT count(*) FROM hubremoval")).scalar_one() == 1
    assert run_sync(alex, hub, "asmith").removed_cases == 0
    with sqlite3.connect(alex.path) as db:
        removals = db.execute("SELECT count(*) FROM event WHERE kind = ?", (REMOVED_ON_HUB,))
        assert removals.fetchone()[0] == 1


def test_a_removal_of_a_case_the_desk_does_not_hold_moves_the_cursor_past_it(
    tmp_path: Path,
) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    with hub.write() as connection:  # a colleague's case, and one never on this desk
        connection.execute(
            text(
                "INSERT INTO hubremoval (case_id, record_type, removed_at) "
                "VALUES (:c, 'financial', :at)"
            ),
            [{"c": case_id(n), "at": LATER.isoformat()} for n in (2, 3)],
        )
    synced = run_sync(alex, hub, "asmith")
    assert synced.removed_cases == 0
    assert _cursor(alex.path) == 2


def test_a_removal_read_late_spares_what_was_recorded_on_the_case_after_it(
    tmp_path: Path, policy: PolicyBook
) -> None:
    """A desk that syncs long after the hub's retention removed a case's special category
    reads the removal in the same sync as what was recorded on the case since (the case
    reopened): that is not removed with it. (The desk then keeps the case as the hub sent it:
    which of its rows predate the removal is not told apart.)"""
    hub, alex = _desk_with_a_vulnerability(tmp_path)
    _retention_on_hub(hub, policy)
    record_vulnerability(
        hub.as_store(),
        Actor(SUPERVISOR, clock=lambda: LATER + timedelta(days=1)),
        case_id=case_id(2),
        category="bereavement",
        consent=True,
        notes="her husband died last week",
    )
    assert run_sync(alex, hub, "asmith").removed_cases == 0
    with sqlite3.connect(alex.path) as db:
        held = db.execute("SELECT notes FROM vulnerability").fetchall()
    assert ("her husband died last week",) in held
    assert _cursor(alex.path) == 1  # read, and passed over
