"""The fast path of the extract checks (drp_tui.domain.extract_fast) says yes only to a row that
`read_row` accepts without a reject or a warning, and then gives exactly `read_row`'s row: over
every extract in the repository (samples, hostile corpus, the import tests' own rows), the
benchmark's generated rows, and rows hypothesis makes out of awkward values."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from drp_tui.domain.extract import GENERIC_COLUMNS, ExtractMapping, read_row
from drp_tui.domain.extract_fast import FastRows
from drp_tui.services.importer import read_mapping
from drp_tui.services.policy import PolicyBook, data_dir, load_policy
from tests.conftest import REPO
from tests.test_import import GOOD, HEADER

TODAY = date(2026, 11, 23)
BOOK: PolicyBook = load_policy(data_dir() / "policy")
STAGES = {t.id: t.stages for t in BOOK.recovery.debt_types}


def agree(mapping: ExtractMapping, header: list[str], rows: list[list[str]]) -> int:
    """Check every row both ways; how many the fast path took. Declining a row read_row
    would accept is allowed (read_row then reads it): an amount written `£1,212.40`, say."""
    fast = FastRows(mapping, header, STAGES, TODAY)
    taken = 0
    for line, fields in enumerate(rows, start=2):
        raw = dict(zip(header, fields, strict=False))
        for name in header[len(fields) :]:
            raw[name] = None  # type: ignore[assignment]
        slow = read_row(mapping, raw, line, STAGES, TODAY) if len(fields) <= len(header) else None
        quick = fast.read(list(fields), line)
        if quick is not None:
            taken += 1
            assert quick == slow, (fields, quick, slow)
            assert not quick.warnings
    return taken


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    found = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
    return found[0], found[1:]


def test_the_import_tests_rows_and_every_csv_in_the_repository_agree() -> None:
    generic = read_mapping("generic", STAGES)
    header, rows = read_csv("\n".join([HEADER, *GOOD]) + "\n")
    assert agree(generic, header, rows) == 2  # the first has "£1,212.40": read_row reads it
    folders = [REPO / "tests" / "hostile", REPO / "docs", REPO / "data"]
    files = [p for folder in folders for p in folder.rglob("*.csv")]
    assert files
    for path in files:
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except UnicodeDecodeError:
            continue
        header, rows = read_csv(text)
        if not rows:
            continue
        for name in ("generic", *(p.stem for p in (data_dir() / "mappings").glob("*.toml"))):
            agree(read_mapping(name, STAGES), header, rows)


def test_the_benchmark_extract_is_read_by_the_fast_path(tmp_path: Path) -> None:
    from bench.extract import write_extract

    path = tmp_path / "x.csv"
    write_extract(path, 2_000)
    header, rows = read_csv(path.read_text())
    assert agree(read_mapping("generic", STAGES), header, rows) == len(rows)


AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "P1",
        "p1",
        "Khan",
        " Khan ",
        "0",
        "0.00",
        "10",
        "10.5",
        "10.555",
        "-5",
        "+5",
        "£5",
        "1,234.50",
        "\uff11\uff12\uff13",
        "1e3",
        "NaN",
        "2025-10-01",
        "01/10/2025",
        "2025-02-30",
        "2099-01-01",
        "council_tax",
        "CT",
        "parking",
        "summons",
        "liability_order",
        "invoice",
        "charge_certificate",
        "england",
        "WALES",
        "scotland",
        "HT1 2AB",
        "ht12ab",
        "not a postcode",
        "07700 900123",
        "+447700900123",
        "01632 960123",
        "12",
        "a@b.co",
        "not-an-email",
        "Zoë",
        "x" * 50,
    ]
)


# A valid generic row, in GENERIC_COLUMNS order, that hypothesis spoils a few fields of.
VALID = [
    "P1", "Mr", "Aisha", "Khan", "1984-03-12", "a@b.co", "14 Mill Lane", "", "Hightown",
    "HT1 2AB", "07700 900123", "01632 960123", "D1", "council_tax", "2025/26", "100.00",
    "90.00", "80.00", "summons", "2025-10-01", "", "england", "",
]  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(
    st.dictionaries(st.integers(0, len(GENERIC_COLUMNS) - 1), AWKWARD, max_size=4),
    st.integers(-2, 1),
)
def test_a_valid_row_with_a_few_awkward_fields_agrees(spoilt: dict[int, str], width: int) -> None:
    fields = list(VALID)
    for position, value in spoilt.items():
        fields[position] = value
    if width < 0:
        fields = fields[:width]
    elif width > 0:
        fields.append("extra")
    agree(read_mapping("generic", STAGES), list(GENERIC_COLUMNS), [fields])


def test_the_valid_row_is_taken_by_the_fast_path() -> None:
    assert agree(read_mapping("generic", STAGES), list(GENERIC_COLUMNS), [VALID]) == 1


NORTHGATE_AWKWARD = st.sampled_from(
    [
        "",
        " ",
        "LP-1",
        "CTAX",
        "NNDR",
        "LO",
        "R2",
        "15/10/2025",
        "2025-10-15",
        "31/02/2025",
        "1204.55",
        "£1,204.55",
        "80.00",
        "x",
        "LB4 7QT",
        "07700 900321",
        "a@b.co",
        "0",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(NORTHGATE_AWKWARD, min_size=22, max_size=22))
def test_awkward_rows_agree_with_a_mapping_that_has_defaults_and_codes(fields: list[str]) -> None:
    """Northgate-style: a default (jurisdiction), host codes for debt types and stages, and
    UK dates."""
    mapping = read_mapping("northgate-style", STAGES)
    header = (REPO / "docs" / "import" / "northgate-style.csv").read_bytes()
    names = header.decode("windows-1252").splitlines()[0].split(",")
    agree(mapping, names, [fields])
