"""Revision 0003: the arrangement_debt link table, and a store made by the schema before it
upgrading with its arrangements linked to their debts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from drp_tui.store.engine import SCHEMA_REVISION, current_revision, open_store, sqlite_engine
from drp_tui.store.migrate import head_revision, upgrade_to_head


def test_a_store_made_by_revision_0002_upgrades_and_links_its_arrangements(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.sqlite"
    engine = sqlite_engine(path)
    upgrade_to_head(engine, revision="0002")
    engine.dispose()
    db = sqlite3.connect(path)
    db.executescript(
        """
        PRAGMA foreign_keys = ON;
        INSERT INTO syncstate (id, workstation_id, cursor, capturing, applying)
            VALUES (1, 'desk-1', 0, 1, 0);
        INSERT INTO officer (id, name, role, team, skills, active, daily_call_target)
            VALUES ('asmith', 'Alex', 'officer', '', '[]', 1, 60);
        INSERT INTO person (id, host_system, host_ref, title, forename, surname,
            preferred_contact) VALUES ('p1', 'h', 'P1', '', 'Jo', 'Bloggs', '[]');
        INSERT INTO "case" (id, reference, person_id, status, priority_score, priority_reason)
            VALUES ('c1', 'C0000001', 'p1', 'open', 0, '');
        INSERT INTO debt (id, host_system, host_ref, case_id, debt_type, period,
            original_amount, balance, costs, stage, jurisdiction)
            VALUES ('d1', 'h', 'D1', 'c1', 'council_tax', '2025/26', 90000, 60000, 0,
                    'liability_order', 'england');
        INSERT INTO arrangement (id, case_id, debt_id, officer_id, total, frequency, status,
            created_at, status_reason)
            VALUES ('a1', 'c1', 'd1', 'asmith', 60000, 'monthly', 'live',
                    '2026-11-01T10:00:00.000000+00:00', '');
        INSERT INTO arrangement (id, case_id, debt_id, officer_id, total, frequency, status,
            created_at, status_reason)
            VALUES ('a0', 'c1', NULL, 'asmith', 1000, 'monthly', 'cancelled',
                    '2026-10-01T10:00:00.000000+00:00', '');
        """
    )
    db.commit()
    db.close()

    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION == head_revision()
    rows = (
        sqlite3.connect(path)
        .execute("SELECT arrangement_id, debt_id, position, amount FROM arrangement_debt")
        .fetchall()
    )
    # An arrangement made for one debt covers that debt, first, for its total; one made for
    # no debt in particular stays as it was.
    assert rows == [("a1", "d1", 1, 60000)]
    # Arrangements not yet pushed to the hub take their links with them.
    queued = (
        sqlite3.connect(path)
        .execute("SELECT table_name, row_key FROM rowchange ORDER BY table_name, row_key")
        .fetchall()
    )
    assert queued == [
        ("arrangement", "a0"),
        ("arrangement", "a1"),
        ("arrangement_debt", "a1 d1"),
    ]
