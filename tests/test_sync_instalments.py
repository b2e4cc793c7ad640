"""What an arrangement's instalments have paid rises only with payments on its debts, on every
hub (review 19c: a desk marked instalments paid with no payment, and the nightly check then
completed the arrangement). The rule is rules.py's `instalment_refusal`, applied by the push on
a SQLite hub or with the hub owner's credential, and by the database for a desk's own login
(hub revision h020)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import text

from drp_tui.services.casework import Actor
from drp_tui.services.payments import record_payment
from drp_tui.store.engine import Store
from drp_tui.store.models import Arrangement, Instalment
from drp_tui.sync.hub import Hub
from tests.hubteam import (
    NOW,
    allocate,
    case_id,
    debt_id,
    desk,
    officer_login,
    run_sync,
    team_hub,
)
from tests.postgres import PostgresCluster


def _arrange(alex: Store) -> None:
    """Case 1's debt in two monthly instalments of £250, made on Alex's desk."""
    with alex.write() as session:
        session.add(
            Arrangement(
                id="ar-1",
                case_id=case_id(1),
                debt_id=debt_id(1),
                officer_id="asmith",
                total=Decimal("500.00"),
                frequency="monthly",
                created_at=NOW,
            )
        )
        session.flush()
        for number, due in enumerate((date(2026, 12, 1), date(2027, 1, 1)), start=1):
            session.add(
                Instalment(
                    id=f"in-{number}",
                    arrangement_id="ar-1",
                    number=number,
                    due_on=due,
                    amount=Decimal("250.00"),
                )
            )


def _paid_on_hub(hub: Hub) -> list[tuple[str, int]]:
    with hub.read() as connection:
        found = connection.execute(text("SELECT id, paid FROM instalment ORDER BY id"))
        return [(str(key), int(paid)) for key, paid in found]


def _refusals(hub: Hub) -> list[tuple[str, str]]:
    with hub.read() as connection:
        found = connection.execute(text("SELECT item, reason FROM hubrefusal ORDER BY item"))
        return [(str(item), str(reason)) for item, reason in found]


def test_a_payment_pays_the_instalments_through_a_desks_own_login(
    postgres: PostgresCluster, tmp_path: Path
) -> None:
    owner = team_hub(postgres.url(postgres.new_database()))
    allocate(owner, 1, "asmith")
    as_alex = officer_login(postgres, owner, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, as_alex, "asmith")
    _arrange(alex)
    record_payment(
        alex,
        Actor("asmith", clock=lambda: NOW),
        debt_id=debt_id(1),
        amount=Decimal("300.00"),
        received_on=date(2026, 11, 23),
    )
    assert run_sync(alex, as_alex, "asmith").refused == 0
    assert _paid_on_hub(owner) == [("in-1", 25000), ("in-2", 5000)]
    assert _refusals(owner) == []
    as_alex.engine.dispose()
    owner.engine.dispose()


def test_instalments_marked_paid_on_the_desk_without_a_payment_are_refused(
    hub_address: str, tmp_path: Path
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex = desk(tmp_path, "alex")
    run_sync(alex, hub, "asmith")
    _arrange(alex)
    assert run_sync(alex, hub, "asmith").refused == 0
    with alex.write() as session:  # straight into the desk's SQLite, as sqlite3 would
        for key in ("in-1", "in-2"):
            instalment = session.get(Instalment, key)
            assert instalment is not None
            instalment.paid = Decimal("250.00")
    assert run_sync(alex, hub, "asmith").refused == 2
    assert _paid_on_hub(hub) == [("in-1", 0), ("in-2", 0)]
    said = "more than the 0.00 received on the arrangement's debts"
    assert _refusals(hub) == [
        ("instalment in-1", f"instalments paid 250.00, {said}"),
        ("instalment in-2", f"instalments paid 250.00, {said}"),
    ]
    hub.engine.dispose()
