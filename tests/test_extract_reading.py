"""Reading extracts exactly (issue 18, findings 1-4): what the hostile corpus does not show."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from drp_tui.domain.errors import InputError
from drp_tui.domain.extract import parse_extract_date
from drp_tui.domain.money import parse_money
from drp_tui.services.importer import import_cases, read_mapping
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store, open_store
from tests.conftest import REPO, founded

AT = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HEADER = "person_ref,surname,debt_ref,debt_type,balance,stage\n"


def _mapping(tmp_path: Path, extra: str) -> str:
    path = tmp_path / "mapping.toml"
    text = (REPO / "data" / "mappings" / "generic.toml").read_text()
    path.write_text(text.replace("[mapping]\n", f"[mapping]\n{extra}\n", 1))
    return str(path)


def test_a_mapping_may_remove_control_characters_with_a_warning_per_line(
    tmp_path: Path, policy: PolicyBook
) -> None:
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    mapping = read_mapping(_mapping(tmp_path, 'control_characters = "remove"'), stages)
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + "P1,Te\x1b[31mst\x07,D1,council_tax,10.00,summons\n"
        + "P2,Kh\u202ean,D2,council_tax,10.00,summons\n"
        + "P3,Plain,D3,council_tax,10.00,summons\n",
        encoding="utf-8",
    )
    store = open_store(tmp_path / "drp.sqlite")
    result = import_cases(store, path, mapping, stages, officer_id="sup1", at=AT)
    assert result.committed
    removed = [(w.line, w.column) for w in result.warnings if "removed" in w.reason]
    assert removed == [(2, "surname"), (3, "surname")]
    names = sqlite3.connect(store.path).execute("SELECT surname FROM person ORDER BY 1")
    assert [n for (n,) in names] == ["Khan", "Plain", "Te[31mst"]


def test_a_mapping_with_an_unknown_control_character_rule_is_refused(
    tmp_path: Path, policy: PolicyBook
) -> None:
    from drp_tui.domain.errors import PolicyError

    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    with pytest.raises(PolicyError, match="control_characters must be one of refuse, remove"):
        read_mapping(_mapping(tmp_path, 'control_characters = "keep"'), stages)


def test_an_unknown_encoding_is_refused_naming_the_option(policy: PolicyBook) -> None:
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    with pytest.raises(InputError, match="--encoding: must be one of"):
        read_mapping("generic", stages, "latin-1")


@pytest.mark.parametrize(
    "typed",
    [
        "\uff11\uff12\uff13",
        "\u0661\u0662\u0663",
        "1\uff123.00",
        "£\uff11,\uff12\uff13\uff14.\uff15\uff10",
    ],
)
def test_money_is_ascii_digits_only(typed: str) -> None:
    with pytest.raises(InputError, match="digits other than 0-9"):
        parse_money(typed, "balance")


def test_extract_dates_are_ascii_digits_only() -> None:
    assert parse_extract_date("\uff10\uff11/02/2026", ("%d/%m/%Y",)) is None
    assert parse_extract_date("01/0\uff12/2026", ("%d/%m/%Y",)) is None
    assert parse_extract_date("01/02/2026", ("%d/%m/%Y",)) is not None


def test_queue_show_never_writes_stored_control_characters_to_the_terminal(
    demo_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from drp_tui.cli.main import app
    from tests.conftest import DEMO_NOW

    db = sqlite3.connect(demo_store.path)
    db.execute("UPDATE person SET surname = ?", ("Te\x1b[31mst\x07\u202eXY",))
    db.commit()
    db.close()
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    done = CliRunner().invoke(app, ["queue", "show", "--officer", "jmorgan"])
    assert done.exit_code == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "\u202e" not in done.stdout
    assert "\\x1b[31mst" in done.stdout


def test_the_workstation_shows_a_stored_control_character_and_does_not_obey_it(
    demo_store: Store,
) -> None:
    from drp_tui.services.caseview import search_cases

    db = sqlite3.connect(demo_store.path)
    db.execute("UPDATE person SET surname = ?", ("Te\x1b[2Jst\u202e",))
    db.commit()
    db.close()
    (hit, *_) = search_cases(demo_store, "Te")
    assert hit.name.endswith("Te\\x1b[2Jst\\u202e")


def test_rejects_name_the_file_line_of_the_field_in_the_rejects_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A record over three lines (a quoted line break in the surname, CRLF in the debt ref)
    after two blank lines: the bad balance sits on the record's third line, line 7."""
    import csv

    from typer.testing import CliRunner

    from drp_tui.cli.main import app

    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    path = tmp_path / "x.csv"
    path.write_bytes(
        (
            HEADER + "P1,Khan,D1,council_tax,10.00,summons\n\n\n"
            'P2,"Lee\nJones","D2\r\n",council_tax,ten,summons\n'
        ).encode()
    )
    rejects = tmp_path / "rejects.csv"
    done = CliRunner().invoke(
        app, ["import", "cases", str(path), "--mapping", "generic", "--rejects", str(rejects)]
    )
    assert done.exit_code == 1, done.stdout + done.stderr
    with rejects.open(newline="", encoding="utf-8") as handle:
        listed = [(row["line"], row["column"]) for row in csv.DictReader(handle)]
    assert listed == [("7", "balance")]


def test_an_over_long_field_after_a_record_over_two_lines_names_its_file_line(
    tmp_path: Path, policy: PolicyBook
) -> None:
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    path = tmp_path / "x.csv"
    path.write_text(
        HEADER
        + 'P1,"Khan\nJones",D1,council_tax,10.00,summons\n\n'
        + "P2,Lee,"
        + "D" * 5_000
        + ",council_tax,10.00,summons\n",
        encoding="utf-8",
    )
    store = open_store(tmp_path / "drp.sqlite")
    with pytest.raises(InputError, match="line 5, column debt_ref: longer than"):
        import_cases(store, path, read_mapping("generic", stages), stages, officer_id="s", at=AT)


@pytest.mark.parametrize(
    ("second", "shown"),
    [
        ("balance\u200b", "'balance\\u200b'"),  # a zero-width space after it
        ("bal\ufeffance", "'bal\\ufeffance'"),  # a byte-order mark in the middle
        ("\u200dbalance", "'\\u200dbalance'"),  # a zero-width joiner before it
        ("BALANCE", "'BALANCE'"),  # case
        ("\uff42alance", "'\uff42alance'"),  # a full-width letter
    ],
)
def test_a_duplicate_header_hidden_by_an_invisible_character_or_case_is_refused(
    tmp_path: Path, policy: PolicyBook, second: str, shown: str
) -> None:
    """Two balance columns (100.00 and 999999.00) whose names differ only by a character
    an officer cannot see: drp read one of them without a word."""
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    path = tmp_path / "x.csv"
    path.write_text(
        f"person_ref,surname,debt_ref,debt_type,balance,stage,{second}\n"
        "P1,Khan,D1,council_tax,100.00,summons,999999.00\n",
        encoding="utf-8",
    )
    store = open_store(tmp_path / "drp.sqlite")
    with pytest.raises(InputError) as refused:
        import_cases(store, path, read_mapping("generic", stages), stages, officer_id="s", at=AT)
    said = str(refused.value)
    assert "line 1" in said
    assert "columns 5 and 7" in said
    assert "'balance'" in said
    assert shown in said
    assert "\u200b" not in said
    assert "\ufeff" not in said


def test_a_duplicate_header_with_a_no_break_space_is_refused_naming_both(
    tmp_path: Path, policy: PolicyBook
) -> None:
    stages = {t.id: t.stages for t in policy.recovery.debt_types}
    path = tmp_path / "x.csv"
    path.write_text(
        "person_ref,surname,debt_ref,debt_type,balance,stage,Account Note,Account\u00a0note\n"
        "P1,Khan,D1,council_tax,100.00,summons,paid,not paid\n",
        encoding="utf-8",
    )
    store = open_store(tmp_path / "drp.sqlite")
    with pytest.raises(
        InputError, match=r"'Account Note' and 'Account\\xa0note' \(columns 7 and 8\)"
    ):
        import_cases(store, path, read_mapping("generic", stages), stages, officer_id="s", at=AT)
