"""Consent to texts recorded and withdrawn on a call (s on the debtor screen), driven through the
real app on a real store: refused before ID&V (the debtor gives it, not whoever answers); the
service is asked before the form opens (the debtor's mobiles, or why none can be marked); the
choice is written through the same service `drp letter sms-consent` uses, an event on the
case."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from textual.widgets import Button, Select, Static

from drp_tui.services.casework import Actor
from drp_tui.services.sms import ConsentForm, consent_form
from drp_tui.store.engine import Store
from drp_tui.store.models import Phone
from screens.consent import SmsConsentModal
from tests.test_diary import NOW
from tests.test_letters import events, letter_store
from tests.test_tui_bookings import heard
from tests.tui import app_for, look_at, pass_idv, settle, text_of

MOBILE = "+447700900123"


def texts_store(tmp_path: Path) -> Store:
    """The letters' store: C1's debtor with a mobile (not marked for texts) and a landline."""
    store = letter_store(tmp_path)
    with store.write() as session:
        session.add(Phone(id="ph1", person_id="p1", number=MOBILE, kind="mobile"))
        session.add(Phone(id="ph2", person_id="p1", number="+442079460000", kind="landline"))
    return store


def consent_of(store: Store) -> object:
    with store.read() as session:
        return session.get_one(Phone, "ph1").sms_consent_at


def test_consent_to_texts_is_recorded_and_withdrawn_on_a_call(tmp_path: Path) -> None:
    store = texts_store(tmp_path)

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c1")
            assert "s SMS" in text_of(screen, "#more-keys")  # named beside the other keys
            await pilot.press("s")
            await settle(pilot)
            assert app.screen is screen  # not before ID&V
            assert any("Pass ID&V (i) first" in s for s in said), said
            await pass_idv(pilot)
            await pilot.press("s")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, SmsConsentModal)
            numbers = modal.query_one("#sms-number", Select)
            assert numbers.value == MOBILE  # the mobile only: no text goes to a landline
            assert "not marked for texts" in str(modal.query_one("#sms-state", Static).render())
            assert modal.query_one("#sms-given", Select).value == "given"
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is screen
            assert consent_of(store) == NOW
            assert f"{MOBILE} marked for texts (C1)." in said

            # Later on the call the debtor changes their mind.
            await pilot.press("s")
            await settle(pilot)
            modal = app.screen
            assert isinstance(modal, SmsConsentModal)
            assert "marked for texts since" in str(modal.query_one("#sms-state", Static).render())
            assert modal.query_one("#sms-given", Select).value == "withdrawn"
            modal.query_one("#confirm", Button).press()
            await settle(pilot)
            assert app.screen is screen
            assert consent_of(store) is None
            assert f"{MOBILE} no longer marked for texts (C1)." in said
        assert [e.payload["given"] for e in events(store, "phone.sms_consent")] == [True, False]

    asyncio.run(run())


def test_the_form_is_not_opened_when_no_mobile_is_held(tmp_path: Path) -> None:
    store = letter_store(tmp_path)  # C1's debtor has no mobile

    async def run() -> None:
        app = app_for(store, tmp_path, officer="asmith", now=NOW)
        said = heard(app)
        async with app.run_test(size=(120, 40)) as pilot:
            screen = await look_at(pilot, "c1")
            await pass_idv(pilot)
            await pilot.press("s")
            await settle(pilot)
            assert app.screen is screen
        assert "No consent to texts can be recorded: no mobile number is held for C1" in said
        assert events(store, "phone.sms_consent") == []

    asyncio.run(run())


def test_the_service_says_what_the_form_may_offer(tmp_path: Path) -> None:
    store = texts_store(tmp_path)
    form = consent_form(store, Actor("asmith", clock=lambda: NOW), "c1")
    assert isinstance(form, ConsentForm)
    assert [(m.number, m.status, m.consented_at) for m in form.mobiles] == [(MOBILE, "good", None)]
    refused: Any = consent_form(store, Actor("bmorgan", clock=lambda: NOW), "c1")
    assert refused == "C1 is not your case: its officer or a supervisor records consent"
