"""Host-extract import against real SQLite files: all or nothing, line-level rejects,
re-import without duplicates, drp's own records untouched."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.services.importer import ImportResult, import_cases, read_mapping
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from tests.conftest import REPO, founded

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HEADER = (
    "person_ref,forename,surname,date_of_birth,address_line1,postcode,phone,debt_ref,"
    "debt_type,balance,costs,stage,stage_date,joint_person_ref"
)
runner = CliRunner()


@pytest.fixture
def stages(policy: PolicyBook) -> dict[str, tuple[str, ...]]:
    return {t.id: t.stages for t in policy.recovery.debt_types}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(tmp_path / "drp.sqlite")


def extract(tmp_path: Path, *rows: str, name: str = "extract.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(("\n".join([HEADER, *rows]) + "\n").encode(encoding))
    return path


GOOD = [
    "P1,Aisha,Khan,1984-03-12,14 Mill Lane,HT1 2AB,07700 900123,D1,council_tax,"
    '"£1,212.40",80,liability_order,2025-10-02,',
    "P1,Aisha,Khan,1984-03-12,14 Mill Lane,HT1 2AB,07700 900123,D2,hb_overpayment,410,0,invoice,,",
    "P2,Tom,Hughes,1990-07-04,22 Station Road,ht2 9xy,01632 960123,D3,parking,105,,"
    "charge_certificate,01/08/2025,P1",
]


def counts(path: Path) -> dict[str, int]:
    db = sqlite3.connect(path)
    tables = ["person", '"case"', "debt", "address", "phone", "debtparty", "event", "outbox"]
    return {t.strip('"'): db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def run_import(
    store: Store,
    path: Path,
    stages: dict[str, tuple[str, ...]],
    mapping: str = "generic",
    dry_run: bool = False,
) -> ImportResult:
    return import_cases(
        store,
        path,
        read_mapping(mapping, stages),
        stages,
        officer_id="sup1",
        at=AT,
        dry_run=dry_run,
    )


def test_a_good_extract_imports_everything(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    result = run_import(store, extract(tmp_path, *GOOD), stages)
    assert result.committed
    assert not result.rejects
    assert (result.people_new, result.debts_new) == (2, 3)
    assert counts(store.path) == {
        "person": 2,
        "case": 2,
        "debt": 3,
        "address": 2,
        "phone": 2,
        "debtparty": 1,
        "event": 1,
        "outbox": 1,
    }
    db = sqlite3.connect(store.path)
    assert db.execute(
        "SELECT balance, costs, stage FROM debt WHERE host_ref = 'D1'"
    ).fetchone() == (121240, 8000, "liability_order")
    assert db.execute(
        "SELECT postcode FROM address JOIN person ON person.id = person_id WHERE host_ref = 'P2'"
    ).fetchone() == ("HT2 9XY",)
    assert db.execute("SELECT number, kind FROM phone ORDER BY number").fetchall() == [
        ("+441632960123", "landline"),
        ("+447700900123", "mobile"),
    ]
    assert db.execute("SELECT stage_date FROM debt WHERE host_ref = 'D3'").fetchone() == (
        "2025-08-01",
    )
    assert [r[0] for r in db.execute('SELECT reference FROM "case" ORDER BY reference')] == [
        "C0000001",
        "C0000002",
    ]


def test_reimport_updates_by_host_reference_and_keeps_drps_own_records(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    run_import(store, extract(tmp_path, *GOOD), stages)
    db = sqlite3.connect(store.path)
    db.execute(
        "INSERT INTO officer (id, name, role, team, skills, active, daily_call_target) "
        "VALUES ('asmith', 'Alex', 'officer', '', '[]', 1, 60)"
    )
    db.execute("UPDATE \"case\" SET officer_id = 'asmith', hold_kind = 'dispute'")
    db.execute("UPDATE phone SET status = 'wrong' WHERE number = '+447700900123'")
    db.commit()
    newer = [row.replace("14 Mill Lane", "2 New Road") for row in GOOD]
    newer[0] = newer[0].replace('"£1,212.40"', "1100.00")
    result = run_import(store, extract(tmp_path, *newer, name="newer.csv"), stages)
    assert (result.people_new, result.people_updated) == (0, 2)
    assert (result.debts_new, result.debts_updated) == (0, 3)
    assert counts(store.path)["debt"] == 3
    assert counts(store.path)["case"] == 2
    assert db.execute("SELECT balance FROM debt WHERE host_ref = 'D1'").fetchone() == (110000,)
    assert db.execute('SELECT DISTINCT officer_id, hold_kind FROM "case"').fetchall() == [
        ("asmith", "dispute")
    ]
    assert db.execute("SELECT status FROM phone WHERE number = '+447700900123'").fetchone() == (
        "wrong",
    )
    assert db.execute("SELECT line1, current FROM address ORDER BY line1").fetchall() == [
        ("14 Mill Lane", 0),
        ("2 New Road", 1),
        ("22 Station Road", 1),
    ]
    assert counts(store.path)["event"] == 2


def test_an_extract_failing_on_its_last_row_leaves_the_store_unchanged(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    run_import(store, extract(tmp_path, *GOOD[:1]), stages)
    before = counts(store.path)
    bad_last = [*GOOD[1:], "P9,Zed,Bad,,1 Road,HT1 1AA,,D9,council_tax,-5.00,,summons,,"]
    result = run_import(store, extract(tmp_path, *bad_last, name="bad.csv"), stages)
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(4, "balance")]
    assert "must not be negative" in result.rejects[0].reason
    assert counts(store.path) == before


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("P1,A,B,,,,,D1,council_tax,abc,,summons,,", "balance", "not an amount"),
        ("P1,A,B,,,,,D1,council_tax,12.345,,summons,,", "balance", "not an amount"),
        ("P1,A,B,,,,,D1,council_tax,100,,summons,31/02/2026,", "stage_date", "not a real date"),
        ("P1,A,B,2090-01-01,,,,D1,council_tax,100,,summons,,", "date_of_birth", "future"),
        ("P1,A,B,,,,,D1,mortgage,100,,summons,,", "debt_type", "not a debt type"),
        ("P1,A,B,,,,,D1,parking,100,,summons,,", "stage", "not a stage code for parking"),
        ("P1,A,,,,,,D1,council_tax,100,,summons,,", "surname", "is empty"),
        ("P1,A,B,,,,,,council_tax,100,,summons,,", "debt_ref", "is empty"),
        ("P1,A,B,,,,,D1,council_tax,100,,summons,,P7", "joint_person_ref", "not in the file"),
    ],
)
def test_row_rejects_name_line_column_and_reason(
    store: Store,
    tmp_path: Path,
    stages: dict[str, tuple[str, ...]],
    row: str,
    column: str,
    reason: str,
) -> None:
    result = run_import(store, extract(tmp_path, row), stages)
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(2, column)]
    assert reason in result.rejects[0].reason
    assert counts(store.path)["person"] == 0


def test_duplicate_host_reference_and_inconsistent_person_in_one_file(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    rows = [GOOD[0], GOOD[0].replace("Khan", "Kahn").replace(",D1,", ",D5,"), GOOD[0]]
    result = run_import(store, extract(tmp_path, *rows), stages)
    reasons = {(r.line, r.column): r.reason for r in result.rejects}
    assert "differs from line 2" in reasons[(3, "surname")]
    assert reasons[(4, "debt_ref")] == "repeats the debt reference on line 2"


def test_bad_contact_details_warn_and_the_row_still_imports(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    row = "P1,A,B,,1 Road,NOT A CODE,12,D1,council_tax,100,,summons,,"
    result = run_import(store, extract(tmp_path, row), stages)
    assert result.committed
    assert {w.column for w in result.warnings if w.line == 2} == {"postcode", "phone"}
    assert "email" in {w.column for w in result.warnings if w.line == 1}
    assert counts(store.path)["phone"] == 0


def test_encodings(store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]) -> None:
    row = "P1,Seán,O’Brien,,1 Road,HT1 1AA,,D1,council_tax,£100.00,,summons,,"
    for number, encoding in enumerate(("utf-8-sig", "windows-1252", "utf-8")):
        path = extract(
            tmp_path, row.replace("D1", f"D{number}"), name=f"{encoding}.csv", encoding=encoding
        )
        # UTF-8 is read as is; Windows-1252 only when it is named (here as --encoding does).
        named = "windows-1252" if encoding == "windows-1252" else None
        result = import_cases(
            store,
            path,
            read_mapping("generic", stages, named),
            stages,
            officer_id="sup1",
            at=AT,
        )
        assert result.committed, encoding
    names = sqlite3.connect(store.path).execute("SELECT forename, surname FROM person").fetchall()
    assert names == [("Seán", "O’Brien")]


def test_a_utf16_file_is_refused_with_what_to_do(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    path = extract(tmp_path, GOOD[0], encoding="utf-16")
    with pytest.raises(InputError, match="UTF-16"):
        run_import(store, path, stages)


def test_a_mapping_that_insists_on_utf8_names_the_line_of_a_bad_byte(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    mapping = tmp_path / "strict.toml"
    text = (REPO / "data" / "mappings" / "generic.toml").read_text()
    mapping.write_text(text.replace('encoding = "auto"', 'encoding = "utf-8"'))
    path = extract(
        tmp_path, GOOD[1], "P2,Seán,X,,,,,D9,council_tax,1,,summons,,", encoding="windows-1252"
    )
    with pytest.raises(InputError, match=r"line 3, byte 6 \(0xe1\) is not UTF-8"):
        run_import(store, path, stages, mapping=str(mapping))


def test_a_mapping_naming_a_column_the_file_lacks_is_refused(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    path = tmp_path / "short.csv"
    path.write_text("person_ref,surname,debt_ref,debt_type,balance\nP1,B,D1,council_tax,1\n")
    with pytest.raises(InputError, match=r"needs column.*the file does not have: stage -> 'stage'"):
        run_import(store, path, stages)


def test_mapping_files_are_validated(tmp_path: Path, stages: dict[str, tuple[str, ...]]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[mapping]\nname = "x"\n[columns]\nperson_ref = "a"\nshoe_size = "b"\n')
    with pytest.raises(PolicyError, match="unknown drp field"):
        read_mapping(str(bad), stages)
    stage = tmp_path / "stage.toml"
    text = (REPO / "data" / "mappings" / "northgate-style.toml").read_text()
    stage.write_text(text.replace('LO = "liability_order"', 'LO = "liability"'))
    with pytest.raises(PolicyError, match="'liability' is not a drp stage"):
        read_mapping(str(stage), stages)
    with pytest.raises(InputError, match="shipped mappings: capita-style, generic"):
        read_mapping("nonesuch", stages)


def test_dry_run_counts_and_writes_nothing(
    store: Store, tmp_path: Path, stages: dict[str, tuple[str, ...]]
) -> None:
    result = run_import(store, extract(tmp_path, *GOOD), stages, dry_run=True)
    assert (result.committed, result.people_new, result.debts_new) == (False, 2, 3)
    assert counts(store.path)["person"] == 0


@pytest.mark.parametrize("name", ["generic", "northgate-style", "capita-style"])
def test_the_documented_sample_extracts_import(
    store: Store, stages: dict[str, tuple[str, ...]], name: str
) -> None:
    result = run_import(store, REPO / "docs" / "import" / f"{name}.csv", stages, mapping=name)
    assert result.committed, result.rejects
    assert result.debts_new > 0


def test_cli_import_json_rejects_file_and_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "cli.sqlite")))
    good = extract(tmp_path, *GOOD)
    done = runner.invoke(app, ["import", "cases", str(good), "--mapping", "generic", "--json"])
    assert done.exit_code == 0, done.stderr
    summary = json.loads(done.stdout)
    assert (summary["committed"], summary["people_new"], summary["debts_new"]) == (True, 2, 3)
    again = runner.invoke(app, ["import", "cases", str(good), "--mapping", "generic", "--json"])
    assert json.loads(again.stdout)["debts_updated"] == 3
    bad = extract(
        tmp_path,
        GOOD[0],
        "P2,A,B,,,,,D7,council_tax,ten,,summons,,",
        "P3,A,B,,,,,D8,council_tax,[/x],,summons,,",  # quoted as written, not read as markup
        name="bad.csv",
    )
    rejects = tmp_path / "rejects.csv"
    failed = runner.invoke(
        app, ["import", "cases", str(bad), "--mapping", "generic", "--rejects", str(rejects)]
    )
    assert failed.exit_code == 1
    assert "line 3, balance 'ten'" in failed.stdout
    assert "line 4, balance '[/x]'" in failed.stdout
    assert "nothing was imported" in failed.stdout
    with rejects.open() as handle:
        assert next(iter(csv.DictReader(handle)))["column"] == "balance"
    missing = runner.invoke(
        app, ["import", "cases", str(tmp_path / "none.csv"), "--mapping", "generic"]
    )
    assert missing.exit_code == 2
    assert "does not exist" in missing.stderr
    assert "Traceback" not in missing.stderr + missing.stdout


def test_cli_progress_is_plain_lines_off_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "cli.sqlite")))
    shutil.copy(REPO / "docs" / "import" / "generic.csv", tmp_path / "g.csv")
    done = runner.invoke(app, ["import", "cases", str(tmp_path / "g.csv"), "--mapping", "generic"])
    assert done.exit_code == 0
    assert "writing 5/5" in done.stderr


def test_the_generic_mapping_reads_exactly_the_generic_columns(
    stages: dict[str, tuple[str, ...]],
) -> None:
    from drp_tui.domain.extract import GENERIC_COLUMNS

    mapping = read_mapping("generic", stages)
    assert set(mapping.columns.values()) == set(GENERIC_COLUMNS)
    header = (REPO / "docs" / "import" / "generic.csv").read_text().splitlines()[0]
    assert tuple(header.split(",")) == GENERIC_COLUMNS
