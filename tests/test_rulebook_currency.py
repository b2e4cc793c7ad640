"""Issue 17: every figure in force today, both sides of each new row's dates and bands, and the
statutes' edge cases. One test per numbered finding fails on the code before the fix."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.domain.attachment import ctaeo_deduction, dea_deduction
from drp_tui.domain.benefits import council_tax_benefit_deduction, hb_recovery_rate
from drp_tui.domain.errors import NoFigureError
from drp_tui.domain.interest import late_payment_interest
from drp_tui.domain.recovery import recovery_routes
from drp_tui.domain.schedule import build_schedule
from drp_tui.services.policy import PolicyBook, load_policy

D = Decimal
TODAY = date(2026, 11, 30)
runner = CliRunner()


def drp(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def drp_json(*args: str) -> dict[str, Any]:
    code, out, err = drp(*args, "--json")
    assert code == 0, err
    payload: dict[str, Any] = json.loads(out)
    return payload


# 1. Universal Credit standard allowances 2026/27 -------------------------------------------


def test_finding_1_uc_deduction_today_uses_the_2026_27_allowance(policy: PolicyBook) -> None:
    result = council_tax_benefit_deduction(
        policy.benefits, benefit="uc", allowance="single-25-plus", on=TODAY
    )
    assert result.deduction == D("21.25")  # 5% of £424.90, not 5% of £400.14 (£20.01)
    assert "2026/27" in result.basis


@pytest.mark.parametrize(
    ("allowance", "before", "from_april"),
    [
        ("single-under-25", "15.85", "16.93"),
        ("single-25-plus", "20.01", "21.25"),
        ("couple-under-25", "24.88", "26.42"),
        ("couple-25-plus", "31.41", "33.35"),
    ],
)
def test_uc_allowance_rows_change_on_6_april_2026(
    policy: PolicyBook, allowance: str, before: str, from_april: str
) -> None:
    def on(day: date) -> Decimal:
        return council_tax_benefit_deduction(
            policy.benefits,
            benefit="uc",
            allowance=allowance,  # type: ignore[arg-type]
            on=day,
        ).deduction

    assert on(date(2026, 4, 5)) == D(before)
    assert on(date(2026, 4, 6)) == D(from_april)


# 2. Late payment reference rates for 2026 ---------------------------------------------------


def test_finding_2_interest_on_a_debt_due_in_2026_needs_no_reference_rate() -> None:
    out = drp_json(
        "calc", "interest", "--principal", "1000", "--due", "2026-02-01", "--on", "2026-03-03"
    )
    assert (out["rate_percent"], out["reference_rate_from"]) == (11.75, "H1 2026")
    assert out["interest"] == "9.60"


@pytest.mark.parametrize(
    ("due", "rate", "half"),
    [
        (date(2025, 12, 30), "4.25", "H2 2025"),  # falls late 31 Dec 2025
        (date(2025, 12, 31), "3.75", "H1 2026"),  # falls late 1 Jan 2026
        (date(2026, 6, 29), "3.75", "H1 2026"),
        (date(2026, 6, 30), "3.75", "H2 2026"),
        (date(2026, 12, 30), "3.75", "H2 2026"),
    ],
)
def test_reference_rate_rows_for_2026(policy: PolicyBook, due: date, rate: str, half: str) -> None:
    result = late_payment_interest(
        policy.interest, principal=D("1000"), due=due, on=date(2027, 1, 1)
    )
    assert (result.reference_rate_percent, result.reference_rate_from) == (D(rate), half)


def test_a_debt_falling_late_in_2027_still_asks_for_the_rate() -> None:
    code, _, err = drp(
        "calc", "interest", "--principal", "1000", "--due", "2026-12-31", "--on", "2027-01-05"
    )
    assert code == 1  # no figure in force: a refusal, not bad input
    assert "--reference-rate" in err


# 3. HB overpayment recovery: no gaps, 2026/27, rounding; legacy deduction 2026/27 ------------


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        (date(2021, 3, 31), "11.25"),
        (date(2021, 4, 12), "11.25"),  # the gap that used to error
        (date(2022, 3, 31), "11.25"),
        (date(2022, 4, 1), "11.55"),
        (date(2023, 3, 31), "11.55"),
        (date(2023, 4, 10), "12.75"),  # the second gap
        (date(2024, 3, 31), "12.75"),
        (date(2024, 4, 1), "13.65"),
        (date(2026, 3, 31), "13.95"),
        (date(2026, 4, 1), "14.40"),
    ],
)
def test_finding_3_hb_recovery_has_a_row_every_day(
    policy: PolicyBook, on: date, expected: str
) -> None:
    assert hb_recovery_rate(policy.benefits, fraud=False, on=on).weekly_max == D(expected)


def test_hb_recovery_2026_27_fraud_rate(policy: PolicyBook) -> None:
    assert hb_recovery_rate(policy.benefits, fraud=True, on=TODAY).weekly_max == D("24.00")


@pytest.mark.parametrize(
    ("allowance", "unit"),
    [("92.05", "4.65"), ("95.55", "4.80"), ("77.00", "3.85"), ("90.50", "4.55"), ("84.80", "4.25")],
)
def test_hb_unit_is_five_percent_to_the_next_higher_5p(allowance: str, unit: str) -> None:
    from drp_tui.domain.benefits import hb_recovery_unit_from

    assert hb_recovery_unit_from(D(allowance)) == D(unit)


def test_legacy_deduction_row_for_2026_27(policy: PolicyBook) -> None:
    def weekly(on: date) -> Decimal:
        return council_tax_benefit_deduction(
            policy.benefits, benefit="legacy", allowance="single-25-plus", on=on
        ).deduction

    assert (weekly(date(2026, 4, 5)), weekly(date(2026, 4, 6))) == (D("4.65"), D("4.80"))


# 4. DEA higher rate from 6 April 2015 -------------------------------------------------------


def test_finding_4_no_dea_higher_rate_before_6_april_2015(policy: PolicyBook) -> None:
    with pytest.raises(NoFigureError, match="2015-04-06"):
        dea_deduction(policy.dea, net=D("600"), period="weekly", higher=True, on=date(2015, 4, 5))
    used = dea_deduction(
        policy.dea, net=D("600"), period="weekly", higher=True, on=date(2015, 4, 6)
    )
    assert used.rate_percent == 40
    standard = dea_deduction(policy.dea, net=D("600"), period="weekly", on=date(2015, 4, 5))
    assert standard.rate_percent == 20


def test_dea_higher_before_2015_is_a_one_line_refusal() -> None:
    code, out, err = drp(
        "calc", "dea", "--net", "600", "--period", "weekly", "--higher", "--on", "2014-06-01"
    )
    assert (code, out) == (1, "")
    assert "no DEA higher-rate table was in force on 2014-06-01" in err
    assert "unexpected" not in err
    assert len(err.strip().splitlines()) == 1


# 5. Bankruptcy at £5,000 or more; winding-up over £750 ---------------------------------------


def open_ids(policy: PolicyBook, debt_type: str, balance: str, on: date = TODAY) -> set[str]:
    checks = recovery_routes(
        policy.recovery,
        debt_type=debt_type,
        stage="liability_order",
        jurisdiction="england",
        balance=D(balance),
        on=on,
    )
    return {c.id for c in checks if c.open}


def test_finding_5_bankruptcy_is_open_at_exactly_5000(policy: PolicyBook) -> None:
    assert "bankruptcy" in open_ids(policy, "council_tax", "5000.00")
    assert "bankruptcy" not in open_ids(policy, "council_tax", "4999.99")


def test_bankruptcy_level_was_750_before_october_2015(policy: PolicyBook) -> None:
    assert "bankruptcy" in open_ids(policy, "council_tax", "750.00", on=date(2015, 9, 30))
    assert "bankruptcy" not in open_ids(policy, "council_tax", "749.99", on=date(2015, 9, 30))
    assert "bankruptcy" not in open_ids(policy, "council_tax", "750.00", on=date(2015, 10, 1))


def test_winding_up_is_its_own_route_over_750_for_business_rates(policy: PolicyBook) -> None:
    assert "winding_up" not in open_ids(policy, "business_rates", "750.00")
    assert "winding_up" in open_ids(policy, "business_rates", "750.01")
    assert "winding_up" not in open_ids(policy, "council_tax", "9000")
    checks = recovery_routes(
        policy.recovery,
        debt_type="business_rates",
        stage="liability_order",
        jurisdiction="england",
        balance=D("750"),
        on=TODAY,
    )
    reason = next(c.reason for c in checks if c.id == "winding_up")
    assert reason == "balance not over £750.00"


# 6. Attachment of earnings: fortnightly and four-weekly pay; per authority ------------------


def test_finding_6_aeo_takes_fortnightly_pay() -> None:
    out = drp_json(
        "calc", "aeo", "--net", "1000", "--period", "fortnightly", "--made-on", "2026-11-01"
    )
    assert (out["deduction"], out["rate_percent"]) == ("170.00", 17)  # 17% of £500, twice
    assert "weekly equivalent £500.00" in out["band"]


@pytest.mark.parametrize(
    ("net", "period", "expected"),
    [
        ("710.00", "fortnightly", "85.20"),  # £355.00 a week: 12%
        ("710.02", "fortnightly", "120.70"),  # £355.01 a week: 17% (60.3517 x 2)
        ("1200", "fortnightly", "266.70"),  # £600 a week: 17% of £505 + 50% of £95, twice
        ("300.00", "four-weekly", "0.00"),  # £75.00 a week: 0%
        ("300.04", "four-weekly", "9.00"),  # £75.01 a week: 3% (2.2503 x 4)
        ("2000", "four-weekly", "340.00"),  # £500 a week: 17%, four times
    ],
)
def test_aeo_fortnightly_and_four_weekly_bands(
    policy: PolicyBook, net: str, period: str, expected: str
) -> None:
    result = ctaeo_deduction(
        policy.ctaeo,
        net=D(net),
        period=period,  # type: ignore[arg-type]
        made_on=date(2026, 11, 1),
    )
    assert result.deduction == D(expected)


def test_second_order_warning_says_the_limit_is_per_authority(policy: PolicyBook) -> None:
    result = ctaeo_deduction(
        policy.ctaeo,
        net=D("400"),
        period="weekly",
        made_on=date(2026, 11, 1),
        earlier_order_deduction=D("68"),
    )
    assert any("from one authority" in w for w in result.warnings)


def test_wales_2022_default_keeps_the_table_of_the_order_date(policy: PolicyBook) -> None:
    result = ctaeo_deduction(
        policy.ctaeo,
        net=D("400"),
        period="weekly",
        made_on=date(2021, 6, 1),
        jurisdiction="wales",
        on=TODAY,
    )
    assert "Wales 2007" in result.table
    assert any("SI 2022/107" in w for w in result.warnings)


def test_wales_2022_setting_applies_the_new_table_to_every_deduction(tmp_path: Path) -> None:
    import shutil

    from drp_tui.services.policy import data_dir

    copy = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", copy)
    path = copy / "ctaeo.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(
            'wales_2022_applies_to = "orders-made-from"',
            'wales_2022_applies_to = "deductions-from"',
        ),
        encoding="utf-8",
    )
    load_policy.cache_clear()
    book = load_policy(copy)
    result = ctaeo_deduction(
        book.ctaeo,
        net=D("400"),
        period="weekly",
        made_on=date(2021, 6, 1),
        jurisdiction="wales",
        on=TODAY,
    )
    assert "Wales 2022" in result.table


def test_england_2007_row_cites_si_2007_501_for_the_355_edge(policy: PolicyBook) -> None:
    england = next(t for t in policy.ctaeo.tables if "England 2007" in t.name)
    assert "SI 2007/501" in england.dated.note


# 7. Enforcement fees before 6 April 2014 ------------------------------------------------------


def test_finding_7_fees_before_april_2014_are_refused_in_one_line() -> None:
    code, out, err = drp(
        "calc", "fees", "--balance", "2000", "--stage", "enforcement", "--on", "2014-04-05"
    )
    assert (code, out) == (1, "")
    assert "no enforcement agent fee scale was in force on 2014-04-05" in err
    assert "unexpected" not in err
    assert len(err.strip().splitlines()) == 1


def test_fees_on_6_april_2014_use_the_2014_scale() -> None:
    out = drp_json(
        "calc", "fees", "--balance", "2000", "--stage", "enforcement", "--on", "2014-04-06"
    )
    assert out["total"] == "347.50"


# 8. Schedules: the first payment limit is about the date chosen ---------------------------------


def test_finding_8_a_first_date_inside_the_limit_rolled_past_a_bank_holiday_is_not_late(
    policy: PolicyBook,
) -> None:
    today = date(2026, 11, 27)  # the 28-day limit is Friday 25 December 2026
    inside = build_schedule(
        policy.arrangements,
        total=D("100"),
        frequency="monthly",
        first=date(2026, 12, 25),
        count=2,
        today=today,
    )
    assert inside.instalments[0].due == date(2026, 12, 29)  # after Christmas and Boxing Day
    assert "first_payment_late" not in [f.code for f in inside.warnings]
    beyond = build_schedule(
        policy.arrangements,
        total=D("100"),
        frequency="monthly",
        first=date(2026, 12, 26),
        count=2,
        today=today,
    )
    assert "first_payment_late" in [f.code for f in beyond.warnings]


# Review of issue 17 -------------------------------------------------------------------------

# Only these publish the figures themselves: legislation, the government's own pages (the DWP's
# rates papers and guidance) and the Bank of England. A council's, a charity's or a firm's page
# (even a *.gov.uk council) is a report of them.
PRIMARY_HOSTS = {"legislation.gov.uk", "gov.uk", "bankofengland.co.uk", "dwp.gov.uk"}
# The files holding statutory figures (amounts, rates, bands, thresholds). Not arrangements.toml
# or recovery.toml's descriptive rows: a council's own policy and practice, cited from council
# pages as examples.
FIGURE_FILES = (
    "benefits.toml",
    "late_payment.toml",
    "dea.toml",
    "ctaeo.toml",
    "enforcement_fees.toml",
    "affordability.toml",
)


def _figure_rows() -> list[tuple[str, str, dict[str, Any]]]:
    import tomllib

    from drp_tui.services.policy import data_dir

    found = []
    for name in FIGURE_FILES:
        doc = tomllib.loads((data_dir() / "policy" / name).read_text(encoding="utf-8"))
        for kind, rows in doc.items():
            if isinstance(rows, list):
                found += [(name, kind, row) for row in rows if "source" in row]
    return found


def _host(url: str) -> str:
    from urllib.parse import urlparse

    host = urlparse(url).hostname or ""
    return host.removeprefix("www.")


def test_review_1_no_row_from_a_secondary_source_is_confirmed() -> None:
    wrong = [
        f"{name} [[{kind}]] {row.get('name')!r} ({_host(row['source'])})"
        for name, kind, row in _figure_rows()
        if _host(row["source"]) not in PRIMARY_HOSTS
        and row.get("status", "confirmed") == "confirmed"
    ]
    assert wrong == []


@pytest.mark.parametrize(
    ("file", "row_name"),
    [
        ("late_payment.toml", "H1 2022"),
        ("late_payment.toml", "H2 2022"),
        ("late_payment.toml", "H1 2023"),
        ("late_payment.toml", "H2 2023"),
        ("late_payment.toml", "H1 2024"),
        ("benefits.toml", "HB recovery 2022/23"),
        ("benefits.toml", "HB recovery 2024/25"),
        ("benefits.toml", "Legacy benefit council tax deduction 2024/25"),
        ("benefits.toml", "UC council tax deduction"),
        ("benefits.toml", "UC overall deductions cap 40%"),
        ("benefits.toml", "UC overall deductions cap 30%"),
        ("benefits.toml", "UC Fair Repayment Rate cap 15%"),
        ("dea.toml", "DEA standard rate"),  # gov.uk guidance, not SI 2013/384 Schedule 2
    ],
)
def test_review_1_rows_read_second_hand_say_so_and_what_was_read(file: str, row_name: str) -> None:
    row = next(r for n, _, r in _figure_rows() if n == file and r.get("name") == row_name)
    assert row.get("status") == "unconfirmed"
    assert "not read" in row.get("note", "")
    docs = (Path(__file__).parent.parent / "docs" / "policy.md").read_text(encoding="utf-8")
    section = docs.split("## Figures not confirmed")[1].split("\n## ")[0]
    assert row_name in section


# 2. Every "no figure in force" refusal exits 1 in one line naming the table ------------------


@pytest.mark.parametrize(
    ("args", "table"),
    [
        (
            (
                "benefit-deduction",
                "--benefit",
                "uc",
                "--allowance",
                "single-25-plus",
                "--on",
                "2025-04-06",
            ),
            "uc_standard_allowance",
        ),
        (
            (
                "benefit-deduction",
                "--benefit",
                "legacy",
                "--allowance",
                "single-25-plus",
                "--on",
                "2020-01-01",
            ),
            "legacy_council_tax_deduction",
        ),
        (("hb-recovery", "--on", "2020-03-31"), "hb_recovery_unit"),
        # --on: by default it is today (30 Nov 2026), before the due date: bad input (exit 2)
        (
            ("interest", "--principal", "100", "--due", "2026-12-31", "--on", "2027-01-05"),
            "reference_rate",
        ),
        (
            (
                "interest",
                "--principal",
                "100",
                "--due",
                "2000-01-01",
                "--reference-rate",
                "5",
                "--on",
                "2000-02-01",
            ),
            "statutory_margin",
        ),
        (("aeo", "--net", "300", "--period", "weekly", "--made-on", "1998-09-30"), "ctaeo.toml"),
        (
            (
                "routes",
                "--debt-type",
                "council_tax",
                "--stage",
                "liability_order",
                "--on",
                "1980-01-01",
            ),
            "debt_type",
        ),
        (
            ("dea", "--net", "300", "--period", "weekly", "--higher", "--on", "2015-01-01"),
            "DEA higher-rate table",
        ),
        (
            ("dea", "--net", "300", "--period", "weekly", "--on", "2013-01-01"),
            "DEA standard-rate table",
        ),
        (("fees", "--balance", "100", "--stage", "compliance", "--on", "2014-01-01"), "fee scale"),
        (
            (
                "schedule",
                "--total",
                "100",
                "--frequency",
                "monthly",
                "--first",
                "2000-01-10",
                "--count",
                "2",
                "--on",
                "2000-01-01",
            ),
            "arrangements.toml",
        ),
    ],
)
def test_review_2_no_figure_in_force_is_a_one_line_refusal_exit_1(
    args: tuple[str, ...], table: str
) -> None:
    code, out, err = drp("calc", *args)
    assert (code, out) == (1, ""), err
    assert table in err
    assert "unexpected" not in err
    assert len(err.strip().splitlines()) == 1


# 4. HB recovery rows start when HB is uprated (1 April) --------------------------------------


@pytest.mark.parametrize(
    ("on", "unit"),
    [
        (date(2024, 3, 31), "4.25"),
        (date(2024, 4, 1), "4.55"),
        (date(2024, 4, 3), "4.55"),  # the reviewer's case: was 4.25
        (date(2025, 3, 31), "4.55"),
        (date(2025, 4, 1), "4.65"),
        (date(2026, 3, 31), "4.65"),
        (date(2026, 4, 1), "4.80"),
        (date(2020, 4, 1), "3.75"),
    ],
)
def test_review_4_hb_recovery_rows_start_on_1_april(
    policy: PolicyBook, on: date, unit: str
) -> None:
    assert hb_recovery_rate(policy.benefits, fraud=False, on=on).unit == D(unit)


def test_review_4_hb_row_note_says_what_the_dating_relies_on(policy: PolicyBook) -> None:
    rows = [r for n, k, r in _figure_rows() if k == "hb_recovery_unit"]
    assert all(r["effective_from"].month == 4 and r["effective_from"].day == 1 for r in rows)
    assert all("first Monday" in r.get("note", "") for r in rows)


# 5. Legacy deduction: 5% rounded to the next higher 5p (SI 1988/522 reg 11) --------------------


@pytest.mark.parametrize(
    ("on", "weekly"),
    [
        (date(2025, 4, 6), "4.55"),  # 5% of £90.50 = £4.525
        (date(2025, 4, 7), "4.65"),  # 5% of £92.05 = £4.6025: up, not to the nearest (£4.60)
        (date(2026, 4, 5), "4.65"),
        (date(2026, 4, 6), "4.80"),  # 5% of £95.55 = £4.7775
    ],
)
def test_review_5_legacy_deduction_rounds_up_to_the_next_5p(
    policy: PolicyBook, on: date, weekly: str
) -> None:
    result = council_tax_benefit_deduction(
        policy.benefits, benefit="legacy", allowance="single-25-plus", on=on
    )
    assert result.deduction == D(weekly)


# 6. calc aeo refuses a pay day before the order was made --------------------------------------


def test_review_6_aeo_pay_day_before_the_order_is_refused() -> None:
    code, out, err = drp(
        "calc",
        "aeo",
        "--net",
        "300",
        "--period",
        "weekly",
        "--made-on",
        "2026-05-01",
        "--on",
        "2026-04-30",
    )
    assert (code, out) == (2, "")
    assert "--on" in err
    assert "2026-05-01" in err
    assert len(err.strip().splitlines()) == 1
