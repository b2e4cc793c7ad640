"""Issue 20: retention by record type (data/policy/retention.toml), counted from closure.
On a store with cases closed seven, three and one year ago, a dry run lists what is
due and changes nothing; apply removes the seven-year-old case whole, the special-category
data of the three-year-old one, and nothing of the recent one; the chain and the state
checks still agree."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import NotPermitted, PolicyError
from drp_tui.domain.retention import periods_on
from drp_tui.services import audit
from drp_tui.services.casework import Actor
from drp_tui.services.identity import set_store_kind
from drp_tui.services.importer import import_cases, read_mapping
from drp_tui.services.policy import PolicyBook, data_dir, load_policy
from drp_tui.services.retention import apply_retention
from drp_tui.store.engine import Store, open_store
from drp_tui.store.models import Officer
from tests.conftest import DEMO_NOW
from tests.test_import import extract

runner = CliRunner()
POLICY = data_dir() / "policy"
AGES = {"old": "2019-06-30", "middle": "2023-09-01", "recent": "2025-11-01"}


ROWS = [
    f"P{n},Pat{n},Debtor,1980-01-0{n},{n} High St,HT1 2AB,07700 90012{n},D{n},council_tax,"
    f"{100 * n},0,liability_order,2025-10-02,"
    for n in range(1, 5)
]


@pytest.fixture
def store(tmp_path: Path, policy: PolicyBook) -> Store:
    """Four imported cases; three closed on the days in AGES, the fourth open."""
    made = open_store(tmp_path / "drp.sqlite")
    with made.write() as session:
        session.add(Officer(id="psharma", name="Priya Sharma", role="supervisor"))
        session.add(Officer(id="jmorgan", name="Jamie Morgan"))
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    imported = import_cases(
        made,
        extract(tmp_path, *ROWS),
        read_mapping("generic", stages),
        stages,
        officer_id="psharma",
        at=DEMO_NOW,
    )
    assert imported.committed
    set_store_kind(made, "training")  # the CLI test picks the officer and pins the clock
    return made


def closed_cases(store: Store) -> dict[str, tuple[str, str, str]]:
    """Close three cases on the days in AGES; the middle one has a vulnerability and a call
    note."""
    db = sqlite3.connect(store.path, isolation_level=None)
    cases = db.execute('SELECT id, reference, person_id FROM "case" ORDER BY reference').fetchall()
    chosen = dict(zip(AGES, cases[:3], strict=True))
    for name, (case_id, _, _) in chosen.items():
        db.execute(
            "UPDATE \"case\" SET status = 'closed', updated_at = ? WHERE id = ?",
            (f"{AGES[name]}T12:00:00.000000+00:00", case_id),
        )
    case_id, _, person_id = chosen["middle"]
    db.execute(
        "INSERT INTO vulnerability (id, person_id, category, consent, notes) "
        "VALUES ('v-mid', ?, 'mental_health', 1, 'anxious')",
        (person_id,),
    )
    db.execute(
        "INSERT INTO contactattempt (id, case_id, officer_id, started_at, right_party, "
        "idv_result, notes) VALUES ('ca-mid', ?, 'jmorgan', '2023-08-01T10:00:00.000000+00:00', "
        "1, 'passed', 'told me about her illness')",
        (case_id,),
    )
    return chosen


def supervisor() -> Actor:
    return Actor("psharma", clock=lambda: DEMO_NOW)


def test_the_shipped_table_has_a_period_and_a_source_for_each_record_type(
    policy: PolicyBook,
) -> None:
    periods = {p.record_type: p for p in periods_on(policy.retention, DEMO_NOW.date())}
    assert {k: p.years for k, p in periods.items()} == {
        "special_category": 2,
        "personal": 6,
        "financial": 6,
    }
    assert all(
        p.dated.source.startswith("https://www.legislation.gov.uk/") for p in periods.values()
    )


def test_a_table_keeping_the_wider_type_for_less_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "policy"
    shutil.copytree(POLICY, folder)
    text = (folder / "retention.toml").read_text()
    (folder / "retention.toml").write_text(
        text.replace("years_after_closure = 6", "years_after_closure = 1", 1)
    )
    load_policy.cache_clear()
    with pytest.raises(PolicyError, match=r"retention\.toml.*cannot be kept for less"):
        load_policy(folder)


def test_dry_run_lists_what_is_due_and_changes_nothing(store: Store, policy: PolicyBook) -> None:
    chosen = closed_cases(store)
    before = sqlite3.connect(store.path).execute("SELECT count(*) FROM event").fetchone()
    result = apply_retention(store, policy, supervisor(), dry_run=True)
    due = {d.reference: (d.record_type, d.closed_on.isoformat()) for d in result.due}
    assert due == {
        chosen["old"][1]: ("financial", AGES["old"]),
        chosen["middle"][1]: ("special_category", AGES["middle"]),
    }
    assert not result.applied
    db = sqlite3.connect(store.path)
    assert db.execute("SELECT count(*) FROM event").fetchone() == before
    assert db.execute("SELECT count(*) FROM vulnerability WHERE id = 'v-mid'").fetchone() == (1,)


def test_apply_removes_each_case_s_records_by_their_age(store: Store, policy: PolicyBook) -> None:
    chosen = closed_cases(store)
    result = apply_retention(store, policy, supervisor())
    assert result.applied
    db = sqlite3.connect(store.path)
    old_case, _, old_person = chosen["old"]
    assert db.execute('SELECT count(*) FROM "case" WHERE id = ?', (old_case,)).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM debt WHERE case_id = ?", (old_case,)).fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM person WHERE id = ?", (old_person,)).fetchone() == (0,)
    assert db.execute(
        "SELECT count(*) FROM phone WHERE person_id = ?", (old_person,)
    ).fetchone() == (0,)
    mid_case, _, mid_person = chosen["middle"]
    assert db.execute("SELECT count(*) FROM vulnerability WHERE id = 'v-mid'").fetchone() == (0,)
    assert db.execute("SELECT notes FROM contactattempt WHERE id = 'ca-mid'").fetchone() == ("",)
    # Personal details are kept six years: the middle case's person still has a name.
    (forename,) = db.execute("SELECT forename FROM person WHERE id = ?", (mid_person,)).fetchone()
    assert forename != ""
    assert db.execute("SELECT count(*) FROM debt WHERE case_id = ?", (mid_case,)).fetchone()[0] > 0
    recent_case, _, _ = chosen["recent"]
    assert db.execute('SELECT status FROM "case" WHERE id = ?', (recent_case,)).fetchone() == (
        "closed",
    )
    # Retention is recorded, and the chain and the state tables still verify.
    (payload,) = db.execute("SELECT payload FROM event WHERE kind = 'retention.applied'").fetchone()
    assert json.loads(payload)["cases"] == {"special_category": 1, "personal": 0, "financial": 1}
    report = audit.verify_all(store)
    assert report.intact, report.as_json()
    # Its period has passed, so the middle case stays listed; the old one is gone.
    again = apply_retention(store, policy, supervisor(), dry_run=True)
    assert [d.reference for d in again.due] == [chosen["middle"][1]]


def test_retention_is_for_supervisors(store: Store, policy: PolicyBook) -> None:
    with pytest.raises(NotPermitted, match="for supervisors"):
        apply_retention(store, policy, Actor("jmorgan", clock=lambda: DEMO_NOW))


def test_cli_retention_apply_dry_run_json(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    chosen = closed_cases(store)
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    result = runner.invoke(app, ["retention", "apply", "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert shown["applied"] is False
    assert shown["cases"] == {"special_category": 1, "personal": 0, "financial": 1}
    assert {d["case"] for d in shown["due"]} == {chosen["old"][1], chosen["middle"][1]}
    monkeypatch.setenv("DRP_OFFICER", "jmorgan")
    refused = runner.invoke(app, ["retention", "apply"])
    assert refused.exit_code == 1
    assert "for supervisors" in refused.output
