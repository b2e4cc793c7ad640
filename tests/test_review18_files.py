"""Hostile review of issue 18 (files): reading, output files and store paths.

Each test is a reproduction through the real CLI, and fails on the code under review."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW, founded

runner = CliRunner()
HEADER = "person_ref,surname,debt_ref,debt_type,balance,stage\n"


def test_a_path_that_is_not_a_store_is_left_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DRP_STORE naming a document: the store opener chmods it to 0600 before finding it is
    not a store (as root, DRP_STORE=/dev/null made /dev/null 0600 and created
    /dev/null-journal)."""
    document = tmp_path / "team-notes.txt"
    document.write_text("shared notes\n")
    document.chmod(0o644)
    monkeypatch.setenv("DRP_STORE", str(document))
    monkeypatch.setenv("DRP_OFFICER", "psharma")
    done = runner.invoke(app, ["queue", "show", "--limit", "1"])
    assert done.exit_code != 0
    assert stat.S_IMODE(document.stat().st_mode) == 0o644  # refused, and nothing changed
    assert document.read_text() == "shared notes\n"


def test_an_out_file_whose_temporary_name_is_too_long_is_not_an_unexpected_error(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The temporary file is made outside write_output's try: an OSError there (a folder the
    user cannot write, a name near NAME_MAX) is 'unexpected error', exit 1."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    out = tmp_path / ("a" * 250)
    done = runner.invoke(app, ["export", "reconciliation", "--out", str(out)])
    assert "unexpected error" not in done.stderr, done.stderr
    assert done.exit_code in (0, 2), done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_header_with_terminal_controls_is_not_written_raw_to_the_terminal(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fields are checked for control characters, the header is not, and the refusal quotes
    the header as it is (`found: ...`, `The file's columns are: ...`)."""
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    path = tmp_path / "remit.csv"
    path.write_text("Client Ref,Amount \x1b]0;owned\x07Paid,Date Paid\nX,1.00,2026-11-20\n")
    done = runner.invoke(app, ["import", "payments", str(path), "--agency", "marlowe"])
    assert done.exit_code == 2
    assert "\x1b" not in done.stderr
    assert "\x07" not in done.stderr


def test_a_utf8_file_named_windows_1252_is_not_stored_as_mojibake(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--encoding windows-1252` on a UTF-8 file: every byte is valid Windows-1252, so
    `Zoë` is stored as `ZoÃ«` and `O’Brien` as `Oâ€™Brien`, exit 0, no word."""
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    path = tmp_path / "utf8.csv"
    path.write_text(
        HEADER + "P1,Zoë,D1,council_tax,10.00,summons\nP2,O’Brien,D2,council_tax,10.00,summons\n",
        encoding="utf-8",
    )
    done = runner.invoke(
        app,
        ["import", "cases", str(path), "--mapping", "generic", "--encoding", "windows-1252"],
    )
    assert done.exit_code == 2, done.stdout


def test_a_reject_names_the_line_of_the_file_not_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Blank lines and a quoted field over two lines: the bad balance is on line 6 of the
    file, the reject says line 3 (the record number)."""
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    path = tmp_path / "lines.csv"
    path.write_text(
        HEADER + 'P1,"Khan\nJones",D1,council_tax,10.00,summons\n\n\n'
        "P2,Lee,D2,council_tax,\uff11\uff12\uff13,summons\n",
        encoding="utf-8",
    )
    done = runner.invoke(app, ["import", "cases", str(path), "--mapping", "generic"])
    assert done.exit_code == 1
    assert "line 6" in done.stdout, done.stdout


def test_demo_store_does_not_delete_a_wal_named_file_it_did_not_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing is at PATH, so the guard passes; then PATH-wal, PATH-shm and PATH-journal are
    unlinked unchecked."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "work.sqlite"))
    keep = tmp_path / "plan-wal"
    keep.write_text("not a WAL\n")
    done = runner.invoke(
        app, ["demo", "--people", "10", "--no-launch", "--store", str(tmp_path / "plan")]
    )
    assert done.exit_code == 0, done.stderr
    assert keep.exists()
    assert os.path.getsize(keep) == len("not a WAL\n")


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_a_config_not_in_utf8_is_bad_input_not_an_unexpected_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """tomllib raises UnicodeDecodeError (not TOMLDecodeError) for a file that is not UTF-8,
    say one saved by Notepad: the settings catch only TOMLDecodeError, so it is 'unexpected
    error', exit 1."""
    config = tmp_path / "config.toml"
    config.write_text('officer = "psharma"\n# Zoë\n', encoding=encoding)
    monkeypatch.setenv("DRP_CONFIG", str(config))
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "drp.sqlite"))
    done = runner.invoke(app, ["queue", "show"])
    assert done.exit_code == 2, done.stderr
    assert "unexpected error" not in done.stderr


@pytest.mark.parametrize("encoding", ["utf-16", "cp1252"])
def test_a_mapping_not_in_utf8_is_bad_input_not_an_unexpected_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, encoding: str
) -> None:
    """The same through read_toml, for a council's own --mapping."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "drp.sqlite"))
    mapping = tmp_path / "council.toml"
    shipped = Path(__file__).parent.parent / "data" / "mappings" / "generic.toml"
    mapping.write_text(shipped.read_text(encoding="utf-8") + "# Zoë\n", encoding=encoding)
    extract = tmp_path / "x.csv"
    extract.write_text(HEADER + "P1,Khan,D1,council_tax,10.00,summons\n")
    done = runner.invoke(
        app, ["import", "cases", str(extract), "--mapping", str(mapping), "--dry-run"]
    )
    assert done.exit_code == 2, done.stderr
    assert "unexpected error" not in done.stderr
