"""Queue scoring and allocation: the pure rules, and the supervisor's commands on a demo
store."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from faker import Faker
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.contact import load_contact
from drp_tui.domain.errors import NotPermitted
from drp_tui.domain.policy import in_force
from drp_tui.domain.queue import CaseFacts, OfficerSlot, QueueItem, allocate, score_case
from drp_tui.domain.schedule import Schedule, build_schedule
from drp_tui.services import allocation, calls, queue
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import apply_order
from drp_tui.services.casework import Actor
from drp_tui.services.demo import _write_extract
from drp_tui.services.officers import require_supervisor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Debt
from tests.callhelp import unverified_call, verified_call
from tests.conftest import DEMO_NOW

NOW = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def facts(**changes: object) -> CaseFacts:
    base = {
        "balance": Decimal("612"),
        "stages": ["final_notice"],
        "stage_since": None,
        "liability_order_on": None,
        "last_attempt": NOW - timedelta(days=1),
        "callback_due": None,
        "broken_promise_on": None,
        "arrangement_breached_on": None,
    }
    base.update(changes)
    return CaseFacts(**base)  # type: ignore[arg-type]


def test_the_reason_line_names_what_matters(policy: PolicyBook) -> None:
    weights = in_force(policy.queue, NOW.date())
    score = score_case(weights, facts(broken_promise_on=NOW.date() - timedelta(days=2)), NOW)
    assert score.reason == "broken promise 2 days ago · £612 · final notice"
    assert score.points == 360 + 24 + 40 + 8  # decayed promise, balance, stage, contact


def test_a_due_callback_outranks_everything(policy: PolicyBook) -> None:
    weights = in_force(policy.queue, NOW.date())
    callback = score_case(weights, facts(callback_due=NOW - timedelta(minutes=5)), NOW)
    broken = score_case(weights, facts(broken_promise_on=NOW.date()), NOW)
    future = score_case(weights, facts(callback_due=NOW + timedelta(hours=2)), NOW)
    assert callback.points > broken.points > future.points
    assert callback.reason.startswith("callback due 23 Nov 10:25")


def test_new_liability_orders_and_silence_add_points(policy: PolicyBook) -> None:
    weights = in_force(policy.queue, NOW.date())
    fresh = score_case(
        weights,
        facts(liability_order_on=NOW.date() - timedelta(days=3), stages=["liability_order"]),
        NOW,
    )
    assert "liability order 3 days ago" in fresh.reason
    never = score_case(weights, facts(last_attempt=None), NOW)
    assert "never contacted" in never.reason
    quiet = score_case(weights, facts(last_attempt=NOW - timedelta(days=12)), NOW)
    assert "no contact for 12 days" in quiet.reason


def test_balanced_allocation_evens_out_total_score() -> None:
    items = [
        QueueItem(f"c{n}", points)
        for n, points in enumerate([900, 500, 400, 300, 300, 200, 100, 100])
    ]
    plan = allocate(items, [OfficerSlot("a"), OfficerSlot("b")], "balanced")
    load = {o: sum(i.points + 1 for i in items if plan[i.case_id] == o) for o in "ab"}
    assert abs(load["a"] - load["b"]) <= 200
    assert len(plan) == len(items)


def test_round_robin_deals_in_priority_order() -> None:
    items = [QueueItem(f"c{n}", 100 - n) for n in range(5)]
    plan = allocate(items, [OfficerSlot("a"), OfficerSlot("b")], "round-robin")
    assert [plan[f"c{n}"] for n in range(5)] == ["a", "b", "a", "b", "a"]


def test_skills_sends_vulnerable_cases_only_to_trained_officers() -> None:
    items = [QueueItem(f"v{n}", 50, vulnerable=True) for n in range(4)] + [
        QueueItem(f"c{n}", 50) for n in range(8)
    ]
    officers = [
        OfficerSlot("trained", frozenset({"vulnerability"})),
        OfficerSlot("x"),
        OfficerSlot("y"),
    ]
    plan = allocate(items, officers, "skills")
    assert {plan[f"v{n}"] for n in range(4)} == {"trained"}
    assert {plan[f"c{n}"] for n in range(8)} <= {"trained", "x", "y"}


def test_the_officer_queue_never_shows_held_cases_and_says_who_may_be_called(
    demo_store: Store, policy: PolicyBook
) -> None:
    entries = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)
    assert entries
    db = sqlite3.connect(demo_store.path)
    held = {
        r[0]
        for r in db.execute(
            'SELECT c.reference FROM "case" c JOIN breathingspace b ON b.person_id = c.person_id '
            "UNION SELECT reference FROM \"case\" WHERE hold_kind = 'dispute'"
        )
    }
    assert held
    assert not held & {e.reference for e in entries}
    assert entries == sorted(entries, key=lambda e: (not e.callback_due, -e.points, e.reference))
    sunday = queue.officer_queue(
        demo_store, policy, "jmorgan", datetime(2026, 11, 22, 11, tzinfo=UTC)
    )
    assert not any(e.callable_now for e in sunday)
    assert "no calls on Sundays" in sunday[0].why_not


def test_allocation_needs_a_supervisor_and_records_an_event(
    demo_store: Store, policy: PolicyBook
) -> None:
    with pytest.raises(NotPermitted, match="is an officer"):
        require_supervisor(demo_store, "jmorgan", "drp queue allocate")
    db = sqlite3.connect(demo_store.path)
    db.execute("UPDATE \"case\" SET officer_id = NULL WHERE officer_id = 'akhan'")
    db.commit()
    supervisor = Actor("psharma", clock=lambda: DEMO_NOW)
    preview = allocation.allocate_cases(
        demo_store, policy, supervisor, strategy="balanced", team="Recovery", dry_run=True
    )
    assert preview.cases > 0
    assert not preview.committed
    unallocated = db.execute('SELECT count(*) FROM "case" WHERE officer_id IS NULL').fetchone()
    plan = allocation.allocate_cases(
        demo_store, policy, supervisor, strategy="balanced", team="Recovery"
    )
    assert plan.cases == preview.cases
    assert set(plan.per_officer) == {"jmorgan", "akhan", "dlewis"}
    left = db.execute('SELECT count(*) FROM "case" WHERE officer_id IS NULL').fetchone()
    assert left[0] == unallocated[0] - plan.cases
    kind, payload = db.execute(
        "SELECT kind, payload FROM event ORDER BY seq DESC LIMIT 1"
    ).fetchone()
    assert kind == "queue.allocated"
    assert json.loads(payload)["cases"] == plan.cases


def test_rebalance_moves_an_absent_officers_cases_to_their_team(
    demo_store: Store, policy: PolicyBook
) -> None:
    db = sqlite3.connect(demo_store.path)
    before = db.execute(
        "SELECT count(*) FROM \"case\" WHERE officer_id = 'tbrennan' AND status = 'open'"
    ).fetchone()[0]
    supervisor = Actor("psharma", clock=lambda: DEMO_NOW)
    plan = allocation.rebalance_absent(
        demo_store, policy, supervisor, absent="tbrennan", strategy="balanced"
    )
    assert set(plan.per_officer) == {"soconnor", "rpatel"}
    remaining = db.execute(
        "SELECT count(*) FROM \"case\" WHERE officer_id = 'tbrennan'"
    ).fetchone()[0]
    assert remaining == before - plan.cases  # held cases stay until the hold ends
    assert plan.cases > 0


runner = CliRunner()


def test_queue_cli(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    shown = runner.invoke(app, ["queue", "show", "--json", "--limit", "5"])
    assert shown.exit_code == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["officer"] == "jmorgan"
    assert len(body["queue"]) == 5
    assert all(" · " in row["reason"] for row in body["queue"])
    refused = runner.invoke(app, ["queue", "allocate"])
    assert refused.exit_code == 1
    assert "is for supervisors" in refused.stderr
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    reference = body["queue"][0]["reference"]
    moved = runner.invoke(
        app, ["queue", "move", reference, "--to", "akhan", "--reason", "language skills"]
    )
    assert moved.exit_code == 0, moved.stderr
    no_reason = runner.invoke(app, ["queue", "move", reference, "--to", "akhan", "--reason", " "])
    assert no_reason.exit_code == 2
    history = runner.invoke(app, ["audit", "show", "--case", reference, "--json"])
    assert json.loads(history.stdout)["events"][-1]["kind"] == "queue.moved"
    allocated = runner.invoke(
        app, ["queue", "allocate", "--strategy", "skills", "--dry-run", "--json"]
    )
    assert allocated.exit_code == 0, allocated.stderr
    assert json.loads(allocated.stdout)["committed"] is False
    bad = runner.invoke(app, ["queue", "allocate", "--strategy", "fastest"])
    assert bad.exit_code == 2
    orphans = runner.invoke(app, ["queue", "orphans", "--json"])
    assert orphans.exit_code == 0
    rescored = runner.invoke(app, ["queue", "rescore", "--json"])
    assert json.loads(rescored.stdout)["rescored"] > 0


def test_demo_is_deterministic_and_its_audit_chain_is_whole(
    demo_template: Path, policy: PolicyBook, tmp_path: Path
) -> None:
    from drp_tui.services import audit
    from drp_tui.services.demo import build_demo
    from drp_tui.store.engine import open_store

    again = open_store(tmp_path / "again.sqlite")
    build_demo(again, policy, seed=11, people=240, now=DEMO_NOW)
    content = (
        "SELECT p.forename, p.surname, d.host_ref, d.debt_type, d.stage, d.balance, "
        'c.officer_id FROM debt d JOIN "case" c ON c.id = d.case_id JOIN person p ON '
        "p.id = c.person_id ORDER BY d.host_ref"
    )
    outcomes = "SELECT outcome_code, count(*) FROM contactattempt GROUP BY 1 ORDER BY 1"
    first, second = sqlite3.connect(demo_template), sqlite3.connect(again.path)
    for query in (content, outcomes):
        assert first.execute(query).fetchall() == second.execute(query).fetchall()
    types = {r[0] for r in first.execute("SELECT DISTINCT debt_type FROM debt")}
    assert types == {t.id for t in policy.recovery.debt_types}
    for table in ("vulnerability", "breathingspace", "placement", "debtparty", "promise"):
        assert first.execute(f"SELECT count(*) FROM {table}").fetchone()[0] > 0, table
    combos = set(first.execute("SELECT DISTINCT debt_type, stage FROM debt").fetchall())
    for kind in policy.recovery.debt_types:
        assert {(kind.id, stage) for stage in kind.stages} <= combos, kind.id
    assert (
        first.execute("SELECT count(*) FROM placement WHERE status = 'returned'").fetchone()[0] > 0
    )
    statuses = {r[0] for r in first.execute("SELECT DISTINCT status FROM arrangement")}
    assert {"live", "breached"} <= statuses
    assert {r[0] for r in first.execute("SELECT DISTINCT status FROM promise")} >= {
        "kept",
        "broken",
    }
    assert {"wales", "england"} <= {
        r[0] for r in first.execute("SELECT DISTINCT jurisdiction FROM debt")
    }
    assert audit.verify(open_store(demo_template)).intact
    assert date(2026, 11, 23) == DEMO_NOW.date()


def test_demo_cli_builds_its_own_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    target = tmp_path / "demo.sqlite"
    built = runner.invoke(
        app,
        ["demo", "--people", "30", "--seed", "3", "--store", str(target), "--no-launch", "--json"],
    )
    assert built.exit_code == 0, built.stderr
    summary = json.loads(built.stdout)
    assert (summary["people"], summary["officer"], summary["supervisor"]) == (
        30,
        "jmorgan",
        "psharma",
    )
    assert summary["events"] > 100
    monkeypatch.setenv("DRP_STORE", str(target))
    refused = runner.invoke(app, ["demo", "--store", str(target), "--no-launch"])
    assert refused.exit_code == 2
    assert "your working store" in refused.stderr
    too_small = runner.invoke(app, ["demo", "--people", "3", "--store", str(tmp_path / "x.sqlite")])
    assert too_small.exit_code == 2


def test_rebalance_cli_and_agency_returns(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    plan = runner.invoke(app, ["queue", "rebalance", "--absent", "rpatel", "--dry-run", "--json"])
    assert plan.exit_code == 0, plan.stderr
    assert {o["officer"] for o in json.loads(plan.stdout)["officers"]} == {
        "soconnor",
        "tbrennan",
    }
    nobody = runner.invoke(app, ["queue", "rebalance", "--absent", "nobody"])
    assert nobody.exit_code == 2
    debt, agency = (
        sqlite3.connect(demo_store.path)
        .execute(
            "SELECT d.host_ref, a.name FROM placement p JOIN debt d ON d.id = p.debt_id "
            "JOIN agency "
            "a ON a.id = p.agency_id WHERE p.status = 'open' ORDER BY d.host_ref LIMIT 1"
        )
        .fetchone()
    )
    returned = runner.invoke(
        app, ["agency", "return", debt, "--agency", agency, "--reason", "nulla bona"]
    )
    assert returned.exit_code == 0, returned.stderr
    again = runner.invoke(app, ["agency", "return", debt, "--agency", agency, "--reason", "x"])
    assert again.exit_code == 2
    assert "not placed with that agency" in again.stderr
    # The council's own recall: the debt is then free to go to another agency.
    (other,) = (
        sqlite3.connect(demo_store.path)
        .execute(
            "SELECT d.host_ref FROM placement p JOIN debt d ON d.id = p.debt_id "
            "WHERE p.status = 'open' ORDER BY d.host_ref LIMIT 1"
        )
        .fetchone()
    )
    recalled = runner.invoke(app, ["agency", "recall", other, "--reason", "complaint upheld"])
    assert recalled.exit_code == 0, recalled.stderr
    assert "recalled" in recalled.stdout
    assert any(name in recalled.stdout for name in ("Marlowe", "Kestrel", "Brightwater", "Harbour"))
    status = (
        sqlite3.connect(demo_store.path)
        .execute(
            "SELECT p.status, p.return_reason FROM placement p JOIN debt d ON d.id = p.debt_id "
            "WHERE d.host_ref = ? ORDER BY p.placed_on DESC LIMIT 1",
            (other,),
        )
        .fetchone()
    )
    assert tuple(status) == ("recalled", "complaint upheld")
    twice = runner.invoke(app, ["agency", "recall", other, "--reason", "x"])
    assert twice.exit_code == 2
    assert "not with an agency" in twice.stderr


def _set_debts(store: Store, reference: str, debts: list[tuple[str, str, str, int]]) -> str:
    """Give the case exactly these debts (type, stage, jurisdiction, balance in pence)."""
    db = sqlite3.connect(store.path)
    with db:
        case_id = db.execute('SELECT id FROM "case" WHERE reference = ?', (reference,)).fetchone()[
            0
        ]
        template = db.execute("SELECT * FROM debt WHERE case_id = ? LIMIT 1", (case_id,))
        columns = [d[0] for d in template.description]
        row = dict(zip(columns, template.fetchone(), strict=True))
        db.execute("DELETE FROM debt WHERE case_id = ?", (case_id,))
        for n, (debt_type, stage, jurisdiction, pence) in enumerate(debts):
            row |= {
                "id": f"{case_id}-test-{n}",
                "host_ref": f"{reference}-T{n}",
                "debt_type": debt_type,
                "stage": stage,
                "jurisdiction": jurisdiction,
                "balance": pence,
            }
            db.execute(
                f"INSERT INTO debt ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                list(row.values()),
            )
    db.close()
    return str(case_id)


def test_a_queue_entry_counts_only_the_debts_still_owed(
    demo_store: Store, policy: PolicyBook
) -> None:
    reference = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[0].reference
    case_id = _set_debts(
        demo_store,
        reference,
        [
            ("council_tax", "liability_order", "england", 123_456),
            ("sundry", "invoice", "england", 0),
        ],
    )

    entry = next(
        e
        for e in queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)
        if e.case_id == case_id
    )

    assert entry.debt_types == {"council_tax"}
    assert entry.stages == {"liability_order"}
    assert "£1,235" in entry.reason
    assert "liability order" in entry.reason
    # The same facts and score as the nightly rescore works out for the case.
    with demo_store.engine.connect() as connection:
        facts = queue.gather_facts(connection, [case_id])[case_id]
    assert facts.balance == Decimal("1234.56")
    assert list(facts.stages) == ["liability_order"]
    now = queue.local_time(policy, DEMO_NOW)
    assert score_case(in_force(policy.queue, now.date()), facts, now).points == entry.points


def test_the_queue_checks_each_case_against_its_own_jurisdictions_hours(
    demo_store: Store, policy: PolicyBook
) -> None:
    """One moment, two jurisdictions with different hours: the queue works the rules out
    once for each and gives every case its own."""

    def hours(jurisdiction: str, monday: list[str]) -> dict[str, object]:
        week = {day: ["08:00", "21:00"] for day in ("tuesday", "wednesday", "thursday")}
        return {
            "name": f"{jurisdiction} hours",
            "effective_from": date(2021, 1, 1),
            "source": "test",
            "jurisdiction": [jurisdiction],
            "timezone": "Europe/London",
            "monday": monday,
            **week,
            "friday": ["08:00", "21:00"],
            "saturday": [],
            "sunday": [],
            "bank_holidays": False,
            "max_call_attempts_per_day": 3,
            "max_right_party_contacts_per_week": 1,
        }

    contact = load_contact(
        {"hours": [hours("england", ["08:00", "21:00"]), hours("wales", ["12:00", "21:00"])]},
        "test",
    )
    welsh = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[0].reference
    case_id = _set_debts(demo_store, welsh, [("council_tax", "reminder", "wales", 50_000)])
    monday_morning = datetime(2026, 11, 23, 10, 30, tzinfo=UTC)

    entries = queue.officer_queue(
        demo_store, replace(policy, contact=contact), "jmorgan", monday_morning
    )

    db = sqlite3.connect(demo_store.path)
    jurisdiction = dict(db.execute("SELECT case_id, min(jurisdiction) FROM debt GROUP BY case_id"))
    db.close()
    outside = "outside calling hours 12:00-21:00 (it is 10:30)"
    welsh_entries = [e for e in entries if jurisdiction[e.case_id] == "wales"]
    english_entries = [e for e in entries if jurisdiction[e.case_id] == "england"]
    assert case_id in {e.case_id for e in welsh_entries}
    assert english_entries
    assert all(outside in e.why_not and not e.callable_now for e in welsh_entries)
    assert not any("outside calling hours" in r for e in english_entries for r in e.why_not)


def test_demo_people_are_aged_from_the_demos_own_day(tmp_path: Path, policy: PolicyBook) -> None:
    """The same seed gives the same birthdays whatever the real date (a demo built for a
    day in 2000 has nobody born after 1981)."""
    extract = tmp_path / "extract.csv"
    fake = Faker("en_GB")
    fake.seed_instance(7)
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    _write_extract(extract, random.Random(7), fake, 200, date(2000, 1, 1), stages)

    with extract.open(newline="", encoding="utf-8") as handle:
        births = {date.fromisoformat(row["date_of_birth"]) for row in csv.DictReader(handle)}

    assert min(births) >= date(1912, 1, 1)
    assert max(births) <= date(1981, 1, 1)


def test_cli_shows_names_and_references_as_written(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Host data may hold square brackets; Rich would read them as markup and drop them."""
    with sqlite3.connect(demo_store.path) as db:
        db.execute("UPDATE person SET surname = surname || ' [nee Jones]'")
        db.execute("UPDATE \"case\" SET reference = reference || '[b]'")
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    monkeypatch.setenv("COLUMNS", "200")  # one line a case
    shown = runner.invoke(app, ["queue", "show", "--limit", "3"])
    assert shown.exit_code == 0, shown.stderr
    assert shown.stdout.count(" [nee Jones]") == 3
    assert shown.stdout.count("[b] ") == 3


def test_work_done_moves_a_case_down_until_it_needs_calling_again(policy: PolicyBook) -> None:
    """queue.toml: a right-party contact rests a case for a week, an open promise until it
    falls due, a live arrangement while it lasts; the reason says so."""
    weights = in_force(policy.queue, NOW.date())
    w = weights.points
    due = NOW - timedelta(minutes=5)  # a due callback keeps every score here above 0
    untouched = score_case(weights, facts(callback_due=due, last_attempt=NOW), NOW)
    spoke = score_case(
        weights, facts(callback_due=due, last_attempt=NOW, last_right_party=NOW), NOW
    )
    assert spoke.points == untouched.points - w["right_party_contact_rest"]
    assert spoke.reason.startswith("callback due 23 Nov 10:25 · spoke to the debtor today")
    days = w["right_party_contact_rest_days"]
    for ago, rests in ((days - 1, True), (days, False)):
        then = NOW - timedelta(days=ago)
        earlier = score_case(weights, facts(callback_due=due, last_right_party=then), NOW)
        plain = score_case(weights, facts(callback_due=due), NOW)
        assert (earlier.points < plain.points) is rests
    promised = score_case(
        weights, facts(callback_due=due, open_promise_due_on=date(2026, 11, 30)), NOW
    )
    assert "promise due 30 Nov" in promised.reason
    overdue = score_case(
        weights, facts(callback_due=due, open_promise_due_on=date(2026, 11, 22)), NOW
    )
    assert promised.points == overdue.points - w["open_promise_rest"]
    arranged = score_case(weights, facts(callback_due=due, live_arrangement_made=NOW), NOW)
    assert "arrangement made today" in arranged.reason
    assert arranged.points == overdue.points - w["live_arrangement_rest"]
    # With nothing else to say, the rest leads the reason.
    assert score_case(weights, facts(last_right_party=NOW), NOW).reason.startswith(
        "spoke to the debtor today"
    )
    # However much is taken off, a score is never below nothing (allocation weighs by it).
    worked = score_case(
        weights,
        facts(last_right_party=NOW, open_promise_due_on=NOW.date(), live_arrangement_made=NOW),
        NOW,
    )
    assert worked.points == 0


def _schedule(policy: PolicyBook) -> Schedule:
    return build_schedule(
        policy.arrangements,
        total=Decimal("600"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=DEMO_NOW.date(),
        count=3,
        debt_type="council_tax",
    )


def top_debts(store: Store, case_id: str) -> list[Debt]:
    with store.read() as session:
        return list(session.execute(select(Debt).where(col(Debt.case_id) == case_id)).scalars())


def test_a_case_worked_today_leaves_the_top_of_the_queue(
    demo_store: Store, policy: PolicyBook
) -> None:
    top = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[0]
    officer = Actor("jmorgan", clock=lambda: DEMO_NOW)
    call = verified_call(demo_store, officer, top.case_id)
    make_arrangement(
        demo_store,
        officer,
        policy.holds,
        case_id=top.case_id,
        call_id=call,
        debt_ids=[d.id for d in top_debts(demo_store, top.case_id)],
        schedule=_schedule(policy),
        frequency="monthly",
        apply_order=apply_order(policy, DEMO_NOW.date()),
        override_reason="the demo's debts, any order",
    )
    calls.record_outcome(
        demo_store,
        officer,
        policy.holds,
        policy.outcomes,
        call_id=call,
        outcome=calls.Outcome("ARR", right_party=True),
        limits=policy.arrangements,
    )
    after = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)
    entry = next(e for e in after if e.case_id == top.case_id)
    assert after[0].case_id != top.case_id
    assert entry.points < top.points
    assert entry.reason.startswith("arrangement made today")
    # The nightly rescore (and so allocation) sees the same work.
    queue.rescore(demo_store, policy, DEMO_NOW, [top.case_id])
    db = sqlite3.connect(demo_store.path)
    assert db.execute(
        'SELECT priority_score FROM "case" WHERE id = ?', (top.case_id,)
    ).fetchone() == (entry.points,)


def test_an_abandoned_call_leaves_a_due_callback_due(demo_store: Store, policy: PolicyBook) -> None:
    case_id = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[5].case_id
    db = sqlite3.connect(demo_store.path)
    with db:
        db.execute(
            'UPDATE "case" SET next_action_due = ? WHERE id = ?',
            ("2026-11-23T09:00:00.000000+00:00", case_id),
        )
    first = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[0]
    assert (first.case_id, first.callback_due) == (case_id, True)
    officer = Actor("jmorgan", clock=lambda: DEMO_NOW)
    calls.record_outcome(
        demo_store,
        officer,
        policy.holds,
        policy.outcomes,
        call_id=unverified_call(demo_store, officer, case_id),
        outcome=calls.Outcome("ABANDONED", right_party=False, reason="line dropped"),
        limits=policy.arrangements,
    )
    first = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)[0]
    assert (first.case_id, first.callback_due) == (case_id, True)
    assert first.reason.startswith("callback due 23 Nov 09:00")


def test_a_case_whose_debts_are_all_with_agencies_leaves_the_queue_and_is_not_allocated(
    demo_store: Store, policy: PolicyBook
) -> None:
    """Debts with an agency are the agency's to collect: a case with one still owed to the
    council stays (scored on that debt alone), one whose every owing debt is placed leaves
    the officer's queue and is handed to nobody by allocation."""
    from drp_tui.services import placements

    entries = queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)
    all_placed, partly = entries[0].reference, entries[1].reference
    all_id = _set_debts(
        demo_store,
        all_placed,
        [
            ("council_tax", "liability_order", "england", 50_000),
            ("sundry", "invoice", "england", 0),
        ],
    )
    partly_id = _set_debts(
        demo_store,
        partly,
        [
            ("council_tax", "liability_order", "england", 900_000),
            ("sundry", "final_notice", "england", 12_345),
        ],
    )
    system = Actor("psharma", clock=lambda: DEMO_NOW)
    for debt_id in (f"{all_id}-test-0", f"{partly_id}-test-0"):
        placements.place_with_agency(
            demo_store,
            system,
            policy.holds,
            debt_id=debt_id,
            agency_id="marlowe",
            placed_on=DEMO_NOW.date(),
            confirmation="checked",
        )

    after = {e.case_id: e for e in queue.officer_queue(demo_store, policy, "jmorgan", DEMO_NOW)}

    assert all_id not in after
    assert after[partly_id].debt_types == {"sundry"}
    assert "£123" in after[partly_id].reason
    db = sqlite3.connect(demo_store.path)
    with db:
        db.execute('UPDATE "case" SET officer_id = NULL WHERE id IN (?, ?)', (all_id, partly_id))
    allocation.allocate_cases(demo_store, policy, system, strategy="balanced")
    officers = dict(
        db.execute(
            'SELECT id, officer_id FROM "case" WHERE id IN (?, ?)', (all_id, partly_id)
        ).fetchall()
    )
    assert officers[all_id] is None
    assert officers[partly_id] is not None
    assert all_placed not in {o.reference for o in allocation.orphans(demo_store, policy, DEMO_NOW)}


def test_queue_show_says_when_it_is_cut_and_all_gives_everything(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    cut = runner.invoke(app, ["queue", "show", "--limit", "5", "--json"])
    assert cut.exit_code == 0, cut.stderr
    shown = json.loads(cut.stdout)
    assert shown["cases"] > 5
    assert len(shown["queue"]) == 5
    assert (shown["total"], shown["shown"], shown["truncated"]) == (shown["cases"], 5, True)
    whole = json.loads(runner.invoke(app, ["queue", "show", "--all", "--json"]).stdout)
    assert len(whole["queue"]) == whole["total"] == shown["cases"]
    assert whole["truncated"] is False
    table = runner.invoke(app, ["queue", "show", "--limit", "5"])
    assert f"first 5 of {shown['cases']} shown" in " ".join(table.stdout.split())
    bad = runner.invoke(app, ["queue", "show", "--limit", "0"])
    assert bad.exit_code == 2


def test_queue_show_for_someone_who_is_not_an_officer_is_bad_input(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    for argv in (["queue", "show", "--officer", "ghost"], ["queue", "show", "--json"]):
        monkeypatch.setenv("DRP_OFFICER", "ghost")
        result = runner.invoke(app, argv)
        assert result.exit_code == 2
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert "'ghost' is not an officer" in result.stderr


def test_rebalance_until_a_return_date_gives_the_cases_back_from_that_day(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`rebalance --absent X --until DATE`: X's cases go to the team while X is away and back
    to X from DATE (the day X is back), at the nightly rescore or the next allocation; a case
    moved by hand meanwhile stays where it was put."""
    db = sqlite3.connect(demo_store.path)

    def open_cases(officer: str) -> set[str]:
        return {
            row[0]
            for row in db.execute(
                "SELECT id FROM \"case\" WHERE status = 'open' AND officer_id = ?", (officer,)
            )
        }

    before = open_cases("rpatel")
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    today = runner.invoke(
        app, ["queue", "rebalance", "--absent", "rpatel", "--until", "2026-11-23"]
    )
    assert today.exit_code == 2
    assert "--until" in today.stderr
    lent = runner.invoke(
        app, ["queue", "rebalance", "--absent", "rpatel", "--until", "2026-11-30", "--json"]
    )
    assert lent.exit_code == 0, lent.stderr
    assert json.loads(lent.stdout)["until"] == "2026-11-30"
    away = before - open_cases("rpatel")
    assert len(away) > 1
    kept_by_hand = sorted(away)[0]
    (reference,) = db.execute(
        'SELECT reference FROM "case" WHERE id = ?', (kept_by_hand,)
    ).fetchone()
    moved = runner.invoke(app, ["queue", "move", reference, "--to", "dlewis", "--reason", "x"])
    assert moved.exit_code == 0, moved.stderr
    monkeypatch.setenv("DRP_NOW", "2026-11-29T20:00:00+00:00")
    assert runner.invoke(app, ["queue", "rescore"]).exit_code == 0
    assert open_cases("rpatel") == before - away
    monkeypatch.setenv("DRP_NOW", "2026-11-30T02:00:00+00:00")  # the nightly job that day
    back = runner.invoke(app, ["queue", "rescore"])
    assert back.exit_code == 0, back.stderr
    assert f"{len(away) - 1} cases back to rpatel" in back.stdout
    assert open_cases("rpatel") == before - {kept_by_hand}
    assert runner.invoke(app, ["queue", "rescore"]).exit_code == 0
    (returns,) = db.execute("SELECT count(*) FROM event WHERE kind = 'queue.returned'").fetchone()
    assert returns == 1


def test_queue_show_all_and_limit_together_is_bad_input(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 22: `--all --limit 5` silently showed everything. The two say different
    things: bad input (exit 2) naming both, nothing shown."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    both = runner.invoke(app, ["queue", "show", "--all", "--limit", "5"])
    assert both.exit_code == 2
    assert "--all" in both.stderr
    assert "--limit" in both.stderr
    assert both.stdout == ""
    assert len(both.stderr.strip().splitlines()) == 1
    every = json.loads(runner.invoke(app, ["queue", "show", "--all", "--json"]).stdout)
    assert every["shown"] == every["total"]
    assert not every["truncated"]
    default = json.loads(runner.invoke(app, ["queue", "show", "--json"]).stdout)
    assert default["shown"] == min(50, default["total"])
