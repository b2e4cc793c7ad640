"""Issue 20: a desk's balances judged against the hub's (drp_tui/sync/desk_check.py). Every
debt on an officer's desk came whole from the hub, so no event on the desk sealed it; `drp
audit verify` asks the hub, allowing for the desk's payments not yet pushed and for changes on
the hub the desk has not pulled yet."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

from drp_tui.services import audit
from drp_tui.services.casework import Actor
from drp_tui.services.payments import record_payment
from tests.hubteam import NOW, allocate, debt_id, desk, run_sync, team_hub


def test_payments_not_yet_pushed_and_changes_not_yet_pulled_are_no_problem(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    actor = Actor("asmith", clock=lambda: NOW)
    record_payment(alex, actor, debt_id=debt_id(1), amount=Decimal("25.00"), received_on=NOW.date())
    report = audit.verify_all(alex)
    assert report.intact, report.as_json()  # 475.00 here, 500.00 on the hub: one payment due up
    run_sync(alex, hub, "asmith")
    assert audit.verify_all(alex).intact
    # A payment on the hub (another desk, a remittance) the desk has not pulled yet.
    record_payment(
        hub.as_store(), Actor("sup", clock=lambda: NOW), debt_id=debt_id(1),
        amount=Decimal("10.00"), received_on=NOW.date(),
    )  # fmt: skip
    assert audit.verify_all(alex).intact
    run_sync(alex, hub, "asmith")
    report = audit.verify_all(alex)
    assert report.intact, report.as_json()


def test_a_balance_raised_on_a_desk_is_found_against_the_hub(tmp_path: Path) -> None:
    hub = team_hub(str(tmp_path / "hub.sqlite"))
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    db = sqlite3.connect(alex.path)
    db.execute("UPDATE debt SET balance = 90000 WHERE id = ?", (debt_id(1),))
    db.commit()
    db.close()
    report = audit.verify_all(alex)
    assert not report.intact
    [problem] = report.state
    assert (problem.table, problem.row, problem.found) == ("debt", debt_id(1), "balance £900.00")
    assert problem.events_say.startswith("£500.00 (the hub's")
