"""Two genuine equal payments on one debt on one day (issue 18): drp refuses the second as a
repeat, and a supervisor may post it by naming its line (`--allow-repeat LINE[,LINE]`). The
service checks who asks and that each named line really is a suspected repeat, and records
who allowed it. A plain officer is refused; a line with the same agency reference as the
payment it repeats is the same payment and is never posted twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor
from drp_tui.services.demo import DEMO_OFFICER, SUPERVISOR
from drp_tui.services.remittance import import_remittance
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW
from tests.test_remittance_exports import placed, remittance

runner = CliRunner()
BOSS = Actor(SUPERVISOR, clock=lambda: DEMO_NOW)
OFFICER = Actor(DEMO_OFFICER, clock=lambda: DEMO_NOW)


def _payments(store: Store, ref: str) -> list[tuple[int, str]]:
    db = sqlite3.connect(store.path)
    try:
        return list(
            db.execute(
                "SELECT p.amount, p.received_on FROM payment p JOIN debt d ON d.id = p.debt_id "
                "WHERE d.host_ref = ? AND p.agency_id = 'marlowe' AND p.received_on = '2026-11-20' "
                "ORDER BY p.rowid",
                (ref,),
            )
        )
    finally:
        db.close()


def _allowed_events(store: Store) -> list[dict[str, object]]:
    db = sqlite3.connect(store.path)
    try:
        rows = db.execute(
            "SELECT officer_id, payload FROM event WHERE kind = 'payment.repeat_allowed' "
            "ORDER BY seq"
        )
        return [{"by": who, **json.loads(payload)} for who, payload in rows]
    finally:
        db.close()


def test_two_equal_payments_in_one_file_are_refused_then_posted_by_a_supervisor(
    demo_store: Store, tmp_path: Path
) -> None:
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    path = remittance(tmp_path, f"{debt},50.00,2026-11-20,M1", f"{debt},50.00,2026-11-20,M2")
    refused = import_remittance(demo_store, BOSS, path, "marlowe")
    assert not refused.committed
    assert [r.line for r in refused.rejects] == [3]
    assert "--allow-repeat 3" in refused.rejects[0].reason  # the way through is named
    assert _payments(demo_store, debt) == []
    done = import_remittance(demo_store, BOSS, path, "marlowe", allow_repeat=[3])
    assert done.committed, done.rejects
    assert _payments(demo_store, debt) == [(5000, "2026-11-20"), (5000, "2026-11-20")]
    (event,) = _allowed_events(demo_store)
    assert event["by"] == SUPERVISOR
    assert event["line"] == 3
    assert event["amount"] == "50.00"
    assert "line 2" in str(event["repeats"])


def test_a_second_payment_in_a_later_file_without_references_is_allowed_by_line(
    demo_store: Store, tmp_path: Path
) -> None:
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    first = remittance(tmp_path, f"{debt},50.00,2026-11-20,")
    assert import_remittance(demo_store, BOSS, first, "marlowe").committed
    later = tmp_path / "later.csv"
    later.write_text(f"Client Ref,Amount Paid,Date Paid\n{debt},50.00,2026-11-20\n")
    assert not import_remittance(demo_store, BOSS, later, "marlowe").committed
    done = import_remittance(demo_store, BOSS, later, "marlowe", allow_repeat=[2])
    assert done.committed, done.rejects
    assert len(_payments(demo_store, debt)) == 2
    assert "remit.csv" in str(_allowed_events(demo_store)[0]["repeats"])


def test_a_plain_officer_may_not_allow_a_repeat(demo_store: Store, tmp_path: Path) -> None:
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    path = remittance(tmp_path, f"{debt},50.00,2026-11-20,M1", f"{debt},50.00,2026-11-20,M2")
    with pytest.raises(NotPermitted, match="supervisor"):
        import_remittance(demo_store, OFFICER, path, "marlowe", allow_repeat=[3])
    assert _payments(demo_store, debt) == []
    assert _allowed_events(demo_store) == []


def test_only_a_line_refused_as_a_repeat_may_be_named(demo_store: Store, tmp_path: Path) -> None:
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    path = remittance(tmp_path, f"{debt},50.00,2026-11-20,M1", f"{debt},50.00,2026-11-20,M2")
    for lines in ([2], [3, 4], [9]):
        with pytest.raises(InputError, match="--allow-repeat: line"):
            import_remittance(demo_store, BOSS, path, "marlowe", allow_repeat=lines)
    assert _payments(demo_store, debt) == []


def test_the_same_agency_reference_is_never_posted_twice_even_when_allowed(
    demo_store: Store, tmp_path: Path
) -> None:
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    first = remittance(tmp_path, f"{debt},50.00,2026-11-20,M1")
    assert import_remittance(demo_store, BOSS, first, "marlowe").committed
    again = tmp_path / "again.csv"
    again.write_text(f"Client Ref,Amount Paid,Date Paid,Their Ref\n{debt},£50,20/11/2026,M1\n")
    result = import_remittance(demo_store, BOSS, again, "marlowe", allow_repeat=[2])
    assert not result.committed
    assert [r.line for r in result.rejects] == [2]
    assert "same agency reference" in result.rejects[0].reason
    assert len(_payments(demo_store, debt)) == 1
    assert _allowed_events(demo_store) == []


def test_the_cli_allows_a_repeat_for_a_supervisor_and_refuses_an_officer(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DRP_STORE", str(demo_store.path))
    monkeypatch.setenv("DRP_NOW", DEMO_NOW.isoformat())
    ((debt, _),) = placed(demo_store, "marlowe", 1)
    path = remittance(tmp_path, f"{debt},50.00,2026-11-20,", f"{debt},50.00,2026-11-20,")
    args = ["import", "payments", str(path), "--agency", "marlowe", "--allow-repeat", "3"]
    monkeypatch.setenv("DRP_OFFICER", DEMO_OFFICER)
    done = runner.invoke(app, args)
    assert done.exit_code == 1, done.stdout + done.stderr
    assert "supervisor" in done.stderr
    assert _payments(demo_store, debt) == []
    bad = runner.invoke(app, [*args[:-1], "3,x"])
    assert bad.exit_code == 2
    assert bad.stderr.startswith("drp: --allow-repeat:")
    monkeypatch.setenv("DRP_OFFICER", SUPERVISOR)
    done = runner.invoke(app, [*args, "--json"])
    assert done.exit_code == 0, done.stdout + done.stderr
    assert json.loads(done.stdout)["allowed_repeats"] == [3]
    assert len(_payments(demo_store, debt)) == 2
