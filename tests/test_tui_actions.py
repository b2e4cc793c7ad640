"""The debtor screen's smaller actions through the real app: marking a phone number (m),
referring a debt to an agency (e, only where a route is open and no hold forbids it) and
requesting a write-off (w). Each is checked in the store afterwards."""

from __future__ import annotations

import asyncio
from contextlib import suppress
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Button, DataTable, Input, Select, Static
from textual.widgets.select import InvalidSelectValueError

from drp_tui.services.casework import Actor, record_vulnerability
from drp_tui.store.engine import Store
from screens.actions import PhoneModal, ReferralModal, WriteOffModal
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from screens.outcome import OutcomeModal
from tests.conftest import DEMO_NOW
from tests.sealed import opened
from tests.tui import (
    app_for,
    breathing_space_case,
    enforceable_case,
    fill,
    look_at,
    one,
    pass_idv,
    settle,
)


async def confirm(pilot: Pilot[Any]) -> None:
    pilot.app.screen.query_one("#confirm", Button).press()
    await settle(pilot)


def message(pilot: Pilot[Any]) -> str:
    return str(pilot.app.screen.query_one("#message", Static).render())


def test_a_phone_number_is_marked_wrong_and_audited(demo_store: Store, tmp_path: Path) -> None:
    case_id, phone_id = one(
        demo_store,
        'SELECT c.id, p.id FROM "case" c JOIN phone p ON p.person_id = c.person_id '
        "WHERE p.status = 'good' AND c.officer_id = 'jmorgan' ORDER BY c.reference",
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, str(case_id))
            await pilot.press("m")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, PhoneModal)
            await confirm(pilot)
            assert "Choose the number" in message(pilot)
            modal.query_one("#phone", Select).value = phone_id
            modal.query_one("#status", Select).value = "wrong"
            await confirm(pilot)
            assert app.screen is debtor
            assert debtor.view is not None
            assert {p: s for p, _, s in debtor.view.phones}[str(phone_id)] == "wrong"

    asyncio.run(run())
    assert one(demo_store, f"SELECT status FROM phone WHERE id = '{phone_id}'") == ("wrong",)
    assert one(
        demo_store,
        "SELECT case_id, json_extract(payload, '$.status'), json_extract(payload, '$.was') "
        "FROM event WHERE kind = 'phone.marked'",
    ) == (case_id, "wrong", "good")


def test_referral_offers_only_open_routes_and_the_right_agencies(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = enforceable_case(demo_store)

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pilot.press("e")
            await settle(pilot)  # the agencies are read in a worker
            modal = app.screen
            assert isinstance(modal, ReferralModal)
            assert {route.id for _, route in modal.routes} <= {
                "enforcement_agent",
                "collection_agency",
                "crar",
            }
            chosen = next(n for n, (_, r) in enumerate(modal.routes) if r.id == "enforcement_agent")
            modal.query_one("#route", Select).value = str(chosen)
            await pilot.pause()
            agencies = modal.query_one("#agency", Select)
            offered = set()
            for agency in app.workstation.agencies():  # a Select takes only what it offers
                with suppress(InvalidSelectValueError):
                    agencies.value = agency.id
                    offered.add(agency.id)
            assert offered == {"marlowe", "kestrel"}  # enforcement agents only
            agencies.value = "kestrel"
            await confirm(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    placement = one(
        demo_store,
        "SELECT d.case_id, x.agency_id, x.placed_on FROM placement x JOIN debt d ON "
        "d.id = x.debt_id ORDER BY x.rowid DESC",
    )
    assert placement == (case_id, "kestrel", "2026-11-23")
    assert one(demo_store, "SELECT kind FROM event ORDER BY seq DESC") == ("agency.placed",)


def test_referral_is_refused_on_a_held_case_and_the_attempt_recorded(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = breathing_space_case(demo_store)
    placements = one(demo_store, "SELECT count(*) FROM placement")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, str(case_id))
            await pilot.press("e")
            await settle(pilot)
            assert isinstance(app.screen, DebtorScreen)

    asyncio.run(run())
    assert one(demo_store, "SELECT count(*) FROM placement") == placements
    refused = one(
        demo_store,
        "SELECT case_id, json_extract(payload, '$.action') FROM event "
        "WHERE kind = 'action.refused' ORDER BY seq DESC",
    )
    assert refused == (case_id, "escalate")


def test_write_off_request_checks_the_amount_then_records_the_request(
    demo_store: Store, tmp_path: Path
) -> None:
    case_id = enforceable_case(demo_store)
    requests = one(demo_store, "SELECT count(*) FROM writeoffrequest")

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pass_idv(pilot)  # the balance it is checked against shows after ID&V
            await pilot.press("w")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, WriteOffModal)
            await confirm(pilot)
            assert "Choose the debt and the reason" in message(pilot)
            assert debtor.view is not None
            debt = debtor.view.debts[0]
            modal.query_one("#debt", Select).value = debt.id
            modal.query_one("#reason", Select).value = "uneconomic"
            await fill(pilot, modal, amount="£1,000,000")
            await confirm(pilot)
            assert "at most the balance" in message(pilot)  # the dialog's own check (balance shown)
            await fill(pilot, modal, amount="12.345")
            await confirm(pilot)
            assert "Amount" in message(pilot)
            await fill(pilot, modal, amount="", note="gone abroad, no trace")
            await confirm(pilot)
            assert app.screen is debtor

    asyncio.run(run())
    assert one(demo_store, "SELECT count(*) FROM writeoffrequest") == (int(str(requests[0])) + 1,)
    request = one(
        demo_store,
        "SELECT d.case_id, w.amount = d.balance, w.requested_by, w.status FROM "
        "writeoffrequest w JOIN debt d ON d.id = w.debt_id ORDER BY w.rowid DESC",
    )
    assert request == (case_id, 1, "jmorgan", "requested")


def test_a_referral_shows_the_vulnerabilities_and_needs_a_confirmation_then_the_debt_is_with_the_agency(  # noqa: E501
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 16, finding 5: a domestic-abuse case went to an agency with nothing asked, and
    the same debt was offered for placement again."""
    case_id = enforceable_case(demo_store)
    record_vulnerability(
        demo_store,
        Actor("jmorgan", clock=lambda: DEMO_NOW),
        case_id=case_id,
        category="domestic_abuse",
        consent=True,
    )

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pilot.press("e")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, ReferralModal)
            assert "domestic_abuse" in str(modal.query_one("#vulnerabilities", Static).render())
            chosen = next(n for n, (_, r) in enumerate(modal.routes) if r.id == "enforcement_agent")
            debt_id = modal.routes[chosen][0].id
            modal.query_one("#route", Select).value = str(chosen)
            await pilot.pause()
            modal.query_one("#agency", Select).value = "kestrel"
            await confirm(pilot)
            still = app.screen
            assert still is modal
            assert "confirm why the referral is still right" in message(pilot)
            await fill(pilot, modal, confirmation="letters only; Kestrel told of the risk")
            await confirm(pilot)
            assert app.screen is debtor
            assert debtor.view is not None
            line = next(d for d in debtor.view.debts if d.id == debt_id)
            assert line.with_agency == "Kestrel Enforcement Services"
            table = debtor.query_one("#debts", DataTable)
            assert "with Kestrel" in str(table.get_row(debt_id)[2])
            script = str(debtor.query_one("#script", Static).render())
            assert [d.id for d in debtor.view.debts] == [debt_id]  # its only debt
            assert "Every debt on this case is with an agency" in script
            assert "Explain the" not in script
            # Not offered again for a referral, an arrangement or a write-off: with its only
            # debt placed, none of the three opens.
            for key in ("e", "r", "w"):
                await pilot.press(key)
                await settle(pilot)
                assert app.screen is debtor, key
            assert not isinstance(app.screen, ReferralModal | ArrangementModal)

    asyncio.run(run())
    placed = opened(
        demo_store,
        one(demo_store, "SELECT payload FROM event WHERE kind = 'agency.placed' ORDER BY seq DESC")[
            0
        ],
    )
    assert (placed["vulnerabilities"], placed["confirmation"]) == (
        ["domestic_abuse"],
        "letters only; Kestrel told of the risk",
    )


def test_a_promise_six_months_out_needs_a_reason_in_the_form(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 16, finding 11: a promise six months out was accepted silently."""
    case_id = enforceable_case(demo_store)
    promises = one(demo_store, "SELECT count(*) FROM promise")[0]

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            await look_at(pilot, case_id)
            await pass_idv(pilot)
            await pilot.press("p")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, OutcomeModal)
            assert not modal.query_one("#row-reason").display
            await fill(pilot, modal, amount="50", date="2027-05-23")
            modal.query_one("#save", Button).press()
            await settle(pilot)
            error = str(modal.query_one("#error", Static).render())
            assert "more than 28 days ahead" in error
            assert modal.query_one("#row-reason").display
            still = app.screen
            assert still is modal
            await fill(pilot, modal, reason="pension lump sum paid in May")
            modal.query_one("#save", Button).press()
            await settle(pilot)
            assert not isinstance(app.screen, OutcomeModal)

    asyncio.run(run())
    assert one(demo_store, "SELECT count(*) FROM promise")[0] == promises + 1
    made, payload = one(
        demo_store,
        "SELECT case_id, payload FROM event WHERE kind = 'promise.made' ORDER BY seq DESC",
    )
    said = opened(demo_store, payload)  # (the reason is the debtor's circumstances: sealed)
    assert (made, said["due_on"], said["reason"]) == (
        case_id,
        "2027-05-23",
        "pension lump sum paid in May",
    )


def test_the_write_off_dialog_asks_for_the_reasons_evidence_and_a_note(
    demo_store: Store, tmp_path: Path
) -> None:
    """Issue 16, finding 11: the dialog took an empty note; now each reason's evidence fields
    appear as it is chosen and the service's checks show in the dialog."""
    case_id = enforceable_case(demo_store)
    requests = one(demo_store, "SELECT count(*) FROM writeoffrequest")[0]

    async def run() -> None:
        app = app_for(demo_store, tmp_path)
        async with app.run_test(size=(120, 40)) as pilot:
            debtor = await look_at(pilot, case_id)
            await pass_idv(pilot)  # the balance the amount defaults to shows after ID&V
            await pilot.press("w")
            await pilot.pause()
            modal = app.screen
            assert isinstance(modal, WriteOffModal)
            assert debtor.view is not None
            modal.query_one("#debt", Select).value = debtor.view.debts[0].id
            modal.query_one("#reason", Select).value = "deceased_no_estate"
            await pilot.pause()
            asked = {i.id for i in modal.query("#evidence Input").results(Input)}
            assert asked == {"evidence-date_of_death", "evidence-estate_checked"}
            await confirm(pilot)
            assert "say what the evidence is" in message(pilot)
            await fill(pilot, modal, note="death certificate seen")
            await confirm(pilot)
            assert "deceased_no_estate needs date_of_death" in message(pilot)
            await fill(
                pilot,
                modal,
                **{"evidence-date_of_death": "2026-11-03", "evidence-estate_checked": "probate"},
            )
            modal.query_one("#reason", Select).value = "bankrupt"  # other fields, same dialog
            await pilot.pause()
            asked = {i.id for i in modal.query("#evidence Input").results(Input)}
            assert asked == {"evidence-insolvency_reference"}
            modal.query_one("#reason", Select).value = "deceased_no_estate"
            await pilot.pause()
            await fill(
                pilot,
                modal,
                **{"evidence-date_of_death": "2026-11-03", "evidence-estate_checked": "probate"},
            )
            # Checked against the record before it is sent: no death is recorded on the case.
            await confirm(pilot)
            assert "deceased_no_estate needs the death recorded on the case first" in (
                message(pilot)
            )
            modal.query_one("#reason", Select).value = "bankrupt"
            await pilot.pause()
            await fill(pilot, modal, **{"evidence-insolvency_reference": "BR-2026-0412"})
            await confirm(pilot)
            assert app.screen is debtor

    asyncio.run(run())
    assert one(demo_store, "SELECT count(*) FROM writeoffrequest")[0] == requests + 1
    made = opened(
        demo_store,
        one(
            demo_store,
            "SELECT payload FROM event WHERE kind = 'writeoff.requested' ORDER BY seq DESC",
        )[0],
    )
    assert (made["evidence"]["insolvency_reference"], made["note"]) == (
        "BR-2026-0412",
        "death certificate seen",
    )
