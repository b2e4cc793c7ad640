"""A write-off's evidence is checked against what drp holds, where it holds it: "recovery
exhausted" needs the agency's return of the debt on record, "deceased with no estate" the
death recorded on the case (and the same date). Found by the hostile review of issue 16: the
evidence was free text, so "returned nulla bona" was accepted for a debt never placed."""

from __future__ import annotations

import json
import sqlite3
from datetime import date, timedelta

import pytest

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.placements import place_with_agency, return_placement
from drp_tui.services.policy import PolicyBook
from drp_tui.services.writeoffs import request_writeoff, unmet_record
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.test_writeoffs import a_debt, as_

TODAY = DEMO_NOW.date()


def debt_and_person(store: Store, reference: str) -> tuple[str, str]:
    debt_id, person_id = (
        sqlite3.connect(store.path)
        .execute(
            'SELECT d.id, c.person_id FROM debt d JOIN "case" c ON c.id = d.case_id '
            "WHERE d.host_ref = ?",
            (reference,),
        )
        .fetchone()
    )
    return str(debt_id), str(person_id)


def ask(store: Store, policy: PolicyBook, reference: str, reason: str, **evidence: str) -> None:
    request_writeoff(
        store,
        policy,
        as_("akhan"),
        debt_reference=reference,
        reason_code=reason,
        amount=None,
        note="see evidence",
        evidence=evidence,
    )


def last_payload(store: Store) -> dict[str, object]:
    found = (
        sqlite3.connect(store.path)
        .execute("SELECT payload FROM event WHERE kind = 'writeoff.requested' ORDER BY seq DESC")
        .fetchone()
    )
    payload: dict[str, object] = json.loads(found[0])
    return payload


def test_recovery_exhausted_needs_the_agencys_return_on_record(
    demo_store: Store, policy: PolicyBook
) -> None:
    reference, _ = a_debt(demo_store, "100", "900")
    debt_id, _ = debt_and_person(demo_store, reference)
    expected = (
        "write-off: exhausted needs the debt's return by its agency on record; this debt "
        "has none (record it with `drp agency return`)"
    )
    assert unmet_record(demo_store, policy, debt_id, "exhausted", TODAY, "akhan") == expected
    with pytest.raises(NotPermitted) as refused:
        ask(demo_store, policy, reference, "exhausted", enforcement_returned="nulla bona")
    assert str(refused.value) == expected
    assert sqlite3.connect(demo_store.path).execute(
        "SELECT json_extract(payload, '$.action') FROM event ORDER BY seq DESC"
    ).fetchone() == ("writeoff",)
    placed_on = TODAY - timedelta(days=90)
    place_with_agency(
        demo_store,
        as_("akhan"),
        policy.holds,
        debt_id=debt_id,
        agency_id="harbour",
        placed_on=placed_on,
        confirmation="checked",
    )
    return_placement(  # recorded by a colleague: not the requester's own say-so
        demo_store,
        as_("jmorgan"),
        debt_id=debt_id,
        agency_id="harbour",
        returned_on=TODAY - timedelta(days=3),
        reason="nulla bona",
    )
    assert unmet_record(demo_store, policy, debt_id, "exhausted", TODAY, "akhan") is None
    ask(demo_store, policy, reference, "exhausted", enforcement_returned="nulla bona")
    assert last_payload(demo_store)["on_record"] == {
        "returned_by": "Harbour Recovery Partners",
        "returned_on": (TODAY - timedelta(days=3)).isoformat(),
        "return_reason": "nulla bona",
    }


def test_deceased_with_no_estate_needs_the_death_on_record_and_its_date(
    demo_store: Store, policy: PolicyBook
) -> None:
    reference, _ = a_debt(demo_store, "100", "900")
    _, person_id = debt_and_person(demo_store, reference)
    evidence = {"date_of_death": "2026-11-03", "estate_checked": "probate search: no grant"}
    with pytest.raises(NotPermitted, match="deceased_no_estate needs the death recorded"):
        ask(demo_store, policy, reference, "deceased_no_estate", **evidence)
    with sqlite3.connect(demo_store.path) as db:
        db.execute("UPDATE person SET deceased_on = ? WHERE id = ?", ("2026-11-01", person_id))
    with pytest.raises(InputError) as wrong:
        ask(demo_store, policy, reference, "deceased_no_estate", **evidence)
    assert str(wrong.value) == (
        "--evidence: date_of_death 2026-11-03 is not the date of death on record, 2026-11-01"
    )
    ask(
        demo_store,
        policy,
        reference,
        "deceased_no_estate",
        **{**evidence, "date_of_death": "01/11/2026"},
    )
    assert last_payload(demo_store)["on_record"] == {"deceased_on": date(2026, 11, 1).isoformat()}


def test_a_reason_with_checks_nobody_knows_is_refused_at_load() -> None:
    import tomllib

    from drp_tui.domain.errors import PolicyError
    from drp_tui.domain.writeoff import load_writeoff
    from drp_tui.services.policy import data_dir

    doc = tomllib.loads((data_dir() / "policy" / "writeoff.toml").read_text())
    doc["reasons"][0]["on_record"]["exhausted"] = ["agency_says_so"]
    with pytest.raises(PolicyError, match=r"on_record.*agency_says_so"):
        load_writeoff(doc, "writeoff.toml")
