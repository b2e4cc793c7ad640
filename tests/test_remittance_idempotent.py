"""A remittance is money in once (issue 18, finding 5): the same file, or the same lines in
another file, are recognised and refused naming the earlier import; nothing posts twice."""

from __future__ import annotations

import json
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError
from drp_tui.services.casework import Actor
from drp_tui.services.remittance import import_remittance
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.test_remittance_exports import placed, remittance

runner = CliRunner()
ACTOR = Actor("system", clock=lambda: DEMO_NOW)


def _money_in(store: Store) -> tuple[int, int]:
    db = sqlite3.connect(store.path)
    try:
        payments = db.execute("SELECT count(*), coalesce(sum(amount), 0) FROM payment").fetchone()
    finally:
        db.close()
    return int(payments[0]), int(payments[1])


def _balances(store: Store, refs: list[str]) -> list[int]:
    db = sqlite3.connect(store.path)
    marks = ",".join("?" * len(refs))
    found = dict(
        db.execute(f"SELECT host_ref, balance FROM debt WHERE host_ref IN ({marks})", refs)
    )
    return [found[r] for r in refs]


def test_the_same_file_twice_is_refused_naming_the_earlier_import(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    (first, _), (second, _) = placed(demo_store, "marlowe", 2)
    path = remittance(tmp_path, f"{first},100.00,2026-11-20,M1", f"{second},20.00,2026-11-20,M2")
    once = runner.invoke(app, ["import", "payments", str(path), "--agency", "marlowe", "--json"])
    assert once.exit_code == 0, once.stderr
    assert len(json.loads(once.stdout)["matched"]) == 2
    after_once, balances = _money_in(demo_store), _balances(demo_store, [first, second])
    again = runner.invoke(app, ["import", "payments", str(path), "--agency", "marlowe"])
    assert again.exit_code == 1, again.stdout + again.stderr
    said = again.stdout + again.stderr
    assert "already imported" in said
    assert "remit.csv" in said
    assert "2026-11-23" in said  # when the earlier import was
    assert _money_in(demo_store) == after_once
    assert _balances(demo_store, [first, second]) == balances
    dry = runner.invoke(app, ["import", "payments", str(path), "--agency", "marlowe", "--dry-run"])
    assert dry.exit_code == 1
    assert (
        "--force"
        in runner.invoke(
            app, ["import", "payments", str(path), "--agency", "marlowe", "--force"]
        ).stderr
    )  # there is no --force: no option posts a line twice


def test_the_same_lines_in_another_file_are_refused_line_by_line(
    demo_store: Store, tmp_path: Path
) -> None:
    (first, _), (second, _), (third, _) = placed(demo_store, "marlowe", 3)
    earlier = remittance(tmp_path, f"{first},100.00,2026-11-20,M1", f"{second},20,20/11/2026,")
    assert import_remittance(demo_store, ACTOR, earlier, "marlowe").committed
    before = _money_in(demo_store)
    later = tmp_path / "later.csv"
    later.write_text(
        "Client Ref,Amount Paid,Date Paid,Their Ref\n"
        f"{third},5.00,2026-11-21,M3\n"
        f"{first},£100,20/11/2026,M1\n"  # the same payment, written differently
        f"{second},20.00,2026-11-20,\n"
    )
    result = import_remittance(demo_store, ACTOR, later, "marlowe")
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(3, "Their Ref"), (4, "Client Ref")]
    assert all("remit.csv" in r.reason for r in result.rejects)
    assert _money_in(demo_store) == before  # all or nothing: M3 is not recorded either


def test_a_line_repeated_in_one_file_is_refused(demo_store: Store, tmp_path: Path) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    before = _money_in(demo_store)
    path = remittance(tmp_path, f"{first},10.00,2026-11-20,M1", f"{first},10.00,2026-11-20,M1")
    result = import_remittance(demo_store, ACTOR, path, "marlowe")
    assert not result.committed
    assert [(r.line, "line 2" in r.reason) for r in result.rejects] == [(3, True)]
    assert _money_in(demo_store) == before


def test_a_negative_amount_that_reverses_nothing_is_refused(
    demo_store: Store, tmp_path: Path
) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    before = _money_in(demo_store)
    result = import_remittance(
        demo_store, ACTOR, remittance(tmp_path, f"{first},-10.00,2026-11-20,M9"), "marlowe"
    )
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(2, "Amount Paid")]
    assert "reverse" in result.rejects[0].reason
    assert _money_in(demo_store) == before


def test_a_negative_amount_reverses_an_earlier_payment_once(
    demo_store: Store, tmp_path: Path
) -> None:
    ((first, balance),) = placed(demo_store, "marlowe", 1)
    paid = remittance(tmp_path, f"{first},40.00,2026-11-20,M1")
    assert import_remittance(demo_store, ACTOR, paid, "marlowe").committed
    bounced = tmp_path / "bounced.csv"
    bounced.write_text(
        f"Client Ref,Amount Paid,Date Paid,Their Ref\n{first},-40.00,2026-11-22,M1\n"
    )
    result = import_remittance(demo_store, ACTOR, bounced, "marlowe")
    assert result.committed, result.rejects
    assert [line.reference for line in result.reversed] == [first]
    assert _balances(demo_store, [first]) == [int(balance * 100)]
    twice = tmp_path / "bounced-again.csv"
    twice.write_text(f"Client Ref,Amount Paid,Date Paid,Their Ref\n{first},-40.00,2026-11-23,M1\n")
    again = import_remittance(demo_store, ACTOR, twice, "marlowe")
    assert not again.committed
    assert "reverse" in again.rejects[0].reason
    assert _balances(demo_store, [first]) == [int(balance * 100)]
    assert Decimal(balance) > 0


def test_two_payments_are_reversed_by_two_lines_of_one_file_and_no_more(
    demo_store: Store, tmp_path: Path
) -> None:
    """Reversals in one file are counted against each other: two payments stand, so two
    lines reverse them, and a third line (in that file or a later one) reverses nothing."""
    ((first, _),) = placed(demo_store, "marlowe", 1)
    paid = remittance(tmp_path, f"{first},50.00,2026-11-20,", f"{first},50.00,2026-11-21,")
    assert import_remittance(demo_store, ACTOR, paid, "marlowe").committed
    three = tmp_path / "three.csv"
    three.write_text(
        "Client Ref,Amount Paid,Date Paid\n"
        f"{first},-50.00,2026-11-22\n{first},-50.00,2026-11-23\n{first},-50.00,2026-11-24\n"
    )
    refused = import_remittance(demo_store, ACTOR, three, "marlowe")
    assert not refused.committed
    assert [(r.line, "reverse" in r.reason) for r in refused.rejects] == [(4, True)]
    two = tmp_path / "two.csv"
    two.write_text(
        f"Client Ref,Amount Paid,Date Paid\n{first},-50.00,2026-11-22\n{first},-50.00,2026-11-23\n"
    )
    assert import_remittance(demo_store, ACTOR, two, "marlowe").committed


def test_one_referenced_payment_is_not_reversed_twice_by_one_file(
    demo_store: Store, tmp_path: Path
) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    paid = remittance(tmp_path, f"{first},50.00,2026-11-20,M1", f"{first},50.00,2026-11-21,M2")
    assert import_remittance(demo_store, ACTOR, paid, "marlowe").committed
    before = _money_in(demo_store)
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "Client Ref,Amount Paid,Date Paid,Their Ref\n"
        f"{first},-50.00,2026-11-22,M1\n{first},-50.00,2026-11-23,M1\n"
    )
    refused = import_remittance(demo_store, ACTOR, twice, "marlowe")
    assert [r.line for r in refused.rejects] == [3]
    assert _money_in(demo_store) == before
    each = tmp_path / "each.csv"
    each.write_text(
        "Client Ref,Amount Paid,Date Paid,Their Ref\n"
        f"{first},-50.00,2026-11-22,M1\n{first},-50.00,2026-11-23,M2\n"
    )
    assert import_remittance(demo_store, ACTOR, each, "marlowe").committed


def test_an_invisible_character_in_the_client_ref_is_refused_naming_it(
    demo_store: Store, tmp_path: Path
) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    path = remittance(tmp_path, f"{first}\u200b,10.00,2026-11-20,M1")
    result = import_remittance(demo_store, ACTOR, path, "marlowe")
    assert not result.committed
    assert [(r.line, r.column) for r in result.rejects] == [(2, "Client Ref")]
    assert "U+200B" in result.rejects[0].reason


@pytest.mark.parametrize("second", ["Amount\u200b Paid", "amount\u00a0paid", "AMOUNT\ufeff PAID"])
def test_two_amount_columns_apart_only_by_an_invisible_character_are_refused(
    demo_store: Store, tmp_path: Path, second: str
) -> None:
    ((first, _),) = placed(demo_store, "marlowe", 1)
    before = _money_in(demo_store)
    path = tmp_path / "remit.csv"
    path.write_text(
        f"Client Ref,Amount Paid,Date Paid,Their Ref,{second}\n"
        f"{first},10.00,2026-11-20,M1,9999.00\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as refused:
        import_remittance(demo_store, ACTOR, path, "marlowe")
    said = str(refused.value)
    assert "columns 2 and 5" in said
    assert "'Amount Paid'" in said
    assert "\u200b" not in said
    assert "\ufeff" not in said
    assert _money_in(demo_store) == before
