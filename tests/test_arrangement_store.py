"""One arrangement over several debts of one person: linked to each in the policy's order
(or another, with a reason), and paid by a payment against any of them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.domain.schedule import Schedule, build_schedule
from drp_tui.services import payments
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import preview_arrangement
from drp_tui.services.caseview import DebtLine
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import Case, Debt, Event, Officer, Person
from drp_tui.store.personal import Opener, is_sealed
from tests.callhelp import verified_call

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ORDER = ("council_tax", "business_rates", "parking", "hb_overpayment")


def debt(debt_id: str, debt_type: str, period: str, balance: str, case_id: str = "c1") -> Debt:
    return Debt(
        id=debt_id,
        host_system="h",
        host_ref=debt_id.upper(),
        case_id=case_id,
        debt_type=debt_type,
        period=period,
        original_amount=Decimal(balance),
        balance=Decimal(balance),
        stage="reminder",
    )


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "drp.sqlite")
    with store.write() as session:
        session.add(Officer(id="asmith", name="Alex Smith"))
        for n in (1, 2):
            session.add(
                Person(id=f"p{n}", host_system="h", host_ref=f"P{n}", forename="Jo", surname="B")
            )
        session.flush()
        session.add(Case(id="c1", reference="C0000001", person_id="p1", officer_id="asmith"))
        session.add(Case(id="c2", reference="C0000002", person_id="p2", officer_id="asmith"))
        session.flush()
        session.add(debt("hb", "hb_overpayment", "2023/24", "300.00"))
        session.add(debt("ct", "council_tax", "2025/26", "200.00"))
        session.add(debt("other", "council_tax", "2025/26", "50.00", case_id="c2"))
    return store


def actor() -> Actor:
    return Actor("asmith", clock=lambda: NOW)


def schedule(policy: PolicyBook, total: str = "500.00") -> Schedule:
    return build_schedule(
        policy.arrangements,
        total=Decimal(total),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        instalment=Decimal("100.00"),
        council_tax_upto=Decimal("200.00"),
    )


def arrange(store: Store, policy: PolicyBook, debt_ids: list[str], **kwargs: object) -> str:
    made = make_arrangement(
        store,
        actor(),
        policy.holds,
        case_id="c1",
        call_id=verified_call(store, actor(), "c1"),
        debt_ids=debt_ids,
        schedule=kwargs.pop("schedule", None) or schedule(policy),  # type: ignore[arg-type]
        frequency="monthly",
        apply_order=ORDER,
        **kwargs,  # type: ignore[arg-type]
    )
    return made.id


def test_one_arrangement_covers_both_debts_council_tax_first(
    store: Store, policy: PolicyBook
) -> None:
    arrangement_id = arrange(store, policy, ["ct", "hb"])
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT debt_id, total FROM arrangement").fetchall() == [("ct", 50000)]
    assert db.execute(
        "SELECT debt_id, position, amount FROM arrangement_debt WHERE arrangement_id = ? "
        "ORDER BY position",
        (arrangement_id,),
    ).fetchall() == [("ct", 1, 20000), ("hb", 2, 30000)]
    payload = json.loads(
        db.execute("SELECT payload FROM event WHERE kind = 'arrangement.made'").fetchone()[0]
    )
    assert payload["debt"] == "ct"
    assert payload["debts"] == [
        {"debt": "ct", "position": 1, "amount": "200.00"},
        {"debt": "hb", "position": 2, "amount": "300.00"},
    ]


def test_another_order_needs_a_reason(store: Store, policy: PolicyBook) -> None:
    with pytest.raises(InputError, match="council tax first") as refused:
        arrange(store, policy, ["hb", "ct"])
    assert refused.value.field == "order"
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM arrangement").fetchone() == (0,)
    arrangement_id = arrange(
        store, policy, ["hb", "ct"], override_reason="HB overpayment is being recovered first"
    )
    assert db.execute(
        "SELECT debt_id FROM arrangement_debt WHERE arrangement_id = ? ORDER BY position",
        (arrangement_id,),
    ).fetchall() == [("hb",), ("ct",)]
    sealed = json.loads(
        db.execute("SELECT payload FROM event WHERE kind = 'arrangement.made'").fetchone()[0]
    )
    assert is_sealed(sealed["override_reason"])  # the officer's words, about the debtor
    with store.read() as session:
        payload = Opener(session).open(sealed)
    assert payload["override_reason"] == "HB overpayment is being recovered first"


def test_debts_must_be_the_cases_own(store: Store, policy: PolicyBook) -> None:
    with pytest.raises(InputError, match="not a debt on this case"):
        arrange(store, policy, ["ct", "other"])
    with pytest.raises(InputError, match="at least one debt"):
        arrange(store, policy, [])
    events = sqlite3.connect(store.path).execute("SELECT kind FROM event").fetchall()
    assert {kind for (kind,) in events} <= {"case.viewed", "idv.recorded"}  # the calls only


def test_a_payment_on_any_covered_debt_pays_the_instalments(
    store: Store, policy: PolicyBook
) -> None:
    arrangement_id = arrange(store, policy, ["ct", "hb"])
    payments.record_payment(
        store, actor(), debt_id="hb", amount=Decimal("150.00"), received_on=date(2026, 12, 1)
    )
    paid = (
        sqlite3.connect(store.path)
        .execute(
            "SELECT paid FROM instalment WHERE arrangement_id = ? ORDER BY number",
            (arrangement_id,),
        )
        .fetchall()
    )
    assert paid == [(10000,), (5000,), (0,), (0,), (0,)]


def test_a_total_above_what_the_debts_owe_is_kept_with_a_warning(
    store: Store, policy: PolicyBook
) -> None:
    arrangement_id = arrange(store, policy, ["ct", "hb"], schedule=schedule(policy, "600.00"))
    db = sqlite3.connect(store.path)
    assert db.execute(
        "SELECT debt_id, amount FROM arrangement_debt WHERE arrangement_id = ? ORDER BY position",
        (arrangement_id,),
    ).fetchall() == [("ct", 20000), ("hb", 30000)]
    payload = _made(store)
    assert "the total £600.00 is more than the £500.00 the debts owe" in payload["warnings"]


def line(debt_id: str, debt_type: str, balance: str, jurisdiction: str = "england") -> DebtLine:
    return DebtLine(
        debt_id,
        debt_id.upper(),
        debt_type,
        debt_type,
        "reminder",
        Decimal(balance),
        Decimal(0),
        jurisdiction,
        (),
        "",
        {},
        period="2025/26",
    )


FIELDS = {"total": "300.00", "first": "2026-12-01", "count": "3", "frequency": "monthly"}


def test_the_builder_preview_uses_the_debts_jurisdiction(policy: PolicyBook) -> None:
    english = policy.arrangements[0]
    welsh_minimum = replace(
        policy,
        arrangements=(
            replace(english, dated=replace(english.dated, jurisdictions=frozenset({"england"}))),
            replace(
                english,
                dated=replace(english.dated, jurisdictions=frozenset({"wales"})),
                minimum_instalment=Decimal("150.00"),
            ),
        ),
    )

    def codes(jurisdiction: str) -> list[str]:
        preview = preview_arrangement(
            welsh_minimum,
            FIELDS,
            debts=[line("s", "sundry", "300.00", jurisdiction)],
            today=NOW.date(),
        )
        return [f.code for f in preview.schedule.warnings]

    assert codes("england") == []
    assert codes("wales") == ["minimum_instalment"]
    with pytest.raises(InputError, match="england and wales: one arrangement for each"):
        preview_arrangement(
            policy,
            FIELDS,
            debts=[line("a", "sundry", "100", "england"), line("b", "sundry", "200", "wales")],
            today=NOW.date(),
        )


def test_the_offer_is_compared_at_the_arrangements_frequency(policy: PolicyBook) -> None:
    fields = {**FIELDS, "total": "1200.00", "count": "", "instalment": "150", "frequency": "weekly"}
    preview = preview_arrangement(
        policy,
        fields,
        debts=[line("c", "council_tax", "1000.00"), line("h", "hb_overpayment", "2000.00")],
        today=NOW.date(),
        monthly_offer=Decimal("530.00"),
    )
    assert [f.message for f in preview.schedule.warnings if f.code == "above_offer"] == [
        "instalments of £150.00 a week are above the assessed surplus of £530.00 a month "
        "(£122.30 a week)"
    ]
    assert [(d.id, amount) for d, amount in preview.covers] == [
        ("c", Decimal("1000.00")),
        ("h", Decimal("200.00")),
    ]


def test_the_host_export_lists_every_debt_an_arrangement_covers(
    store: Store, policy: PolicyBook
) -> None:
    from drp_tui.services.exports import export_rows

    arrange(store, policy, ["ct", "hb"])
    [row] = export_rows(store, "arrangements", None)
    assert row["debt_ref"] == "CT"  # the first paid, as before
    assert row["debts"] == [
        {"debt_ref": "CT", "order": 1, "amount": "200.00"},
        {"debt_ref": "HB", "order": 2, "amount": "300.00"},
    ]


def test_an_arrangement_above_the_saved_assessments_offer_keeps_the_warning(
    store: Store, policy: PolicyBook
) -> None:
    """However the arrangement is made (builder, Ctrl+U or not; the demo; a script), the
    service compares it with the case's latest saved assessment, at its frequency."""
    from drp_tui.services.assessments import save_assessment

    save_assessment(
        store,
        actor(),
        case_id="c1",
        statement={"income": {"earnings": "1450.00"}},
        result={"surplus": "550.00", "council_offer": "80.00"},
        surplus=Decimal("550.00"),
        available_for_priority=Decimal("530.00"),
    )
    arrange(store, policy, ["ct", "hb"])
    payload = _made(store)
    assert [w for w in payload["warnings"] if "assessed surplus" in w] == [
        "instalments of £100.00 a month are above the assessed surplus of £80.00 a month"
    ]


def _made(store: Store) -> dict[str, Any]:
    """The arrangement.made event's payload as drp reads it: its warnings and override reason
    are sealed with the debtor's key (they may repeat what the officer was told)."""
    with store.read() as session:
        raw = session.execute(
            select(col(Event.payload)).where(col(Event.kind) == "arrangement.made")
        ).scalar_one()
        assert is_sealed(raw["warnings"]) or not raw["warnings"]
        return Opener(session).open(raw)
