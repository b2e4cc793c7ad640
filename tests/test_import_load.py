"""The bulk load path: a large first import builds the secondary indexes after the load, in
the import's own transaction, and ends with the same rows and the same indexes as a row-by-row
load; a bulk import that fails part-way leaves the store, indexes included, as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from drp_tui.services.importer import ImportResult, import_cases, read_mapping
from drp_tui.services.policy import PolicyBook
from drp_tui.store import bulk
from drp_tui.store.engine import open_store
from tests.test_import import AT, GOOD, extract


@pytest.fixture
def stages(policy: PolicyBook) -> dict[str, tuple[str, ...]]:
    return {t.id: t.stages for t in policy.recovery.debt_types}


def indexes(path: Path) -> list[tuple[str, str, str | None]]:
    db = sqlite3.connect(path)
    found = db.execute(
        "SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name"
    ).fetchall()
    db.close()
    return found


def contents(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every imported row, with random ids (addresses, phones) left out."""
    db = sqlite3.connect(path)
    found = {
        "person": db.execute("SELECT * FROM person ORDER BY id").fetchall(),
        "case": db.execute('SELECT * FROM "case" ORDER BY id').fetchall(),
        "debt": db.execute("SELECT * FROM debt ORDER BY id").fetchall(),
        "debtparty": db.execute("SELECT * FROM debtparty ORDER BY debt_id").fetchall(),
        "address": db.execute(
            "SELECT person_id, line1, line2, town, postcode, current FROM address ORDER BY 1"
        ).fetchall(),
        "phone": db.execute(
            "SELECT person_id, number, kind, status FROM phone ORDER BY 1, 2"
        ).fetchall(),
    }
    db.close()
    return found


def load(
    path: Path, csv_path: Path, stages: dict[str, tuple[str, ...]], **options: object
) -> ImportResult:
    store = open_store(path)
    try:
        return import_cases(
            store,
            csv_path,
            read_mapping("generic", stages),
            stages,
            officer_id="sup1",
            at=AT,
            **options,  # type: ignore[arg-type]
        )
    finally:
        store.engine.dispose()


def test_a_bulk_load_ends_with_the_rows_and_indexes_of_a_row_by_row_load(
    tmp_path: Path, stages: dict[str, tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    csv_path = extract(tmp_path, *GOOD)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 10**9)
    row_by_row = load(tmp_path / "row.sqlite", csv_path, stages)
    phases: list[str] = []
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    in_bulk = load(
        tmp_path / "bulk.sqlite",
        csv_path,
        stages,
        progress=lambda phase, done, total: phases.append(phase),
    )
    assert "indexing" in phases  # the bulk path was taken
    assert (in_bulk.people_new, in_bulk.debts_new) == (row_by_row.people_new, row_by_row.debts_new)
    assert contents(tmp_path / "bulk.sqlite") == contents(tmp_path / "row.sqlite")
    assert indexes(tmp_path / "bulk.sqlite") == indexes(tmp_path / "row.sqlite")
    db = sqlite3.connect(tmp_path / "bulk.sqlite")
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []


def test_a_bulk_load_that_fails_part_way_leaves_the_store_and_its_indexes_as_they_were(
    tmp_path: Path, stages: dict[str, tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "drp.sqlite"
    open_store(path).engine.dispose()
    before = indexes(path)
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)

    def fail_while_indexing(phase: str, done: int, total: int) -> None:
        if phase == "indexing" and done == 3:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        load(path, extract(tmp_path, *GOOD), stages, progress=fail_while_indexing)
    assert indexes(path) == before
    assert all(rows == [] for rows in contents(path).values())


def test_a_small_import_into_a_large_store_keeps_its_indexes_in_place(
    tmp_path: Path, stages: dict[str, tuple[str, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "drp.sqlite"
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1)
    load(path, extract(tmp_path, *GOOD[:2]), stages)  # two debts in an empty store: bulk
    phases: list[str] = []
    load(  # one more debt: far fewer than the store holds
        path,
        extract(tmp_path, *GOOD, name="more.csv"),
        stages,
        progress=lambda phase, done, total: phases.append(phase),
    )
    assert "indexing" not in phases
    assert len(contents(path)["debt"]) == 3
