"""Every file drp writes for `--out` and `--rejects` (issue 18, findings 6, 7 and 9): written
whole through a temporary file made exclusively beside it, never through a symlink, never over
an existing file without --force, never to a directory, FIFO or device; 0600; and every CSV
cell that a spreadsheet would run as a formula is neutralised."""

from __future__ import annotations

import csv
import io
import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.csvsafe import csv_text, safe_cell
from drp_tui.domain.errors import InputError
from drp_tui.services.outfile import write_output
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW, founded

runner = CliRunner()
HOSTILE_REFS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(A1)", "-2+3"]


def _export(tmp_path: Path, *extra: str) -> tuple[int, str]:
    done = runner.invoke(app, ["export", "outcomes", "--since", "2026-11-20", *extra])
    return done.exit_code, done.stdout + done.stderr


@pytest.fixture
def on_demo(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    return demo_store


def test_out_onto_an_existing_file_needs_force(on_demo: Store, tmp_path: Path) -> None:
    out = tmp_path / "outcomes.csv"
    out.write_text("keep me\n")
    code, said = _export(tmp_path, "--out", str(out))
    assert code == 2, said
    assert "--out" in said
    assert "--force" in said
    assert out.read_text() == "keep me\n"
    code, said = _export(tmp_path, "--out", str(out), "--force")
    assert code == 0, said
    assert out.read_text().startswith("case,")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_planted_symlink_at_the_staging_name_is_not_followed(
    on_demo: Store, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    out = tmp_path / "outcomes.csv"
    (tmp_path / "outcomes.csv.part").symlink_to(victim)
    code, said = _export(tmp_path, "--out", str(out))
    assert code == 0, said
    assert victim.read_text() == "precious\n"
    assert out.read_text().startswith("case,")
    assert not out.is_symlink()


def test_out_as_a_symlink_is_refused_and_its_target_untouched(
    on_demo: Store, tmp_path: Path
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "outcomes.csv"
    link.symlink_to(victim)
    code, said = _export(tmp_path, "--out", str(link), "--force")
    assert code == 2, said
    assert victim.read_text() == "precious\n"


@pytest.mark.parametrize("kind", ["directory", "fifo", "device"])
def test_directories_fifos_and_devices_are_refused_with_one_line(
    on_demo: Store, tmp_path: Path, kind: str
) -> None:
    if kind == "directory":
        target = tmp_path / "dirx"
        target.mkdir()
    elif kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)
    else:
        target = Path("/dev/null")
    code, said = _export(tmp_path, "--out", str(target), "--force")
    assert code == 2, said
    assert len(said.strip().splitlines()) == 1, said
    assert said.startswith("drp: --out:")
    assert "unexpected error" not in said
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name or p.name.startswith(".")] == []
    if kind == "device":
        assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_missing_folder_is_bad_input_naming_the_option(on_demo: Store, tmp_path: Path) -> None:
    code, said = _export(tmp_path, "--out", str(tmp_path / "nowhere" / "x.csv"))
    assert code == 2, said
    assert said.strip().splitlines() == [
        f"drp: --out: the folder {tmp_path / 'nowhere'} does not exist"
    ]


def test_rejects_in_a_missing_folder_is_bad_input_and_nothing_is_imported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person_ref,surname,debt_ref,debt_type,balance,stage\nP1,K,D1,council_tax,x,summons\n"
    )
    done = runner.invoke(
        app,
        [
            "import",
            "cases",
            str(bad),
            "--mapping",
            "generic",
            "--rejects",
            str(tmp_path / "no" / "r.csv"),
        ],
    )
    assert done.exit_code == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        f"drp: --rejects: the folder {tmp_path / 'no'} does not exist"
    ]


def test_an_existing_rejects_file_needs_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "person_ref,surname,debt_ref,debt_type,balance,stage\nP1,=1+1,D1,council_tax,x,summons\n"
    )
    rejects = tmp_path / "r.csv"
    rejects.write_text("old\n")
    args = ["import", "cases", str(bad), "--mapping", "generic", "--rejects", str(rejects)]
    assert runner.invoke(app, args).exit_code == 2
    assert rejects.read_text() == "old\n"
    done = runner.invoke(app, [*args, "--force"])
    assert done.exit_code == 1
    rows = list(csv.DictReader(rejects.open()))
    assert rows[0]["value"] == "x"
    assert stat.S_IMODE(rejects.stat().st_mode) == 0o600


def test_the_helper_writes_whole_files_0600_and_leaves_nothing_behind(tmp_path: Path) -> None:
    out = tmp_path / "a.csv"
    write_output(out, "one\n", option="--out")
    assert out.read_text() == "one\n"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with pytest.raises(InputError, match=r"--out: .* exists"):
        write_output(out, "two\n", option="--out")
    write_output(out, "two\n", option="--out", force=True)
    assert out.read_text() == "two\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv"]


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\nx"),  # and a line break written as \n, which the writer quotes
        ("-12.50", "-12.50"),  # a negative amount stays a number the host can load
        ("+44", "+44"),
        ("O'Brien", "O'Brien"),
        (3, 3),
        (None, None),
    ],
)
def test_formula_cells_are_prefixed_and_plain_numbers_are_not(
    cell: object, written: object
) -> None:
    assert safe_cell(cell) == written


def test_reconciliation_export_neutralises_agency_references(
    on_demo: Store, tmp_path: Path
) -> None:
    db = sqlite3.connect(on_demo.path)
    refs = [
        r
        for (r,) in db.execute(
            "SELECT d.host_ref FROM placement p JOIN debt d ON d.id = p.debt_id "
            "WHERE p.agency_id = 'marlowe' AND p.status = 'open' AND d.balance > 5000 "
            "ORDER BY d.host_ref LIMIT 4"
        )
    ]
    remit = tmp_path / "remit.csv"
    with remit.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Client Ref", "Amount Paid", "Date Paid", "Their Ref"])
        for ref, theirs in zip(refs, HOSTILE_REFS, strict=True):
            writer.writerow([ref, "10.00", "2026-11-22", theirs])
    done = runner.invoke(app, ["import", "payments", str(remit), "--agency", "marlowe"])
    assert done.exit_code == 0, done.stdout + done.stderr
    exported = runner.invoke(app, ["export", "reconciliation", "--since", "2026-11-22"])
    assert exported.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.stdout)))
    written = {r["agency_reference"] for r in rows}
    assert {"'" + ref for ref in HOSTILE_REFS} <= written
    as_json = runner.invoke(
        app, ["export", "reconciliation", "--since", "2026-11-22", "--format", "json"]
    )
    assert set(HOSTILE_REFS) <= {r["agency_reference"] for r in json.loads(as_json.stdout)}


def test_report_csv_neutralises_officer_names_and_teams(on_demo: Store) -> None:
    db = sqlite3.connect(on_demo.path)
    db.execute("UPDATE officer SET name = '=cmd()', team = '@team' WHERE role = 'officer'")
    db.commit()
    done = runner.invoke(app, ["report", "officers", "--format", "csv"])
    assert done.exit_code == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    names = {r["name"] for r in rows if r["name"]}
    assert "'=cmd()" in names
    assert "=cmd()" not in names
    assert "'@team" in {r["team"] for r in rows}


def test_csv_text_is_the_one_writer(tmp_path: Path) -> None:
    text = csv_text(["a", "b"], [{"a": "=1", "b": "-1.00"}])
    assert text == "a,b\n'=1,-1.00\n"


def test_a_fifo_or_folder_to_import_is_refused_not_waited_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(founded(tmp_path / "drp.sqlite")))
    pipe = tmp_path / "pipe.csv"
    os.mkfifo(pipe)
    for target in (pipe, tmp_path):
        done = runner.invoke(app, ["import", "cases", str(target), "--mapping", "generic"])
        assert done.exit_code == 2, done.stdout + done.stderr
        assert "is not a regular file" in done.stderr


def _fingerprint(path: Path) -> tuple[int, str]:
    db = sqlite3.connect(path)
    try:
        people = int(db.execute("SELECT count(*) FROM person").fetchone()[0])
        check = str(db.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        db.close()
    return people, check


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_out_onto_the_store_or_a_store_sidecar_is_refused_even_with_force(
    on_demo: Store, tmp_path: Path, suffix: str
) -> None:
    """`--out STORE --force` replaced the live store with a CSV (and -wal/-shm would throw
    away writes not yet checkpointed)."""
    before = _fingerprint(on_demo.path)
    target = Path(f"{on_demo.path}{suffix}")
    if suffix:
        target.write_bytes(b"sidecar\n")
    code, said = _export(tmp_path, "--out", str(target), "--force")
    assert code == 2, said
    assert len(said.strip().splitlines()) == 1
    assert said.startswith("drp: --out:")
    assert "store" in said
    if suffix:
        assert target.read_bytes() == b"sidecar\n"
        target.unlink()
    assert _fingerprint(on_demo.path) == before


def test_out_onto_the_store_through_a_symlink_or_hard_link_is_refused(
    on_demo: Store, tmp_path: Path
) -> None:
    """The same file by another name: a symlinked folder, or a second hard link."""
    before = _fingerprint(on_demo.path)
    folder = tmp_path / "via"
    folder.symlink_to(on_demo.path.parent, target_is_directory=True)
    code, said = _export(tmp_path, "--out", str(folder / on_demo.path.name), "--force")
    assert code == 2, said
    assert "--out" in said
    assert "store" in said
    hard = tmp_path / "copy-of-store.sqlite"
    os.link(on_demo.path, hard)
    code, said = _export(tmp_path, "--out", str(hard), "--force")
    assert code == 2, said
    assert _fingerprint(on_demo.path) == before


def test_out_onto_the_real_file_of_a_symlinked_store_is_refused(
    on_demo: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = tmp_path / "link.sqlite"
    link.symlink_to(on_demo.path)
    monkeypatch.setenv("DRP_STORE", str(link))
    before = _fingerprint(on_demo.path)
    for target in (on_demo.path, Path(f"{on_demo.path}-wal")):
        code, said = _export(tmp_path, "--out", str(target), "--force")
        assert code == 2, said
    assert _fingerprint(on_demo.path) == before


def test_rejects_onto_the_file_being_imported_or_the_store_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--rejects` naming the extract itself (directly, or through a symlink to it) replaced
    the extract with its own rejects."""
    store = tmp_path / "drp.sqlite"
    monkeypatch.setenv("DRP_STORE", str(store))
    text = "person_ref,surname,debt_ref,debt_type,balance,stage\nP1,K,D1,council_tax,x,summons\n"
    bad = tmp_path / "bad.csv"
    bad.write_text(text)
    alias = tmp_path / "alias.csv"
    alias.symlink_to(bad)
    for given, rejects in ((bad, bad), (alias, bad), (bad, store), (bad, Path(f"{store}-wal"))):
        args = ["import", "cases", str(given), "--mapping", "generic", "--rejects"]
        done = runner.invoke(app, [*args, str(rejects), "--force"])
        assert done.exit_code == 2, done.stdout + done.stderr
        assert done.stderr.startswith("drp: --rejects:")
        assert len(done.stderr.strip().splitlines()) == 1
        assert bad.read_text() == text
    assert not Path(f"{store}-wal").exists()


def test_rejects_onto_the_mapping_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--mapping council.toml --rejects council.toml --force` replaced the council's own
    mapping with a rejects CSV: the mapping is a file being read, as the extract is."""
    monkeypatch.setenv("DRP_STORE", str(tmp_path / "drp.sqlite"))
    mapping = tmp_path / "council.toml"
    mapping.write_text(Path("data/mappings/generic.toml").read_text())
    kept = mapping.read_text()
    bad = tmp_path / "bad.csv"
    bad.write_text("person_ref,surname,debt_ref,debt_type,balance,stage\nP1,K,D1,council_tax,x,x\n")
    for given in (str(mapping), os.path.relpath(mapping)):
        args = ["import", "cases", str(bad), "--mapping", given, "--rejects", str(mapping)]
        done = runner.invoke(app, [*args, "--force"])
        assert done.exit_code == 2, done.stdout + done.stderr
        assert done.stderr.startswith("drp: --rejects:"), done.stderr
        assert "being read" in done.stderr
        assert mapping.read_text() == kept
