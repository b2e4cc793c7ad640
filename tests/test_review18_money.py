"""Hostile review of issue 18 (remittances): money that still goes wrong without a word.

Each test is a reproduction through the real CLI or service on a copy of the demo store, and
fails on the code under review."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.test_remittance_exports import placed

runner = CliRunner()


def _money_in(store: Store) -> tuple[int, int]:
    db = sqlite3.connect(store.path)
    try:
        count, total = db.execute(
            "SELECT count(*), coalesce(sum(amount), 0) FROM payment"
        ).fetchone()
    finally:
        db.close()
    return int(count), int(total)


def _balance(store: Store, ref: str) -> int:
    db = sqlite3.connect(store.path)
    try:
        (balance,) = db.execute("SELECT balance FROM debt WHERE host_ref = ?", (ref,)).fetchone()
    finally:
        db.close()
    return int(balance)


def _import(path: Path) -> tuple[int, str]:
    done = runner.invoke(app, ["import", "payments", str(path), "--agency", "marlowe"])
    return done.exit_code, done.stdout + done.stderr


@pytest.fixture
def env(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> Store:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    return demo_store


def test_one_payment_is_not_reversed_three_times_by_one_file(env: Store, tmp_path: Path) -> None:
    """A £50 payment, then one file with three -£50 lines on different days: each line is
    checked against the store before any is recorded, so all three 'reverse' the one payment
    and the balance rises by £150."""
    ((ref, _),) = placed(env, "marlowe", 1)
    paid = tmp_path / "paid.csv"
    paid.write_text(f"Client Ref,Amount Paid,Date Paid\n{ref},50.00,2026-11-20\n")
    assert _import(paid)[0] == 0
    after_payment = _balance(env, ref)
    bounced = tmp_path / "bounced.csv"
    bounced.write_text(
        "Client Ref,Amount Paid,Date Paid\n"
        f"{ref},-50.00,2026-11-21\n{ref},-50.00,2026-11-22\n{ref},-50.00,2026-11-23\n"
    )
    code, said = _import(bounced)
    assert code == 1, said  # at most one of them reverses the payment; the file is refused
    assert _balance(env, ref) == after_payment


def test_a_line_with_more_fields_than_the_header_is_not_read_short(
    env: Store, tmp_path: Path
) -> None:
    """An unquoted `£1,234.50` splits into two fields; the remittance reader takes `£1` as the
    amount and drops the rest (the case importer rejects such a row; this reader does not)."""
    ((ref, _),) = placed(env, "marlowe", 1)
    before = _money_in(env)
    path = tmp_path / "split.csv"
    path.write_text(f"Client Ref,Date Paid,Amount Paid,Their Ref\n{ref},2026-11-20,£1,234.50,M1\n")
    code, said = _import(path)
    assert code == 1, said
    assert "line 2" in said
    assert _money_in(env) == before


def test_the_same_payment_resent_with_an_agency_reference_does_not_post_twice(
    env: Store, tmp_path: Path
) -> None:
    """Sent first without `Their Ref`, then again with it: same debt, amount and date, but
    the second line is only compared by agency reference, so the cash posts twice."""
    ((ref, _),) = placed(env, "marlowe", 1)
    first = tmp_path / "first.csv"
    first.write_text(f"Client Ref,Amount Paid,Date Paid\n{ref},40.00,2026-11-20\n")
    assert _import(first)[0] == 0
    after_first = _money_in(env)
    again = tmp_path / "again.csv"
    again.write_text(f"Client Ref,Amount Paid,Date Paid,Their Ref\n{ref},40.00,2026-11-20,M77\n")
    code, said = _import(again)
    assert code == 1, said
    assert _money_in(env) == after_first


@pytest.mark.parametrize("invisible", ["\ufeff", "\u200b"], ids=["bom", "zero-width-space"])
def test_an_invisible_character_in_their_ref_does_not_post_a_payment_twice(
    env: Store, tmp_path: Path, invisible: str
) -> None:
    """A byte-order mark or zero-width space in `Their Ref` is neither refused (it is not in
    the control list) nor ignored when payments are compared: the same payment posts again."""
    ((ref, _),) = placed(env, "marlowe", 1)
    first = tmp_path / "first.csv"
    first.write_text(f"Client Ref,Amount Paid,Date Paid,Their Ref\n{ref},30.00,2026-11-20,M5\n")
    assert _import(first)[0] == 0
    after_first = _money_in(env)
    again = tmp_path / "again.csv"
    again.write_text(
        f"Client Ref,Amount Paid,Date Paid,Their Ref\n{ref},30.00,2026-11-20,M5{invisible}\n",
        encoding="utf-8",
    )
    code, said = _import(again)
    assert code != 0, said
    assert _money_in(env) == after_first


def test_one_agency_case_paying_two_debts_the_same_amount_is_not_refused(
    env: Store, tmp_path: Path
) -> None:
    """An agency's case reference covers all of a debtor's debts; £25 to each of two on one
    day is two payments, but the key (reference, amount, date) leaves out the debt, so the
    second is refused as a repeat, and no option will ever post it."""
    (first, _), (second, _) = placed(env, "marlowe", 2)
    path = tmp_path / "case.csv"
    path.write_text(
        "Client Ref,Amount Paid,Date Paid,Their Ref\n"
        f"{first},25.00,2026-11-21,CASE-9\n{second},25.00,2026-11-21,CASE-9\n"
    )
    code, said = _import(path)
    assert code == 0, said


def test_a_carriage_return_in_their_ref_does_not_start_a_formula_row_in_the_export(
    env: Store, tmp_path: Path
) -> None:
    """`Their Ref` of "M1<CR>=1+2" (quoted in the remittance) is stored, and csv_text writes
    it unquoted (lineterminator is "\\n", so a bare "\\r" is not quoted): every CSV reader ends
    the row at the CR and `=1+2` opens the next row, a live formula, past the prefix."""
    ((ref, _),) = placed(env, "marlowe", 1)
    path = tmp_path / "remit.csv"
    path.write_bytes(
        b"Client Ref,Amount Paid,Date Paid,Their Ref\r\n"
        + f'{ref},2.00,2026-11-20,"M1\r=1+2"\r\n'.encode()
    )
    code, _ = _import(path)
    if code != 0:
        return  # refusing the CR at import is a fix too
    out = tmp_path / "reconciliation.csv"
    done = runner.invoke(app, ["export", "reconciliation", "--out", str(out)])
    assert done.exit_code == 0, done.stderr
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"), newline="")))
    assert all(len(row) == len(rows[0]) for row in rows), rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row[:1])


def test_two_amount_columns_differing_by_space_and_underscore_are_refused(
    env: Store, tmp_path: Path
) -> None:
    """`Amount Paid` and `amount_paid`: check_header folds case and outer spaces only, and
    _columns folds spaces to underscores into a dict, so the later column silently wins
    (finding 1 again): £2,000.00 is recorded for a £1.00 line."""
    ((ref, _),) = placed(env, "marlowe", 1)
    before = _money_in(env)
    path = tmp_path / "dup.csv"
    path.write_text(
        f"Client Ref,Amount Paid,Date Paid,amount_paid\n{ref},1.00,2026-11-20,2000.00\n"
    )
    code, said = _import(path)
    assert code == 2, said
    assert _money_in(env) == before
