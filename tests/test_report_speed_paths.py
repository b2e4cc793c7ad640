"""The officer report read the faster way (issue 18): the store at 0012 upgrades to an event
index on (kind, officer_id) and the report over it gives exactly what it gave before; the
officer query sums in index order with no sort; cash is summed by case first, with each
payment still credited to the officer holding its case (several payments on one case, a case
with no officer, a payment naming no case we hold)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from pathlib import Path

from drp_tui.services import reports
from drp_tui.store.engine import SCHEMA_REVISION, Store, current_revision, open_store, sqlite_engine
from drp_tui.store.migrate import upgrade_to_head

DAY = date(2026, 11, 18)
AT = "2026-11-18T10:00:00.000000+00:00"
EVENTS = [  # officer, case, kind, payload
    ("o1", "c1", "contact.recorded", {"right_party": True, "seconds": 120}),
    ("o1", "c1", "contact.recorded", {"right_party": False, "seconds": 30}),
    ("o2", "c2", "contact.recorded", {"right_party": 1, "seconds": 45}),
    ("o1", "c1", "promise.made", {"amount": "25.50"}),
    ("o2", "c2", "arrangement.made", {"total": "600.00"}),
    ("o2", "c1", "promise.kept", {"promised_by": "o1"}),
    ("o2", "c1", "promise.broken", {"promised_by": "o2"}),
    ("o1", "c2", "appointment.kept", {"officer": "o2"}),
    ("o2", "c1", "payment.recorded", {"amount": "10.00"}),
    ("o2", "c1", "payment.recorded", {"amount": "2.01"}),  # a second payment on c1
    ("o1", "c2", "payment.recorded", {"amount": "7.00"}),
    ("o1", "c3", "payment.recorded", {"amount": "99.00"}),  # c3 has no officer
    ("o1", "gone", "payment.recorded", {"amount": "55.00"}),  # not a case held here
    ("x9", "c1", "contact.recorded", {"right_party": True, "seconds": 5}),  # not an officer
    ("o1", "c1", "contact.recorded", {"right_party": True, "seconds": 7}),  # day after
]


def fill(path: Path) -> None:
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES (?, ?, 'officer', ?, '[]', 1, 60)",
        [("o1", "One", "a"), ("o2", "Two", "b")],
    )
    for n in (1, 2, 3):
        db.execute(
            "INSERT INTO person (id, host_system, host_ref, title, forename, surname, "
            "preferred_contact) VALUES (?, 'h', ?, '', 'A', 'B', '[]')",
            (f"p{n}", f"P{n}"),
        )
        db.execute(
            'INSERT INTO "case" (id, reference, person_id, officer_id, status, priority_score, '
            "priority_reason) VALUES (?, ?, ?, ?, 'open', 0, '')",
            (f"c{n}", f"C{n:07d}", f"p{n}", {1: "o1", 2: "o2", 3: None}[n]),
        )
    for n, (officer, case, kind, payload) in enumerate(EVENTS):
        at = AT.replace("18T", "19T") if n == len(EVENTS) - 1 else AT
        db.execute(
            "INSERT INTO event (id, officer_id, at, case_id, kind, payload, prev_hash, hash) "
            "VALUES (?, ?, ?, ?, ?, ?, '', '')",
            (f"e{n}", officer, at, case, kind, json.dumps(payload)),
        )
    db.commit()
    db.close()


def figures(store: Store) -> list[dict[str, object]]:
    report = reports.performance(store, DAY, DAY)
    return [asdict(f) for f in [*report.officers, *report.teams, report.total]]


def test_a_store_at_0012_upgrades_to_the_kind_officer_index_and_reports_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    engine = sqlite_engine(path)
    upgrade_to_head(engine, revision="0012_sms_consent")
    fill(path)
    before = figures(Store(path, engine, engine))  # the report read over the 0012 schema
    engine.dispose()
    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION == "0015_removal_cursor"
    db = sqlite3.connect(path)
    indexes = {
        name: [c[2] for c in db.execute(f"PRAGMA index_info({name})")]
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'event' "
            "AND sql IS NOT NULL"
        )
    }
    assert indexes["ix_event_kind_officer"] == ["kind", "officer_id"]
    assert "ix_event_kind" not in indexes
    assert db.execute("SELECT count(*) FROM event").fetchone()[0] == len(EVENTS)
    db.close()
    after = figures(store)
    assert after == before
    one, two = after[0], after[1]
    assert (one["officer"], one["calls"], one["right_party"], one["seconds_on_phone"]) == (
        "o1",
        2,
        1,
        150,
    )
    assert (two["calls"], two["right_party"], two["arranged"], two["appointments_kept"]) == (
        1,
        1,
        600,
        1,
    )
    assert (one["kept"], two["broken"], one["promised"]) == (1, 1, Decimal("25.50"))
    # Cash by the case's officer: c1 (o1) 12.01, c2 (o2) 7.00; c3 and "gone" count nowhere.
    assert (one["collected"], two["collected"]) == (Decimal("12.01"), Decimal("7.00"))
    assert after[-1]["collected"] == Decimal("19.01")


def test_the_officer_query_sums_in_index_order_without_sorting(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    low, high = reports._bounds(DAY, DAY)
    with store.engine.connect() as connection:
        plan = connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + reports._OFFICER_SQL, (low, high)
        ).fetchall()
    details = " / ".join(str(row[-1]) for row in plan)
    assert "ix_event_kind_officer" in details
    assert "TEMP B-TREE" not in details
