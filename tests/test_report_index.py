"""The officer report from a covering index (issue 18, store revision 0015): a store at 0014
with events upgrades to the partial index of the report's four kinds; the report gives exactly
what it gave before; both of its event queries read that index alone, in order."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from drp_tui.services import reports
from drp_tui.store.engine import SCHEMA_REVISION, Store, current_revision, open_store, sqlite_engine
from drp_tui.store.migrate import upgrade_to_head
from tests.test_report_speed_paths import DAY, EVENTS, figures, fill


def test_a_store_at_0014_upgrades_to_the_report_index_and_reports_the_same(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    engine = sqlite_engine(path)
    upgrade_to_head(engine, revision="0014_event_kind_officer")
    fill(path)
    before = figures(Store(path, engine, engine))  # the report read over the 0014 schema
    engine.dispose()
    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION
    db = sqlite3.connect(path)
    columns = [c[2] for c in db.execute("PRAGMA index_info(ix_event_report)")]
    (sql,) = db.execute("SELECT sql FROM sqlite_master WHERE name = 'ix_event_report'").fetchone()
    reported = db.execute(
        f"SELECT count(*) FROM event INDEXED BY ix_event_report WHERE {reports.REPORTED_KINDS}"
    ).fetchone()[0]
    db.close()
    assert columns == ["kind", "officer_id", "at", "case_id", "payload"]
    assert reports.REPORTED_KINDS in sql
    kinds = {"contact.recorded", "promise.made", "arrangement.made", "payment.recorded"}
    assert reported == sum(1 for _, _, kind, _ in EVENTS if kind in kinds)
    assert figures(store) == before
    store.engine.dispose()


def test_both_event_queries_of_the_report_read_the_covering_index(tmp_path: Path) -> None:
    store = open_store(tmp_path / "drp.sqlite")
    low, high = reports._bounds(DAY, DAY)
    with store.engine.connect() as connection:
        for sql in (reports._OFFICER_SQL, reports._CASH_SQL):
            plan = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql, (low, high)).fetchall()
            details = " / ".join(str(row[-1]) for row in plan)
            assert "SEARCH e USING COVERING INDEX ix_event_report" in details
    store.engine.dispose()
