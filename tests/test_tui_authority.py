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
from textual.widgets import Checkbox, OptionList, Static

from drp_tui.services.authority import record_authority
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from screens.authority import AuthorityModal
from screens.idv import IdvModal
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.sealed import opened
from tests.test_tui_call import choose, save
from tests.tui import app_for, enforceable_case, look_at, pass_idv, settle, text_of

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
        consent="written",
        consent_ref="signed form",
    ).id


def offered(modal: IdvModal) -> list[str]:
    """The authorities the ID&V dialog offers, as it shows them."""
    options = modal.query_one("#idv-authorities", OptionList)
    return [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]


async def choose_authority(pilot: Pilot[Any], name: str, checks: int = 2) -> None:
    """ID&V (i), `checks` of the debtor's details answered by the caller, then the third
    party with authority named `name` (arrows, Enter)."""
    await pilot.press("i")
    await settle(pilot)
    modal = pilot.app.screen
    assert isinstance(modal, IdvModal)
    for box in list(modal.query(Checkbox))[:checks]:
        box.value = True
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
    refused = [  # (the reason is sealed in the store: it may name a vulnerability)
        (opened(demo_store, payload)["reason"],)
        for (payload,) in rows(
            demo_store,
            f"SELECT payload FROM event WHERE kind = 'action.refused' AND case_id = '{case_id}'",
        )
    ]
    assert refused == [
        ("promise to pay refused: the third party's recorded authority does not let them "
         "agree payment on the debtor's behalf",)
    ]  # fmt: skip


def test_on_a_domestic_abuse_case_the_dialog_warns_and_a_name_alone_stands_for_nothing(
    demo_store: Store, tmp_path: Path
) -> None:
    """Review of issue 16: an authority was stood on by whoever named its holder, and nothing
    warned the officer on a domestic-abuse case that the caller may be the danger."""
    from drp_tui.store.models import Vulnerability

    case_id = enforceable_case(demo_store)
    person = rows(demo_store, f"SELECT person_id FROM \"case\" WHERE id = '{case_id}'")[0][0]
    with demo_store.write() as session:
        session.add(
            Vulnerability(id="v-da", person_id=person, category="domestic abuse", consent=True)
        )
    record_authority(
        demo_store,
        Actor("jmorgan", clock=lambda: DEMO_NOW),
        case_id=case_id,
        name="Sam Smith",
        relationship="partner",
        scope=("discuss", "arrange"),
        until=None,
        consent="written",
        consent_ref="signed form",
        risk_confirmed="debtor asked alone, in person at the office",
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pilot.press("i")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, IdvModal)
            warning = text_of(modal, "#idv-risk")
            assert "⚠ domestic abuse recorded: the person on the line may be the danger" in (
                " ".join(warning.split())
            )
            await pilot.press("escape")
            await settle(pilot)
            # Naming Sam without answering the checks: still a third party, nothing shown.
            await choose_authority(pilot, "Sam Smith", checks=0)
            assert debtor.view is not None
            assert not debtor.view.verified
            assert "Third party: Sam Smith" not in text_of(debtor, "#case-header")
            await pilot.press("p")
            await settle(pilot)
            assert app.screen is debtor  # refused before any form opened

    asyncio.run(run())
    assert rows(
        demo_store,
        f"SELECT idv_result, authority_id FROM call WHERE case_id = '{case_id}' "
        "ORDER BY opened_at DESC LIMIT 1",
    ) == [("third_party", None)]


def test_the_debtor_gives_authority_on_the_call_after_id_and_v(
    demo_store: Store, tmp_path: Path
) -> None:
    """Verbal consent is recorded on the call it is given on, from the workstation: refused
    (before any form opens) until the debtor passes ID&V on this call."""
    case_id = enforceable_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pilot.press("g")
            await settle(pilot)
            assert app.screen is debtor, [str(s.render()) for s in app.screen.query(Static)]
            await pass_idv(pilot)
            await pilot.press("g")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, AuthorityModal)
            await pilot.press(*"Sam Smith", "tab", *"partner", "enter")
            await settle(pilot)
            assert app.screen is debtor
            await pilot.press("i")
            await settle(pilot)
            idv = app.screen
            assert isinstance(idv, IdvModal)
            assert offered(idv) == ["Sam Smith (partner) may discuss with no end date"]
            await pilot.press("escape")
            await settle(pilot)

    asyncio.run(run())
    call = rows(
        demo_store,
        f"SELECT id FROM call WHERE case_id = '{case_id}' ORDER BY opened_at DESC LIMIT 1",
    )[0][0]
    assert rows(
        demo_store,
        "SELECT name, relationship, scope, consent, call_id FROM thirdpartyauthority",
    ) == [("Sam Smith", "partner", '["discuss"]', "verbal", call)]
    refused = [  # (the reason is sealed in the store: it may name a vulnerability)
        (opened(demo_store, payload)["reason"],)
        for (payload,) in rows(
            demo_store,
            f"SELECT payload FROM event WHERE kind = 'action.refused' AND case_id = '{case_id}'",
        )
    ]
    assert refused == [
        ("third-party authority: the debtor gives consent themselves: they must pass ID&V on "
         "this call first (or record a consent document with `drp authority add`)",)
    ]  # fmt: skip
