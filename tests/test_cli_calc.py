"""Every `drp calc` command through the real CLI: JSON keys, money strings, exit statuses."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app

runner = CliRunner()


def drp(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def drp_json(*args: str) -> dict[str, Any]:
    code, out, err = drp(*args, "--json")
    assert code == 0, err
    payload: dict[str, Any] = json.loads(out)
    return payload


def test_aeo() -> None:
    out = drp_json("calc", "aeo", "--net", "£400", "--period", "weekly", "--made-on", "2026-11-01")
    assert {"deduction", "rate_percent", "table"} <= set(out)
    assert (out["deduction"], out["rate_percent"]) == ("68.00", 17)
    assert "England 2007" in out["table"]


def test_aeo_legacy_table_and_second_order() -> None:
    legacy = drp_json(
        "calc", "aeo", "--net", "400", "--period", "weekly", "--made-on", "2006-01-10"
    )
    assert "1998" in legacy["table"]
    assert legacy["deduction"] == "77.90"
    second = drp_json(
        "calc", "aeo", "--net", "400", "--period", "weekly", "--earlier-order-deduction", "68"
    )
    assert second["deduction"] == "39.84"


def test_aeo_wales() -> None:
    out = drp_json(
        "calc",
        "aeo",
        "--net",
        "800",
        "--period",
        "weekly",
        "--jurisdiction",
        "wales",
        "--made-on",
        "2026-01-01",
    )
    assert out["deduction"] == "164.05"


def test_dea() -> None:
    out = drp_json("calc", "dea", "--net", "270.01", "--period", "weekly")
    assert (out["deduction"], out["rate_percent"]) == ("29.70", 11)
    capped = drp_json(
        "calc", "dea", "--net", "600", "--period", "weekly", "--priority-deductions", "200"
    )
    assert capped["deduction"] == "40.00"
    higher = drp_json("calc", "dea", "--net", "600", "--period", "weekly", "--higher")
    assert higher["rate_percent"] == 40


def test_fees() -> None:
    out = drp_json(
        "calc", "fees", "--balance", "£2,000", "--stage", "enforcement", "--on", "2026-11-22"
    )
    assert out["fees"] == {"compliance": "75.00", "enforcement": "272.50"}
    assert out["total"] == "347.50"
    sale = drp_json("calc", "fees", "--balance", "5000", "--stage", "sale")
    assert sale["fees"] == {"compliance": "75.00", "enforcement": "497.50", "sale": "372.50"}
    assert sale["total"] == "945.00"


def test_interest() -> None:
    out = drp_json(
        "calc", "interest", "--principal", "10000", "--due", "2023-12-31", "--on", "2024-01-30"
    )
    assert {
        k: out[k] for k in ("days", "rate_percent", "daily_interest", "interest", "compensation")
    } == {
        "days": 30,
        "rate_percent": 13.25,
        "daily_interest": "3.63",
        "interest": "108.90",
        "compensation": "100.00",
    }
    given = drp_json(
        "calc",
        "interest",
        "--principal",
        "1000",
        "--due",
        "2026-02-01",
        "--on",
        "2026-03-03",
        "--reference-rate",
        "3.75",
    )
    assert given["rate_percent"] == 11.75


def test_interest_without_a_reference_rate_for_the_period_says_what_to_do() -> None:
    code, _, err = drp(
        "calc", "interest", "--principal", "1000", "--due", "2027-02-01", "--on", "2027-03-03"
    )
    assert code == 1  # no figure in force: a refusal
    assert "--reference-rate" in err


def test_benefit_deduction_and_hb_recovery() -> None:
    uc = drp_json(
        "calc",
        "benefit-deduction",
        "--benefit",
        "uc",
        "--allowance",
        "couple-25-plus",
        "--on",
        "2025-06-01",
    )
    assert (uc["deduction"], uc["period"]) == ("31.41", "monthly")
    legacy = drp_json(
        "calc",
        "benefit-deduction",
        "--benefit",
        "legacy",
        "--allowance",
        "single-25-plus",
        "--on",
        "2024-06-01",
    )
    assert (legacy["deduction"], legacy["period"]) == ("4.55", "weekly")
    hb = drp_json("calc", "hb-recovery", "--fraud", "--on", "2024-06-01")
    assert hb["weekly_max"] == "22.75"
    hb_disregard = drp_json("calc", "hb-recovery", "--disregard", "£5", "--on", "2024-06-01")
    assert hb_disregard["weekly_max"] == "16.15"


def test_schedule() -> None:
    out = drp_json(
        "calc",
        "schedule",
        "--total",
        "£1,000",
        "--frequency",
        "monthly",
        "--first",
        "2026-12-01",
        "--count",
        "3",
        "--on",
        "2026-11-22",
    )
    assert out["instalments"] == [
        {"due": "2026-12-01", "amount": "333.33"},
        {"due": "2027-01-04", "amount": "333.33"},
        {"due": "2027-02-01", "amount": "333.34"},
    ]
    assert (out["total"], out["warnings"], out["errors"]) == ("1000.00", [], [])


def test_schedule_policy_error_exits_1_with_the_schedule() -> None:
    code, out, _ = drp(
        "calc",
        "schedule",
        "--total",
        "1200",
        "--frequency",
        "monthly",
        "--first",
        "2026-12-01",
        "--count",
        "6",
        "--debt-type",
        "council-tax",
        "--on",
        "2026-11-22",
        "--json",
    )
    assert code == 1
    payload = json.loads(out)
    assert len(payload["instalments"]) == 6
    assert payload["errors"][0]["code"] == "clear_by_year_end"
    code, out, _ = drp(
        "calc",
        "schedule",
        "--total",
        "1200",
        "--frequency",
        "monthly",
        "--first",
        "2026-12-01",
        "--count",
        "6",
        "--debt-type",
        "council_tax",
        "--override-reason",
        "agreed with team leader",
        "--on",
        "2026-11-22",
        "--json",
    )
    assert code == 0
    assert json.loads(out)["warnings"][0]["code"] == "clear_by_year_end_overridden"


@pytest.mark.parametrize(
    "extra",
    [
        ["--count", "0"],
        ["--instalment", "2000"],
        ["--clear-by", "2026-11-30"],
    ],
)
def test_impossible_schedules_exit_2_with_errors(extra: list[str]) -> None:
    code, out, _ = drp(
        "calc",
        "schedule",
        "--total",
        "1000",
        "--frequency",
        "weekly",
        "--first",
        "2026-12-01",
        "--on",
        "2026-11-22",
        "--json",
        *extra,
    )
    assert code == 2
    payload = json.loads(out)
    assert payload["instalments"] == []
    assert payload["errors"]


STATEMENT = {
    "household": {"adults": 2, "children": 1},
    "income": {"earnings": {"amount": "1,850", "frequency": "monthly"}},
    "fixed_costs": {"rent": "700", "council_tax": "130"},
    "flexible_costs": {
        "food_and_housekeeping": "600",
        "communications_and_leisure": "150",
        "personal_costs": "120",
    },
    "priority_debts": [{"creditor": "Council tax arrears", "balance": "900", "payment": "50"}],
    "non_priority_debts": [
        {"creditor": "Card A", "balance": "1000"},
        {"creditor": "Card B", "balance": "2000"},
    ],
}


@pytest.fixture
def statement_file(tmp_path: Path) -> Path:
    file = tmp_path / "statement.json"
    file.write_text(json.dumps(STATEMENT), encoding="utf-8")
    return file


def test_affordability(statement_file: Path) -> None:
    file = statement_file
    out = drp_json("calc", "affordability", "--file", str(file))
    assert {
        "total_income",
        "total_expenditure",
        "savings_contribution",
        "available_for_priority",
        "available_for_non_priority",
        "non_priority_shares",
        "guideline_checks",
    } <= set(out)
    assert (out["total_income"], out["total_expenditure"]) == ("1850.00", "1700.00")
    assert out["savings_contribution"] == "15.00"
    assert out["available_for_non_priority"] == "85.00"
    assert out["non_priority_shares"] == [
        {"creditor": "Card A", "balance": "1000.00", "amount": "28.33"},
        {"creditor": "Card B", "balance": "2000.00", "amount": "56.67"},
    ]
    assert out["guideline_checks"]["enabled"] is False
    example = drp_json("calc", "affordability", "--file", str(file), "--guidelines", "example")
    assert example["guideline_checks"]["notice"].startswith("example figures")


def test_loaded_guidelines_are_used_by_default(statement_file: Path) -> None:
    from drp_tui.services.policy import example_guidelines_path

    code, _, err = drp("policy", "load-guidelines", str(example_guidelines_path()))
    assert code == 0, err
    out_json = drp_json("calc", "affordability", "--file", str(statement_file))
    assert out_json["guideline_checks"]["enabled"] is True


def test_affordability_bad_files(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"income": ', encoding="utf-8")
    code, _, err = drp("calc", "affordability", "--file", str(broken))
    assert code == 2
    assert "not valid JSON" in err
    code, _, err = drp("calc", "affordability", "--file", str(tmp_path / "none.json"))
    assert code == 2
    assert "does not exist" in err
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"income": {"earnings": 12.5}}', encoding="utf-8")
    code, _, err = drp("calc", "affordability", "--file", str(wrong))
    assert code == 2
    assert "income.earnings" in err


def test_routes() -> None:
    out = drp_json(
        "calc",
        "routes",
        "--debt-type",
        "council_tax",
        "--stage",
        "liability_order",
        "--jurisdiction",
        "wales",
        "--balance",
        "1200",
    )
    by_id = {r["id"]: r for r in out["routes"]}
    assert by_id["attachment_of_earnings"]["open"] is True
    assert by_id["committal"]["open"] is False
    assert by_id["charging_order"]["open"] is True


BAD_INPUT = [
    ("calc aeo --net 12.345 --period weekly", "--net"),
    ("calc aeo --net abc --period weekly", "--net"),
    ("calc aeo --net -5 --period weekly", "--net"),
    ("calc aeo --net 100 --period yearly", "--period"),
    ("calc aeo --net 100 --period weekly --made-on 2026-02-31", "--made-on"),
    ("calc aeo --net 100 --period weekly --jurisdiction scotland", "--jurisdiction"),
    ("calc aeo --period weekly", "--net"),
    ("calc dea --net 1,23,4 --period weekly", "--net"),
    ("calc dea --net 100 --period weekly --priority-deductions 200", "priority deductions"),
    ("calc fees --balance '' --stage sale", "--balance"),
    ("calc fees --balance 100 --stage auction", "--stage"),
    ("calc interest --principal 100 --due 31/02/2024", "--due"),
    ("calc interest --principal 100 --due 2024-01-01 --reference-rate abc", "--reference-rate"),
    ("calc benefit-deduction --benefit jsa --allowance single-25-plus", "--benefit"),
    ("calc benefit-deduction --benefit uc --allowance single", "--allowance"),
    ("calc hb-recovery --disregard five", "--disregard"),
    ("calc schedule --total 100 --frequency daily --first 2026-12-01 --count 2", "--frequency"),
    ("calc schedule --total 100 --frequency weekly --first 2026-12-01 --count two", "--count"),
    (
        "calc schedule --total 100 --frequency weekly --first 2026-12-01 --count 2 "
        "--debt-type mortgage",
        "debt type",
    ),
    ("calc routes --debt-type parking --stage summons", "stage"),
    ("calc aeo --net 100 --period weekly --bogus 1", "--bogus"),
]


@pytest.mark.parametrize(("command", "field"), BAD_INPUT, ids=[c for c, _ in BAD_INPUT])
def test_bad_input_exits_2_with_one_line_naming_the_field(command: str, field: str) -> None:
    code, out, err = drp(*shlex.split(command))
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert field in lines[0]
    assert "Traceback" not in err


def test_broken_policy_tables_exit_1_naming_file_and_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    from drp_tui.services.policy import data_dir

    broken = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", broken)
    path = broken / "dea.toml"
    path.write_text(path.read_text().replace('rate = "higher"', 'rate = "highest"'))
    monkeypatch.setenv("DRP_POLICY_DIR", str(broken))
    for args in (["policy", "check"], ["calc", "dea", "--net", "100", "--period", "weekly"]):
        code, _, err = drp(*args)
        assert code == 1
        assert "dea.toml, row 2" in err
        assert "Traceback" not in err


def test_policy_check_show_and_locate() -> None:
    check = drp_json("policy", "check")
    assert check["valid"] is True
    assert check["rows"] > 50
    shown = drp_json("policy", "show", "--on", "2026-11-22")
    names = {row["name"] for row in shown["rows"]}
    assert "CTAEO England 2007 (orders made from 1 Apr 2007)" in names
    assert "CTAEO 1998 (England and Wales, orders made 1 Oct 1998 - 31 Mar 2007)" not in names
    places = drp_json("locate")
    assert set(places) >= {"config", "policy_dir", "data_home", "sfs_guidelines"}


def test_today_can_be_pinned_for_demos(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRP_TODAY", "2005-06-01")
    out = drp_json("calc", "aeo", "--net", "400", "--period", "weekly")
    assert "1998" in out["table"]


def test_human_output_uses_pounds() -> None:
    code, out, _ = drp("calc", "fees", "--balance", "2000", "--stage", "sale")
    assert code == 0
    assert "£272.50" in out
    assert "£495.00" in out


def test_help_and_version() -> None:
    code, out, _ = drp()
    assert code == 0
    assert "calc" in out
    code, out, _ = drp("--version")
    assert code == 0
    assert out.startswith("drp ")
