"""Renewals watched: each table declares how it renews; `drp policy due` lists what is due,
`drp policy check` fails when a calculator's table has no row in force, and `drp calc` warns
when it used a row past its expected renewal."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.errors import PolicyError
from drp_tui.domain.policy import Dated
from drp_tui.domain.renewal import (
    Watched,
    gaps,
    load_renewals,
    next_renewal,
    renewal_state,
    stale_warning,
)
from drp_tui.services.policy import PolicyBook, data_dir, load_policy
from drp_tui.services.renewals import (
    calculator_warnings,
    coverage,
    overdue_renewals,
    renewals_due,
)

runner = CliRunner()


def row(start: date, end: date | None = None) -> Dated:
    return Dated(start, end, "https://example.org")


def table(rule: str, *rows: Dated) -> Watched:
    return Watched("x.toml", "kind", "", rule, rows)  # type: ignore[arg-type]


def drp(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def drp_json(*args: str) -> tuple[int, dict[str, Any]]:
    code, out, _ = drp(*args, "--json")
    payload: dict[str, Any] = json.loads(out)
    return code, payload


# --- the rules (pure) -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "after", "expected"),
    [
        ("april", date(2026, 4, 6), date(2027, 4, 1)),
        ("april", date(2026, 3, 1), date(2026, 4, 1)),
        # a row starting on or just before 1 April (within the 30 days' lead) is that April's
        # uprating: its renewal is the next April, not the day after it starts
        ("april", date(2026, 3, 2), date(2027, 4, 1)),
        ("april", date(2026, 3, 30), date(2027, 4, 1)),
        ("april", date(2026, 3, 31), date(2027, 4, 1)),
        ("april", date(2026, 4, 1), date(2027, 4, 1)),
        ("half-year", date(2026, 1, 1), date(2026, 7, 1)),
        ("half-year", date(2026, 6, 30), date(2026, 7, 1)),
        ("half-year", date(2026, 7, 1), date(2027, 1, 1)),
        ("amendment", date(2026, 7, 1), None),
    ],
)
def test_next_renewal(rule: str, after: date, expected: date | None) -> None:
    assert next_renewal(rule, after) == expected  # type: ignore[arg-type]


def test_an_april_table_is_due_30_days_ahead_and_overdue_from_1_april() -> None:
    uc = table("april", row(date(2025, 4, 7), date(2026, 4, 5)), row(date(2026, 4, 6)))
    assert renewal_state(uc, date(2027, 3, 1)).status == "current"
    assert renewal_state(uc, date(2027, 3, 2)).status == "due"  # 30 days before 1 April
    assert renewal_state(uc, date(2027, 3, 31)).status == "due"
    overdue = renewal_state(uc, date(2027, 4, 1))
    assert (overdue.status, overdue.due_on) == ("overdue", date(2027, 4, 1))


def test_a_half_year_table_is_overdue_the_day_after_its_last_row_ends() -> None:
    rates = table("half-year", row(date(2026, 7, 1), date(2026, 12, 31)))
    assert renewal_state(rates, date(2026, 12, 1)).status == "current"
    assert renewal_state(rates, date(2026, 12, 2)).status == "due"
    state = renewal_state(rates, date(2027, 1, 1))
    assert (state.status, state.due_on) == ("overdue", date(2027, 1, 1))
    assert "its last row ends 2026-12-31" in state.message


def test_an_amendment_table_is_current_until_its_last_row_ends() -> None:
    open_ended = table("amendment", row(date(2014, 4, 6)))
    assert renewal_state(open_ended, date(2099, 1, 1)).status == "current"
    ended = table("amendment", row(date(2014, 4, 6), date(2030, 1, 1)))
    assert renewal_state(ended, date(2030, 1, 1)).status == "current"
    assert renewal_state(ended, date(2030, 1, 2)).status == "overdue"


def test_gaps_between_rows() -> None:
    hb = table(
        "april",
        row(date(2020, 4, 6), date(2021, 4, 11)),
        row(date(2022, 4, 11), date(2023, 4, 9)),
        row(date(2023, 4, 10)),
    )
    assert gaps(hb) == [(date(2021, 4, 12), date(2022, 4, 10))]


def test_a_row_used_after_its_renewal_date_warns_only_while_it_is_the_newest() -> None:
    old, new = row(date(2025, 4, 7)), row(date(2026, 4, 6))
    renewed = table("april", old, new)
    assert stale_warning(renewed, old, date(2026, 4, 2)) is None  # the new row is coming
    assert stale_warning(renewed, new, date(2027, 3, 31)) is None
    warning = stale_warning(renewed, new, date(2027, 4, 1))
    assert warning is not None
    assert "due for renewal on 2027-04-01" in warning


def test_a_renewal_section_with_an_unknown_rule_or_kind_is_refused() -> None:
    doc = {"rate": [{"effective_from": date(2020, 1, 1), "source": "s"}]}
    with pytest.raises(PolicyError, match="rule must be one of"):
        load_renewals({**doc, "renewal": {"rate": "yearly"}}, "f.toml", "f.toml")
    with pytest.raises(PolicyError, match=r"\[\[nothing\]\]"):
        load_renewals({**doc, "renewal": {"nothing": "april"}}, "f.toml", "f.toml")


# --- the shipped tables ---------------------------------------------------------------------


def test_every_calculator_table_declares_how_it_renews(policy: PolicyBook) -> None:
    rules = {(t.file, t.kind): t.rule for t in policy.renewals}
    assert rules[("benefits.toml", "uc_standard_allowance")] == "april"
    assert rules[("benefits.toml", "hb_recovery_unit")] == "april"
    assert rules[("late_payment.toml", "reference_rate")] == "half-year"
    assert rules[("ctaeo.toml", "table")] == "amendment"
    assert {t.group for t in policy.renewals if t.file == "dea.toml" and t.kind == "table"} == {
        "standard",
        "higher",
    }
    assert {t.group for t in policy.renewals if t.file == "ctaeo.toml"} == {"england", "wales"}


def test_today_every_table_has_a_row_and_none_is_overdue(policy: PolicyBook) -> None:
    today = date(2026, 11, 30)
    assert coverage(policy, today).ok
    assert overdue_renewals(policy, today) == []
    assert renewals_due(policy, today) == []


def test_the_supervisor_service_lists_what_is_overdue(policy: PolicyBook) -> None:
    overdue = overdue_renewals(policy, date(2027, 4, 2))
    assert {(s.table.file, s.table.kind) for s in overdue} == {
        ("late_payment.toml", "reference_rate"),
        ("benefits.toml", "uc_standard_allowance"),
        ("benefits.toml", "legacy_council_tax_deduction"),
        ("benefits.toml", "hb_recovery_unit"),
    }


def test_calc_warnings_for_a_row_used_past_its_renewal(policy: PolicyBook) -> None:
    assert calculator_warnings(policy, "benefit-deduction-uc", date(2027, 3, 31)) == []
    later = calculator_warnings(policy, "benefit-deduction-uc", date(2027, 4, 1))
    assert len(later) == 1
    assert "uc_standard_allowance" in later[0]
    assert calculator_warnings(policy, "aeo", date(2099, 1, 1), "wales") == []


# --- the commands ---------------------------------------------------------------------------


def test_policy_due_lists_due_and_overdue_tables() -> None:
    code, payload = drp_json("policy", "due", "--on", "2027-04-02")
    assert code == 0
    assert payload["on"] == "2027-04-02"
    uc = next(t for t in payload["tables"] if t["table"] == "uc_standard_allowance")
    assert uc == {
        "file": "benefits.toml",
        "table": "uc_standard_allowance",
        "group": None,
        "renews": "april",
        "status": "overdue",
        "due_on": "2027-04-01",
        "newest_from": "2026-04-06",
    }
    code, payload = drp_json("policy", "due", "--on", "2026-12-02")
    assert [(t["table"], t["status"]) for t in payload["tables"]] == [("reference_rate", "due")]


def test_policy_due_says_when_nothing_is_due() -> None:
    code, out, _ = drp("policy", "due", "--on", "2026-11-30")
    assert code == 0
    assert "nothing due" in out


def test_policy_check_passes_today_and_fails_when_a_table_has_run_out() -> None:
    code, payload = drp_json("policy", "check", "--on", "2026-11-30")
    assert (code, payload["valid"], payload["problems"]) == (0, True, [])
    code, payload = drp_json("policy", "check", "--on", "2027-01-01")
    assert (code, payload["valid"]) == (1, False)
    assert payload["problems"] == [
        "late_payment.toml [[reference_rate]]: no row in force on 2027-01-01"
    ]
    code, _, err = drp("policy", "check", "--on", "2027-01-01")
    assert code == 1
    assert "reference_rate" in err


def test_policy_check_fails_on_a_gap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    copy = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", copy)
    path = copy / "benefits.toml"
    text = path.read_text(encoding="utf-8")
    hb_2021 = "effective_from = 2021-04-01\neffective_to = 2022-03-31\n"
    assert text.count(hb_2021) == 1
    path.write_text(
        text.replace(hb_2021, "effective_from = 2021-04-01\neffective_to = 2022-03-20\n")
    )
    monkeypatch.setenv("DRP_POLICY_DIR", str(copy))
    load_policy.cache_clear()
    code, payload = drp_json("policy", "check", "--on", "2026-11-30")
    assert code == 1
    assert payload["problems"] == [
        "benefits.toml [[hb_recovery_unit]]: no row in force from 2022-03-21 to 2022-03-31"
    ]


def test_calc_json_carries_the_renewal_warning() -> None:
    code, out = drp_json(
        "calc",
        "benefit-deduction",
        "--benefit",
        "uc",
        "--allowance",
        "single-25-plus",
        "--on",
        "2027-05-01",
    )
    assert code == 0
    assert any("due for renewal on 2027-04-01" in w for w in out["warnings"])
    code, now = drp_json("calc", "hb-recovery", "--on", "2026-11-30")
    assert not any("renewal" in w for w in now["warnings"])
    code, later = drp_json("calc", "hb-recovery", "--on", "2027-04-01")
    assert any("hb_recovery_unit" in w for w in later["warnings"])


# --- review of issue 17 ---------------------------------------------------------------------


def test_review_4_an_april_row_from_30_march_is_not_overdue_at_once() -> None:
    hb = table("april", row(date(2025, 4, 1), date(2026, 3, 29)), row(date(2026, 3, 30)))
    assert renewal_state(hb, date(2026, 4, 2)).status == "current"
    assert stale_warning(hb, hb.newest, date(2026, 4, 2)) is None
    assert renewal_state(hb, date(2027, 4, 1)).status == "overdue"


def _copy_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", copy)
    monkeypatch.setenv("DRP_POLICY_DIR", str(copy))
    load_policy.cache_clear()
    return copy


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_review_3_removing_a_renewal_declaration_is_an_error_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = _copy_policy(tmp_path, monkeypatch)
    _edit(copy / "late_payment.toml", 'reference_rate = "half-year"\n', "")
    code, out, err = drp("policy", "check", "--on", "2027-01-01")
    load_policy.cache_clear()
    assert (code, out) == (1, "")
    assert "late_payment.toml" in err
    assert "reference_rate" in err
    assert "[renewal]" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    ("file", "kind"), [("recovery.toml", "route"), ("affordability.toml", "savings_contribution")]
)
def test_review_3_every_calculator_file_declares_its_renewal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, file: str, kind: str
) -> None:
    from drp_tui.domain.renewal import CALCULATOR_TABLES

    assert (file, kind) in {t for tables in CALCULATOR_TABLES.values() for t in tables}
    copy = _copy_policy(tmp_path, monkeypatch)
    _edit(copy / file, "[renewal]\n", "[renewal_removed]\n")
    code, _, err = drp("policy", "check")
    load_policy.cache_clear()
    assert code == 1
    assert file in err


def test_review_3_by_must_name_a_field_of_every_row() -> None:
    doc = {"rate": [{"effective_from": date(2020, 1, 1), "source": "s", "rate": "standard"}]}
    with pytest.raises(PolicyError, match="nosuchfield"):
        load_renewals(
            {**doc, "renewal": {"rate": {"rule": "april", "by": "nosuchfield"}}}, "f.toml", "f.toml"
        )
    assert load_renewals(
        {**doc, "renewal": {"rate": {"rule": "april", "by": "rate"}}}, "f.toml", "f.toml"
    )


def test_review_6_a_table_that_starts_later_is_not_required_before() -> None:
    _, payload = drp_json("policy", "check", "--on", "2015-01-01")
    assert not any("dea.toml" in p for p in payload["problems"])
    doc = {"rate": [{"effective_from": date(2015, 4, 6), "source": "s", "rate": "higher"}]}
    (watched,) = load_renewals(
        {
            **doc,
            "renewal": {
                "rate": {"rule": "amendment", "by": "rate", "starts": {"higher": date(2015, 4, 6)}}
            },
        },
        "f.toml",
        "f.toml",
    )
    assert watched.starts == date(2015, 4, 6)
    with pytest.raises(PolicyError, match="starts"):
        load_renewals(
            {**doc, "renewal": {"rate": {"rule": "amendment", "starts": "soon"}}},
            "f.toml",
            "f.toml",
        )


def test_calc_routes_and_affordability_warn_of_a_row_past_its_renewal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every calculator, these two included, says when it used a row past its renewal: here
    a council that renews its recovery routes and savings rule each April."""
    council = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", council)
    for name, kinds in (
        ("recovery.toml", ('debt_type = "amendment"', 'route = "amendment"')),
        ("affordability.toml", ('savings_contribution = "amendment"',)),
    ):
        path = council / name
        text = path.read_text(encoding="utf-8")
        for kind in kinds:
            text = text.replace(kind, kind.replace('"amendment"', '"april"'))
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("DRP_POLICY_DIR", str(council))
    statement = tmp_path / "statement.json"
    statement.write_text('{"income": {"benefits": "900"}}', encoding="utf-8")
    for args, table in (
        (("routes", "--debt-type", "council_tax", "--stage", "liability_order"), "route"),
        (("affordability", "--file", str(statement)), "savings_contribution"),
    ):
        code, payload = drp_json("calc", *args, "--on", "2030-06-01", "--json")
        assert code == 0, payload
        assert any(table in w and "renew" in w for w in payload["warnings"]), payload
