"""Every screen and dialog, at 80x24 (usable) and 120x40 (comfortable), on the deterministic
demo store with the clock frozen. Update with `pytest --snapshot-update` after looking at
what changed (the failure report shows both)."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Select

from drp_tui.services.assessments import save_assessment
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from drp_tui.store.models import Arrangement, ArrangementDebt, Instalment
from tests.conftest import DEMO_NOW
from tests.tui import (
    app_for,
    breathing_space_case,
    enforceable_case,
    fill,
    look_at,
    one,
    open_first_case,
    pass_idv,
    settle,
)

Scenario = Callable[[Pilot[Any], Store], Awaitable[None]]


async def press(pilot: Pilot[Any], *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def queue(pilot: Pilot[Any], store: Store) -> None:
    await settle(pilot)


async def queue_filtered(pilot: Pilot[Any], store: Store) -> None:
    await settle(pilot)
    pilot.app.screen.query_one("#type-filter", Select).value = "council_tax"
    await settle(pilot)


async def call_anyway(pilot: Pilot[Any], store: Store) -> None:
    await settle(pilot)
    await press(pilot, "enter")


async def diary(pilot: Pilot[Any], store: Store) -> None:
    await settle(pilot)
    await press(pilot, "d")


async def debtor_masked(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)


async def debtor_verified(pilot: Pilot[Any], store: Store) -> None:
    await look_at(pilot, enforceable_case(store))
    await pass_idv(pilot)


async def debtor_on_hold(pilot: Pilot[Any], store: Store) -> None:
    await look_at(pilot, breathing_space_case(store))


async def idv(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "i")


async def outcome(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await pass_idv(pilot)
    await press(pilot, "p")
    await fill(pilot, pilot.app.screen, amount="£50", date="2026-11-30")


async def arrangement(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await pass_idv(pilot)
    await press(pilot, "r")
    await fill(pilot, pilot.app.screen, total="300", count="3", first="2026-12-01")


async def affordability(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await pass_idv(pilot)
    await press(pilot, "a")
    await fill(
        pilot,
        pilot.app.screen,
        income__earnings="£1,450",
        fixed_costs__rent="600",
        flexible_costs__food_and_housekeeping="300",
        priority__0="Energy supplier",
        pbalance__0="400",
        payment__0="25",
    )


async def affordability_saved(pilot: Pilot[Any], store: Store) -> None:
    """The calculator opens with the case's latest statement and says whose and when."""
    debtor = await open_first_case(pilot)
    save_assessment(
        store,
        Actor("akhan", clock=lambda: DEMO_NOW - timedelta(days=3)),
        case_id=debtor.case_id,
        statement={
            "household": {"adults": 2, "children": 1},
            "income": {"earnings": {"amount": "400", "frequency": "weekly"}},
            "fixed_costs": {"rent": {"amount": "600", "frequency": "monthly"}},
            "priority_debts": [{"creditor": "Landlord", "balance": "1200", "payment": "50"}],
        },
        result={},
        surplus=Decimal("0"),
        available_for_priority=Decimal("0"),
    )
    await press(pilot, "a")


async def note(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "t")


async def search(pilot: Pilot[Any], store: Store) -> None:
    await settle(pilot)
    await press(pilot, "slash")
    await fill(pilot, pilot.app.screen, query="Smith")
    await press(pilot, "enter")


async def help_screen(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "f1")


async def phone(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "m")


async def referral(pilot: Pilot[Any], store: Store) -> None:
    await look_at(pilot, enforceable_case(store))
    await press(pilot, "e")
    pilot.app.screen.query_one("#route", Select).value = "0"
    await settle(pilot)


async def writeoff(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "w")


async def letter(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await pass_idv(pilot)
    await press(pilot, "l")


async def authority(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await pass_idv(pilot)
    await press(pilot, "g")


async def complaint(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "c")


async def appointment(pilot: Pilot[Any], store: Store) -> None:
    await open_first_case(pilot)
    await press(pilot, "b")


async def sms_consent(pilot: Pilot[Any], store: Store) -> None:
    await look_at(pilot, enforceable_case(store))
    await pass_idv(pilot)
    await press(pilot, "s")


async def reinstate(pilot: Pilot[Any], store: Store) -> None:
    """One of jmorgan's council tax cases with an arrangement broken yesterday: £100 of it
    missed, two instalments to come."""
    [case_id, debt_id] = one(
        store,
        'SELECT c.id, d.id FROM "case" c JOIN debt d ON d.case_id = c.id WHERE c.officer_id = '
        "'jmorgan' AND d.debt_type = 'council_tax' AND d.balance >= 300 AND c.hold_kind IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM breathingspace b WHERE b.person_id = c.person_id) "
        "AND NOT EXISTS (SELECT 1 FROM arrangement a WHERE a.case_id = c.id) ORDER BY c.reference",
    )
    with store.write() as session:
        session.add(
            Arrangement(
                id="broken", case_id=case_id, debt_id=debt_id, officer_id="jmorgan",
                total=Decimal("300"), frequency="monthly", status="breached",
                status_reason="2 instalments missed", created_at=DEMO_NOW - timedelta(days=50),
                status_changed_at=DEMO_NOW - timedelta(days=1),
            )
        )  # fmt: skip
        session.flush()
        session.add(
            ArrangementDebt(
                arrangement_id="broken", debt_id=debt_id, position=1, amount=Decimal("300")
            )
        )
        for number, days in enumerate((-10, 20, 50), start=1):
            session.add(
                Instalment(
                    arrangement_id="broken", number=number, amount=Decimal("100"),
                    due_on=DEMO_NOW.date() + timedelta(days=days),
                )
            )  # fmt: skip
    await look_at(pilot, str(case_id))
    await pass_idv(pilot)
    await press(pilot, "R")


async def error_dialog(pilot: Pilot[Any], store: Store) -> None:
    with sqlite3.connect(store.path) as db:
        db.execute(
            "CREATE TRIGGER refuse_contact BEFORE INSERT ON contactattempt "
            "BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END"
        )
    await open_first_case(pilot)
    await press(pilot, "o")
    pilot.app.screen.query_one("#code", Select).value = "NA"
    await settle(pilot)
    pilot.app.screen.query_one("#save", Button).press()
    await settle(pilot)


SCENARIOS: dict[str, Scenario] = {
    "queue": queue,
    "queue_filtered": queue_filtered,
    "call_anyway": call_anyway,
    "diary": diary,
    "debtor_masked": debtor_masked,
    "debtor_verified": debtor_verified,
    "debtor_on_hold": debtor_on_hold,
    "idv": idv,
    "outcome": outcome,
    "arrangement": arrangement,
    "affordability": affordability,
    "affordability_saved": affordability_saved,
    "note": note,
    "search": search,
    "help": help_screen,
    "phone": phone,
    "referral": referral,
    "writeoff": writeoff,
    "authority": authority,
    "letter": letter,
    "complaint": complaint,
    "appointment": appointment,
    "reinstate": reinstate,
    "sms_consent": sms_consent,
    "error_dialog": error_dialog,
}
EVENING = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # after calling hours


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
@pytest.mark.parametrize("name", list(SCENARIOS))
def test_snapshot(
    name: str,
    size: tuple[int, int],
    demo_store: Store,
    tmp_path: Path,
    snap_compare: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DRP_CONFIG", "/home/officer/.config/drp/config.toml")  # help names it
    app = app_for(demo_store, tmp_path, now=EVENING if name == "call_anyway" else DEMO_NOW)

    async def run_before(pilot: Pilot[Any]) -> None:
        await SCENARIOS[name](pilot, demo_store)
        # A blinking cursor is drawn or not by the wall clock: hold it on, so a slow machine
        # takes the same picture (the affordability form's was on or off by chance).
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
