"""Allocation that moves most cases builds the officer index again after its UPDATE instead of
updating it case by case: the same plan, the same digest in the audit trail, the same indexes
afterwards, and an allocation that fails part-way leaves them as they were."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drp_tui.services import allocation
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store import bulk
from drp_tui.store.engine import Store, open_store

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def make_store(path: Path) -> None:
    open_store(path).engine.dispose()
    db = sqlite3.connect(path)
    db.executemany(
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES (?, ?, 'officer', 't', '[]', 1, 60)",
        [(f"o{n}", f"Officer {n}") for n in range(3)],
    )
    db.execute(
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES ('sup', 'Sup', 'supervisor', 't', '[]', 1, 0)"
    )
    db.executemany(
        "INSERT INTO person (id, host_system, host_ref, title, forename, surname, "
        "preferred_contact) VALUES (?, 'h', ?, '', 'A', 'B', '[]')",
        [(f"p{n:03d}", f"P{n}") for n in range(60)],
    )
    db.executemany(
        'INSERT INTO "case" (id, reference, person_id, status, priority_score, '
        "priority_reason) VALUES (?, ?, ?, 'open', ?, '')",
        [(f"c{n:03d}", f"C{n:07d}", f"p{n:03d}", (n * 37) % 100) for n in range(60)],
    )
    db.commit()
    db.close()


def state(path: Path) -> tuple[object, ...]:
    db = sqlite3.connect(path)
    found = (
        db.execute('SELECT id, officer_id FROM "case" ORDER BY id').fetchall(),
        db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY 1"
        ).fetchall(),
        [
            json.loads(p)["assignment_sha256"]
            for (p,) in db.execute("SELECT payload FROM event WHERE kind = 'queue.allocated'")
        ],
        db.execute("PRAGMA integrity_check").fetchall(),
    )
    db.close()
    return found


def allocate(path: Path, policy: PolicyBook) -> allocation.AllocationPlan:
    store = open_store(path)
    try:
        return allocation.allocate_cases(
            store, policy, Actor("sup", clock=lambda: NOW), strategy="balanced"
        )
    finally:
        store.engine.dispose()


def test_rebuilding_the_officer_index_gives_the_same_plan_digest_and_indexes(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_store(tmp_path / "kept.sqlite")
    make_store(tmp_path / "rebuilt.sqlite")
    dropped: list[str] = []
    original = bulk.drop_indexes

    def watched(*args: object, **kwargs: object) -> list[str]:
        found = original(*args, **kwargs)  # type: ignore[arg-type]
        dropped.extend(found)
        return found

    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 10**9)
    kept = allocate(tmp_path / "kept.sqlite", policy)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    monkeypatch.setattr(bulk, "drop_indexes", watched)
    rebuilt = allocate(tmp_path / "rebuilt.sqlite", policy)
    assert dropped == ['CREATE INDEX ix_case_officer_id ON "case" (officer_id)']
    assert rebuilt.per_officer == kept.per_officer
    assert rebuilt.cases == kept.cases == 60
    assert state(tmp_path / "rebuilt.sqlite") == state(tmp_path / "kept.sqlite")


def test_an_allocation_failing_after_the_index_was_dropped_leaves_it_and_the_cases(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "drp.sqlite"
    make_store(path)
    before = state(path)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)

    def fail(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(bulk, "rebuild", fail)
    with pytest.raises(KeyboardInterrupt):
        allocate(path, policy)
    assert state(path) == before


def foreign_keys_on(store: Store) -> int:
    """The foreign_keys setting of the connection the store's writer hands out next (the one
    the allocation used: the pool holds no other), read outside any transaction."""
    with store.writer.connect() as connection:
        driver = connection.connection.driver_connection
        assert driver is not None
        return int(driver.execute("PRAGMA foreign_keys").fetchone()[0])


def test_an_allocation_leaves_every_reference_good_and_checks_on_again(
    tmp_path: Path, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite's own reference checks are off while the allocation writes (it checks its
    officers itself): afterwards every case's officer and the outbox's event exist, and
    the connection checks references again, also after an allocation that failed."""
    path = tmp_path / "drp.sqlite"
    make_store(path)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    store = open_store(path)
    try:
        plan = allocation.allocate_cases(
            store, policy, Actor("sup", clock=lambda: NOW), strategy="balanced"
        )
        assert plan.cases == 60
        assert store.writer.pool.checkedin() == 1  # type: ignore[attr-defined]
        assert foreign_keys_on(store) == 1
        db = sqlite3.connect(path)
        db.execute('UPDATE "case" SET officer_id = NULL WHERE rowid % 2 = 0')
        db.commit()
        db.close()
        monkeypatch.setattr(bulk, "rebuild", lambda *args, **kwargs: 1 / 0)
        with pytest.raises(ZeroDivisionError):
            allocation.allocate_cases(
                store, policy, Actor("sup", clock=lambda: NOW), strategy="round-robin"
            )
        assert foreign_keys_on(store) == 1
    finally:
        store.engine.dispose()
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute('SELECT count(*) FROM "case" WHERE officer_id IS NULL').fetchone() == (30,)
    db.close()


def test_references_checked_by_caller_turns_the_check_off_only_inside(tmp_path: Path) -> None:
    path = tmp_path / "drp.sqlite"
    make_store(path)
    store = open_store(path)
    try:
        with store.writer.connect() as connection:
            with bulk.references_checked_by_caller(connection), connection.begin():
                off = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
            after = connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one()
            connection.rollback()
        assert (off, after) == (0, 1)
    finally:
        store.engine.dispose()
