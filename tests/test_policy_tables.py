"""The policy loader refuses broken tables and names the file and row at fault."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from drp_tui.domain.errors import PolicyError
from drp_tui.services.policy import POLICY_FILES, data_dir, load_policy


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    target = tmp_path / "policy"
    shutil.copytree(data_dir() / "policy", target)
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def load_error(directory: Path) -> str:
    load_policy.cache_clear()
    with pytest.raises(PolicyError) as caught:
        load_policy(directory)
    return str(caught.value)


def test_every_shipped_table_loads_with_a_source(policy_copy: Path) -> None:
    book = load_policy(policy_copy)
    assert {p.name for p in policy_copy.iterdir()} == {f for f, _ in POLICY_FILES.values()}
    for row in book.ctaeo.tables + book.dea.tables:
        assert row.dated.source.startswith("http")


@pytest.mark.parametrize(
    ("filename", "old", "new", "expected"),
    [
        (
            "ctaeo.toml",
            '{ up_to = "135.00", rate = 3 }, { up_to = "185.00", rate = 5 }',
            '{ up_to = "135.00", rate = 3 }, { up_to = "125.00", rate = 5 }',
            r"ctaeo\.toml, row 2: weekly band 3: up_to £125\.00 must be above",
        ),
        (
            "dea.toml",
            '{ up_to = "160.00", rate = 3 }',
            '{ up_to = "160.00", rate = 103 }',
            r"dea\.toml, row 1: 'weekly band 2 rate' must be a rate from 0 to 100",
        ),
        (
            "ctaeo.toml",
            '{ rate = 17, excess_rate = 50 },\n]\nmonthly = [\n  { up_to = "300.00"',
            '{ up_to = "600.00", rate = 17 },\n]\nmonthly = [\n  { up_to = "300.00"',
            r"ctaeo\.toml, row 2: weekly band 7: the top band must be open",
        ),
        (
            "late_payment.toml",
            "effective_to = 2022-06-30",
            "effective_to = 2022-07-31",
            r"late_payment\.toml, row 2: overlaps row 1",
        ),
        (
            "benefits.toml",
            "effective_from = 2019-10-01",
            "effective_from = 2013-04-29",
            r"benefits\.toml, row 2: overlaps row 1",
        ),
        (
            "enforcement_fees.toml",
            'source = "http://www.legislation.gov.uk/uksi/2014/1/contents"\n',
            "",
            r"enforcement_fees\.toml, row 1: missing 'source'",
        ),
        (
            "holds.toml",
            '"add_charges", "queue"]\n\n[[hold]]\nkind = "mental',
            '"add_charges", "queue", "shout"]\n\n[[hold]]\nkind = "mental',
            r"holds\.toml, row 1: 'refuses' has unknown shout",
        ),
        (
            "recovery.toml",
            'from_stage = "liability_order"\nmax_concurrent = 2',
            'from_stage = "ccj"\nmax_concurrent = 2',
            r"recovery\.toml, row \d+: from_stage 'ccj'",
        ),
        (
            "calling_hours.toml",
            'monday = ["08:00", "21:00"]',
            'monday = ["21:00", "08:00"]',
            r"calling_hours\.toml, row 1: monday: calls must end after they start",
        ),
        (
            "arrangements.toml",
            "effective_from = 2013-04-01",
            'effective_from = "2013-02-31"',
            r"arrangements\.toml, row 1: .*not a real date",
        ),
        (
            "arrangements.toml",
            "effective_from = 2013-04-01",
            "effective_from = 2013-02-31",
            r"arrangements\.toml: not valid TOML: Invalid date .*line 7",
        ),
        (
            "outcome_codes.toml",
            'class = "success"',
            'class = "great"',
            r"outcome_codes\.toml, row 1: class must be one of",
        ),
        (
            "arrangements.toml",
            'apply_order = ["council_tax", "business_rates"',
            'apply_order = ["council tax", "business_rates"',
            r"arrangements\.toml, row 1: apply_order: 'council tax' is not a debt type",
        ),
        (
            "affordability.toml",
            'percent_of_surplus = "10"',
            "percent_of_surplus = 10.5",
            r"affordability\.toml, row 1: 'percent_of_surplus' must be a rate",
        ),
        ("dea.toml", "[[table]]\nname", "[[table]\nname", r"dea\.toml: not valid TOML"),
        (
            "arrangements.toml",
            'promise_minimum = "5.00"\n',
            "",
            r"arrangements\.toml, row 1: missing 'promise_minimum'",
        ),
        (
            "writeoff.toml",
            "uneconomic = []\n",
            "",
            r"writeoff\.toml, row 1: \[reasons.evidence\] must list every reason code",
        ),
        (
            "writeoff.toml",
            'untraceable = ["tracing_done"]',
            'untraceable = ["tracing"]',
            r"writeoff\.toml, row 1: \[reasons.evidence\] untraceable must list fields",
        ),
    ],
)
def test_broken_tables_name_file_and_row(
    policy_copy: Path, filename: str, old: str, new: str, expected: str
) -> None:
    edit(policy_copy / filename, old, new)
    assert re.search(expected, load_error(policy_copy)), load_error(policy_copy)


def test_a_missing_file_is_named(policy_copy: Path) -> None:
    (policy_copy / "holds.toml").unlink()
    assert re.search(r"holds\.toml: file not found", load_error(policy_copy))


def test_a_new_years_figures_are_one_added_row(policy_copy: Path) -> None:
    from datetime import date

    from drp_tui.domain.benefits import hb_recovery_rate

    with (policy_copy / "benefits.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            '\n[[hb_recovery_unit]]\nname = "HB recovery 2027/28"\n'
            'effective_from = 2027-04-05\nsource = "https://example.org/council"\n'
            'weekly = "4.95"\n'
        )
    load_policy.cache_clear()
    book = load_policy(policy_copy)
    assert (
        str(hb_recovery_rate(book.benefits, fraud=False, on=date(2027, 5, 1)).weekly_max) == "14.85"
    )
    assert (
        str(hb_recovery_rate(book.benefits, fraud=False, on=date(2027, 3, 1)).weekly_max) == "14.40"
    )
