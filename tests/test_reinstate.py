"""Reinstating a broken arrangement on the diary's follow-up (issue 21): once by default
(arrangements.toml), within 28 days of the breach, the missed amount caught up first or
spread over the instalments still to come; what was paid stays paid. Otherwise a new
arrangement is negotiated."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.reinstate import Owed, reinstated_schedule
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.reinstatement import reinstate, reinstatement_offer
from drp_tui.store.engine import Store
from drp_tui.store.models import Arrangement, ArrangementDebt, Debt, Event, Instalment
from drp_tui.store.personal import Opener, is_sealed
from tests.test_diary import NOW, TODAY, diary_store

D = Decimal


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return broken_store(tmp_path)


def broken_store(tmp_path: Path) -> Store:
    """The diary's C4: a £300 arrangement of three £100 instalments over its council tax, the
    first (three days ago) £40 paid, the others still to come; marked broken yesterday."""
    store = diary_store(tmp_path)
    with store.write() as session:
        session.add(
            Debt(
                id="d4", host_system="h", host_ref="CT4", case_id="c4", debt_type="council_tax",
                original_amount=D("300"), balance=D("260"), stage="reminder",
            )
        )  # fmt: skip
        session.flush()
        session.add(ArrangementDebt(arrangement_id="a4", debt_id="d4", position=1, amount=D("300")))
        a4 = session.get_one(Arrangement, "a4")
        a4.debt_id = "d4"
        a4.status, a4.status_reason = "breached", "2 instalments missed"
        a4.status_changed_at = NOW - timedelta(days=1)
        session.add(
            Instalment(
                arrangement_id="a4", number=3, due_on=TODAY + timedelta(days=57), amount=D("100")
            )
        )
    return store


def drp(store: Store, monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_the_missed_amount_is_caught_up_or_spread_and_what_was_paid_stays_paid() -> None:
    owed = [
        Owed(date(2026, 11, 1), D("100"), D("40")),
        Owed(date(2026, 12, 1), D("100"), D("0")),
        Owed(date(2027, 1, 1), D("100"), D("0")),
    ]
    today = date(2026, 11, 24)
    caught = reinstated_schedule(owed, today, "catch_up", date(2026, 11, 27))
    assert caught.instalments == (
        (date(2026, 11, 27), D("60")),
        (date(2026, 12, 1), D("100")),
        (date(2027, 1, 1), D("100")),
    )
    assert (caught.missed, caught.total) == (D("60"), D("260"))
    spread = reinstated_schedule(owed, today, "spread")
    assert spread.instalments == ((date(2026, 12, 1), D("130")), (date(2027, 1, 1), D("130")))
    odd = reinstated_schedule([*owed[:1], *owed[1:], Owed(date(2027, 2, 1), D("100"), D("0"))],
                              today, "spread")  # fmt: skip
    assert [a for _, a in odd.instalments] == [D("120"), D("120"), D("120")]
    assert sum(a for _, a in odd.instalments) == odd.total == D("360")
    with pytest.raises(ValueError, match="before the next instalment"):
        reinstated_schedule(owed, today, "catch_up", date(2026, 12, 5))
    with pytest.raises(ValueError, match="no instalment is still to come"):
        reinstated_schedule(owed[:1], today, "spread")


def test_a_broken_arrangement_is_reinstated_once(store: Store, policy: PolicyBook) -> None:
    actor = Actor("asmith", clock=lambda: NOW)
    offer = reinstatement_offer(store, policy, actor, "C4")
    assert not isinstance(offer, str), offer
    assert offer.arrangement_id == "a4"
    assert offer.missed == D("60")
    assert offer.refusals == {"catch_up": None, "spread": None}
    made = reinstate(
        store, policy, actor, case_reference="C4", way="spread", agreed="debtor's letter of 23 Nov"
    )
    with store.read() as session:
        new = session.get_one(Arrangement, made.id)
        assert (new.status, new.case_id) == ("live", "c4")
        assert new.total == D("260")
        rows = session.execute(
            select(Instalment)
            .where(col(Instalment.arrangement_id) == made.id)
            .order_by(col(Instalment.number))
        ).scalars()
        assert [(i.due_on, i.amount) for i in rows] == [
            (TODAY + timedelta(days=27), D("130")),
            (TODAY + timedelta(days=57), D("130")),
        ]
        links = session.execute(
            select(ArrangementDebt).where(col(ArrangementDebt.arrangement_id) == made.id)
        ).scalars()
        assert [(link.debt_id, link.amount) for link in links] == [("d4", D("260"))]
        [event] = session.execute(
            select(Event).where(col(Event.kind) == "arrangement.reinstated")
        ).scalars()
        assert event.payload["reinstates"] == "a4"
        assert event.payload["way"] == "spread"
        assert is_sealed(event.payload["agreed"])  # the officer's words: erasable
        payload = Opener(session).open(event.payload)
        assert payload["agreed"] == "debtor's letter of 23 Nov"
    # It breaks again: policy reinstates once, so the follow-up negotiates anew.
    with store.write() as session:
        session.get_one(Arrangement, made.id).status = "breached"
        session.get_one(Arrangement, made.id).status_changed_at = NOW
    again = reinstatement_offer(store, policy, actor, "C4")
    assert not isinstance(again, str)
    assert again.refusals["spread"] == (
        "policy reinstates a broken arrangement 1 time; it has been reinstated 1 time: "
        "negotiate a new one"
    )


def test_reinstating_is_refused_late_on_another_officers_case_and_under_a_hold(
    store: Store, policy: PolicyBook
) -> None:
    late = Actor("asmith", clock=lambda: NOW + timedelta(days=40))
    offer = reinstatement_offer(store, policy, late, "C4")
    assert not isinstance(offer, str)
    assert "more than 28 days ago" in str(offer.refusals["catch_up"])
    assert reinstatement_offer(store, policy, Actor("bmorgan", clock=lambda: NOW), "C4") == (
        "C4 is not your case: its officer or a supervisor reinstates"
    )
    assert reinstatement_offer(store, policy, Actor("asmith", clock=lambda: NOW), "C1") == (
        "C1 has no broken arrangement to reinstate"
    )


def test_the_cli_previews_then_reinstates(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = drp(
        store, monkeypatch, "arrangements", "reinstate", "--case", "C4", "--way", "catch-up",
        "--by", (TODAY + timedelta(days=3)).isoformat(), "--preview", "--json",
    )  # fmt: skip
    assert code == 0, out
    shown = json.loads(out)
    assert shown["missed"] == "60.00"
    assert shown["instalments"][0] == {"due": "2026-11-27", "amount": "60.00"}
    code, out = drp(
        store, monkeypatch, "arrangements", "reinstate", "--case", "C4", "--way", "catch-up",
    )  # fmt: skip
    assert code == 2
    assert "--agreed" in out
    code, out = drp(
        store, monkeypatch, "arrangements", "reinstate", "--case", "C4", "--way", "sideways",
        "--agreed", "phoned in",
    )  # fmt: skip
    assert code == 2
    code, out = drp(
        store, monkeypatch, "arrangements", "reinstate", "--case", "C4", "--way", "catch-up",
        "--agreed", "paid the missed £60 on the phone line",
    )  # fmt: skip
    assert code == 0, out
    assert "reinstated C4's arrangement: £60.00 missed caught up" in out
    code, out = drp(
        store, monkeypatch, "arrangements", "reinstate", "--case", "C4", "--way", "spread",
        "--agreed", "again",
    )  # fmt: skip
    assert code == 1
    assert "no broken arrangement" in out
