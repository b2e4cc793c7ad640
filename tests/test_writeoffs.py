"""Write-offs: reasons from policy, limits by role, no approving your own request."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.writeoffs import decide_writeoff, list_writeoffs, request_writeoff
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.sealed import opened

runner = CliRunner()


def as_(officer: str) -> Actor:
    return Actor(officer, clock=lambda: DEMO_NOW)


def a_debt(store: Store, minimum: str, maximum: str) -> tuple[str, Decimal]:
    row = (
        sqlite3.connect(store.path)
        .execute(
            "SELECT host_ref, balance FROM debt d WHERE balance BETWEEN ? AND ? AND NOT EXISTS "
            "(SELECT 1 FROM placement p WHERE p.debt_id = d.id AND p.status = 'open') "
            "ORDER BY host_ref LIMIT 1",
            (int(Decimal(minimum) * 100), int(Decimal(maximum) * 100)),
        )
        .fetchone()
    )
    return row[0], Decimal(row[1]) / 100


def test_request_and_approve_within_the_limit(demo_store: Store, policy: PolicyBook) -> None:
    reference, balance = a_debt(demo_store, "100", "900")
    made = request_writeoff(
        demo_store,
        policy,
        as_("jmorgan"),
        debt_reference=reference,
        reason_code="uneconomic",
        amount=None,
        note="£400 to collect at £2 a month",
    )
    assert made.amount == balance
    db = sqlite3.connect(demo_store.path)
    db.execute("UPDATE officer SET role = 'supervisor' WHERE id = 'jmorgan'")
    db.commit()
    with pytest.raises(NotPermitted, match="your own"):
        decide_writeoff(demo_store, policy, as_("jmorgan"), request_id=made.id[:8], approve=True)
    approved = decide_writeoff(
        demo_store, policy, as_("psharma"), request_id=made.id[:8], approve=True
    )
    assert approved.status == "approved"
    balance_after = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT balance FROM debt WHERE host_ref = ?", (reference,))
        .fetchone()[0]
    )
    assert balance_after == 0
    kinds = [
        r[0]
        for r in sqlite3.connect(demo_store.path).execute(
            "SELECT kind FROM event WHERE kind LIKE 'writeoff.%' ORDER BY seq"
        )
    ]
    assert kinds == ["writeoff.requested", "writeoff.approved"]
    assert [r.status for r in list_writeoffs(demo_store, "approved")] == ["approved"]


def test_amounts_above_a_roles_limit_need_someone_senior(
    demo_store: Store, policy: PolicyBook
) -> None:
    reference, _ = a_debt(demo_store, "1500", "4000")
    made = request_writeoff(
        demo_store,
        policy,
        as_("akhan"),
        debt_reference=reference,
        reason_code="bankrupt",
        amount=None,
        note="Gazette notice seen",
        evidence={"insolvency_reference": "BR-2026-001234"},
    )
    with pytest.raises(
        NotPermitted,
        match=r"needs approval by a manager \(your limit is "
        r"£1,000\.00\)",
    ):
        decide_writeoff(demo_store, policy, as_("psharma"), request_id=made.id, approve=True)
    with pytest.raises(NotPermitted, match=r"needs approval by a manager$"):
        decide_writeoff(demo_store, policy, as_("dlewis"), request_id=made.id, approve=True)
    refused = decide_writeoff(
        demo_store,
        policy,
        as_("psharma"),
        request_id=made.id,
        approve=False,
        reason="estate may pay: check with probate",
    )
    assert refused.status == "refused"


def test_bad_requests(demo_store: Store, policy: PolicyBook) -> None:
    reference, balance = a_debt(demo_store, "100", "900")
    with pytest.raises(InputError, match="not a write-off reason"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code="cannot_be_bothered",
            amount=None,
        )
    with pytest.raises(InputError, match=r"at most the debt.s balance"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code="uneconomic",
            amount=balance + 1,
            note="x",
        )
    with pytest.raises(InputError, match="no debt with reference"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference="NOPE",
            reason_code="uneconomic",
            amount=None,
            note="x",
        )


def test_writeoff_cli(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    reference, _ = a_debt(demo_store, "100", "900")
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    made = runner.invoke(
        app,
        [
            "writeoff",
            "request",
            "--debt",
            reference,
            "--reason",
            "untraceable",
            "--amount",
            "£50.00",
            "--note",
            "no trace since 2024",
            "--evidence",
            "tracing_done=credit reference and DWP checks, November 2026",
        ],
    )
    assert made.exit_code == 0, made.stderr
    listed = json.loads(runner.invoke(app, ["writeoff", "list", "--json"]).stdout)
    request_id = listed["writeoffs"][0]["id"]
    assert listed["writeoffs"][0]["amount"] == "50.00"
    own = runner.invoke(app, ["writeoff", "approve", request_id])
    assert own.exit_code == 1
    assert "your own" in own.stderr
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    done = runner.invoke(app, ["writeoff", "approve", request_id])
    assert done.exit_code == 0, done.stderr
    assert "approved" in done.stdout
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    second = runner.invoke(
        app,
        [
            "writeoff",
            "request",
            "--debt",
            reference,
            "--reason",
            "uneconomic",
            "--amount",
            "10",
            "--note",
            "costs more to chase",
        ],
    )
    assert second.exit_code == 0, second.stderr
    pending = json.loads(
        runner.invoke(app, ["writeoff", "list", "--status", "requested", "--json"]).stdout
    )["writeoffs"]
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    no_reason = runner.invoke(app, ["writeoff", "refuse", pending[0]["id"], "--reason", " "])
    assert no_reason.exit_code == 2
    refused = runner.invoke(
        app,
        ["writeoff", "refuse", pending[0]["id"], "--reason", "balance is small enough to collect"],
    )
    assert refused.exit_code == 0, refused.stderr
    assert "refused" in refused.stdout
    reasons = runner.invoke(app, ["writeoff", "reasons"])
    assert "statute_barred" in reasons.stdout


def test_a_writeoff_needs_the_evidence_its_reason_lists_and_a_note(
    demo_store: Store, policy: PolicyBook
) -> None:
    """Issue 16, finding 11: a write-off was accepted with an empty note."""
    reference, _ = a_debt(demo_store, "100", "900")
    before = sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM event").fetchone()

    def ask(reason: str, note: str = "", **evidence: str) -> object:
        return request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code=reason,
            amount=None,
            note=note,
            evidence=evidence,
        )

    with pytest.raises(InputError, match=r"--note: say what the evidence is"):
        ask("uneconomic", "  ")
    with pytest.raises(InputError, match=r"bankrupt needs insolvency_reference \(Insolvency"):
        ask("bankrupt", "Gazette notice seen")
    with pytest.raises(InputError, match=r"deceased_no_estate needs date_of_death .*estate_che"):
        ask("deceased_no_estate", "told by the family")
    with pytest.raises(InputError, match="date_of_death: 'last week' is not a date"):
        ask("deceased_no_estate", "told", date_of_death="last week", estate_checked="probate")
    with pytest.raises(InputError, match=r"tracing is not evidence for bankrupt"):
        ask("bankrupt", "seen", insolvency_reference="BR-1", tracing="x")
    with pytest.raises(InputError, match=r"untraceable needs tracing_done"):
        ask("untraceable", "no trace")
    assert (
        sqlite3.connect(demo_store.path).execute("SELECT count(*) FROM event").fetchone() == before
    )
    with sqlite3.connect(demo_store.path) as db:  # the death on record (its own test file)
        db.execute(
            "UPDATE person SET deceased_on = '2026-11-03' WHERE id = (SELECT c.person_id FROM "
            'debt d JOIN "case" c ON c.id = d.case_id WHERE d.host_ref = ?)',
            (reference,),
        )
    ask(
        "deceased_no_estate",
        "death certificate seen",
        date_of_death="03/11/2026",
        estate_checked="probate search 2026-11-20: no grant",
    )
    payload = opened(
        demo_store,
        sqlite3.connect(demo_store.path)
        .execute("SELECT payload FROM event WHERE kind = 'writeoff.requested'")
        .fetchone()[0],
    )
    assert payload["evidence"] == {
        "date_of_death": "2026-11-03",
        "estate_checked": "probate search 2026-11-20: no grant",
    }
    assert payload["note"] == "death certificate seen"


def test_a_writeoff_is_refused_while_the_debt_is_with_an_agency(
    demo_store: Store, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 16, finding 11: a write-off was accepted a minute after the debt was placed."""
    from drp_tui.services.placements import place_with_agency

    reference, _ = a_debt(demo_store, "100", "900")
    debt_id = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT id FROM debt WHERE host_ref = ?", (reference,))
        .fetchone()[0]
    )
    place_with_agency(
        demo_store,
        as_("akhan"),
        policy.holds,
        debt_id=debt_id,
        agency_id="harbour",
        placed_on=DEMO_NOW.date(),
        confirmation="checked",
    )
    with pytest.raises(NotPermitted, match=r"with Harbour .* recall it or record its return"):
        request_writeoff(
            demo_store,
            policy,
            as_("akhan"),
            debt_reference=reference,
            reason_code="uneconomic",
            amount=None,
            note="small balance",
        )
    db = sqlite3.connect(demo_store.path)
    assert db.execute(
        "SELECT count(*) FROM writeoffrequest WHERE debt_id = ?", (debt_id,)
    ).fetchone() == (0,)
    assert db.execute(
        "SELECT kind, json_extract(payload, '$.action') FROM event ORDER BY seq DESC"
    ).fetchone() == ("action.refused", "writeoff")
    # The CLI goes through the same service: refused, exit 1, one line.
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    cli = runner.invoke(
        app,
        ["writeoff", "request", "--debt", reference, "--reason", "uneconomic", "--note", "small"],
    )
    assert cli.exit_code == 1
    assert "with Harbour" in cli.stderr
    assert len(cli.stderr.strip().splitlines()) == 1


def test_writeoff_cli_takes_evidence_as_key_value_pairs(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "akhan")
    reference, _ = a_debt(demo_store, "100", "900")
    base = ["writeoff", "request", "--debt", reference, "--reason", "bankrupt"]
    missing = runner.invoke(app, [*base, "--note", "Gazette notice"])
    assert missing.exit_code == 2
    assert "insolvency_reference" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    malformed = runner.invoke(app, [*base, "--note", "x", "--evidence", "BR-12345"])
    assert malformed.exit_code == 2
    assert "KEY=VALUE" in malformed.stderr
    no_note = runner.invoke(app, [*base, "--evidence", "insolvency_reference=BR-12345"])
    assert no_note.exit_code == 2
    assert "--note" in no_note.stderr
    made = runner.invoke(
        app,
        [*base, "--note", "Gazette notice 2026-11-02", "--evidence", "insolvency_reference=BR-1"],
    )
    assert made.exit_code == 0, made.stderr
    payload = (
        sqlite3.connect(demo_store.path)
        .execute("SELECT payload FROM event WHERE kind = 'writeoff.requested'")
        .fetchone()[0]
    )
    assert opened(demo_store, payload)["evidence"]["insolvency_reference"] == "BR-1"


def test_writeoff_list_shows_ids_that_can_be_typed_back_at_80_columns(
    demo_store: Store, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The id column was a 36-character UUID cut to 'c0f3…' at 80 columns: nothing an
    officer could type back into 'drp writeoff approve'."""
    reference, _ = a_debt(demo_store, "100", "900")
    made = request_writeoff(
        demo_store,
        policy,
        as_("akhan"),
        debt_reference=reference,
        reason_code="uneconomic",
        amount=None,
        note="£400 to collect at £2 a month",
    )
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    monkeypatch.setenv("COLUMNS", "80")
    listed = runner.invoke(app, ["writeoff", "list"])
    assert listed.exit_code == 0, listed.stderr
    assert "1 write-off request" in listed.stdout  # one, not "1 write-off requests"
    assert "1 write-off requests" not in listed.stdout
    rows = [line for line in listed.stdout.splitlines() if line.startswith("│")]
    shown_id = rows[0].split("│")[1].strip()
    assert made.id.startswith(shown_id)
    approved = runner.invoke(app, ["writeoff", "approve", shown_id])
    assert approved.exit_code == 0, approved.stderr
