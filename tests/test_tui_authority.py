"""A third party with recorded authority, through the real app: the ID&V dialog offers the
case's authorities in force (never an expired one), the header says who is on the line and
what they may do, and the forms follow their authority: "discuss" sees the account but a
promise is refused; "arrange" takes one."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from drp_tui.services.authority import record_authority
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from screens.idv import IdvModal
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.test_tui_call import choose, save
from tests.tui import app_for, enforceable_case, look_at, settle, text_of

TODAY = DEMO_NOW.date()


def rows(store: Store, sql: str) -> list[tuple[Any, ...]]:
    return sqlite3.connect(store.path).execute(sql).fetchall()


def authorise(
    store: Store, case_id: str, name: str, scope: tuple[str, ...], until: date | None, at: date
) -> str:
    when = DEMO_NOW - timedelta(days=(TODAY - at).days)
    return record_authority(
        store,
        Actor("jmorgan", clock=lambda: when),
        case_id=case_id,
        name=name,
        relationship="partner" if name == "Sam Smith" else "son",
        scope=scope,
        until=until,
    ).id


def offered(modal: IdvModal) -> list[str]:
    """The authorities the ID&V dialog offers, as it shows them."""
    options = modal.query_one("#idv-authorities", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def choose_authority(pilot: Pilot[Any], name: str) -> None:
    """ID&V (i), then the third party with authority named `name` (arrows, Enter)."""
    await pilot.press("i")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, IdvModal)
    shown = offered(modal)
    wanted = [i for i, line in enumerate(shown) if line.startswith(name)]
    assert len(wanted) == 1, shown
    modal.query_one("#idv-authorities", OptionList).focus()
    await pilot.pause()
    await pilot.press("home", *["down"] * wanted[0], "enter")
    await settle(pilot)


def test_a_third_party_does_what_their_recorded_authority_covers(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = enforceable_case(demo_store)
    authorise(
        demo_store,
        case_id,
        "Old Friend",
        ("discuss", "arrange"),
        TODAY - timedelta(days=1),
        TODAY - timedelta(days=60),
    )
    authorise(demo_store, case_id, "Sam Smith", ("discuss",), None, TODAY)
    pat_until = TODAY + timedelta(days=30)
    authorise(demo_store, case_id, "Pat Bloggs", ("discuss", "arrange"), pat_until, TODAY)
    promises = rows(demo_store, "SELECT count(*) FROM promise")[0][0]

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            # The dialog lists the authorities in force, with what each may do and until when.
            await pilot.press("i")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, IdvModal)
            # Not the one that expired yesterday.
            assert offered(modal) == [
                "Sam Smith (partner) may discuss with no end date",
                "Pat Bloggs (son) may discuss, arrange until 23 Dec 2026",
            ]
            await pilot.press("escape")
            await settle(pilot)

            # Sam may discuss: the account shows, but no promise.
            await choose_authority(pilot, "Sam Smith")
            assert debtor.view is not None
            assert debtor.view.verified
            assert debtor.view.balance is not None
            header = text_of(debtor, "#case-header")
            assert "Third party: Sam Smith (partner) may discuss" in header
            assert "£•" not in header
            # The header is cut at 80 columns: the person pane says it too.
            assert "On the line Sam Smith (partner), may discuss" in text_of(debtor, "#person")
            await pilot.press("p")
            await settle(pilot)
            assert app.screen is debtor  # refused before any form opened
            await pilot.press("o")
            await settle(pilot)
            outcome = app.screen
            assert isinstance(outcome, OutcomeModal)
            assert "RPC" in outcome.codes
            assert "PTP" not in outcome.codes
            await pilot.press("escape")
            await settle(pilot)

            # Pat may arrange too: a promise is taken.
            await choose_authority(pilot, "Pat Bloggs")
            assert "Third party: Pat Bloggs (son) may discuss, arrange" in text_of(
                debtor, "#case-header"
            )
            await pilot.press("p")
            await settle(pilot)
            assert isinstance(app.screen, OutcomeModal)
            await choose(pilot, "PTP", amount="£40", date="2026-11-30")
            await save(pilot)
            assert app.screen is not debtor or debtor.case_id != case_id

    asyncio.run(run())
    assert rows(demo_store, "SELECT count(*) FROM promise")[0][0] == promises + 1
    assert rows(
        demo_store,
        "SELECT x.outcome_code, x.idv_result, a.name FROM call c JOIN contactattempt x ON "
        "x.id = c.attempt_id JOIN thirdpartyauthority a ON a.id = c.authority_id "
        f"WHERE c.case_id = '{case_id}'",
    ) == [("PTP", "authorised", "Pat Bloggs")]
    refused = rows(
        demo_store,
        "SELECT json_extract(payload, '$.reason') FROM event WHERE kind = 'action.refused' "
        f"AND case_id = '{case_id}'",
    )
    assert refused == [
        ("promise to pay refused: the third party's recorded authority does not let them "
         "agree payment on the debtor's behalf",)
    ]  # fmt: skip
