from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from drp_tui.domain.dates import financial_year_end, is_working_day, next_working_day, parse_date
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import format_money, money_from_data, money_text, parse_money, to_money


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1234.5", "1234.50"),
        ("£1,234.50", "1234.50"),
        (" 1,234 ", "1234.00"),
        ("0.5", "0.50"),
        (".75", "0.75"),
        ("£ 12", "12.00"),
        ("1,000,000.00", "1000000.00"),
        ("0", "0.00"),
    ],
)
def test_parse_money_accepts_what_officers_type(typed: str, expected: str) -> None:
    assert parse_money(typed, "amount") == Decimal(expected)


@pytest.mark.parametrize(
    "typed",
    [
        "12.345",
        "1,23,4",
        "abc",
        "",
        "   ",
        "£",
        "1.2.3",
        "12,34",
        "1,2345",
        "£-",
        "--5",
        "1e3",
        "NaN",
    ],
)
def test_parse_money_rejects_with_field_and_example(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_money(typed, "net earnings")
    assert caught.value.field == "net earnings"
    assert "1234.50" in caught.value.message or "£1,234.50" in caught.value.message


def test_negative_amounts_only_where_allowed() -> None:
    with pytest.raises(InputError, match="must not be negative"):
        parse_money("-5", "payment")
    assert parse_money("-£5.10", "adjustment", allow_negative=True) == Decimal("-5.10")
    assert parse_money("£-5.10", "adjustment", allow_negative=True) == Decimal("-5.10")


def test_money_from_data_refuses_floats_and_accepts_strings_and_ints() -> None:
    assert money_from_data("£1,200", "income") == Decimal("1200.00")
    assert money_from_data(40, "income") == Decimal("40.00")
    with pytest.raises(InputError, match="strings"):
        money_from_data(12.5, "income")
    with pytest.raises(InputError):
        money_from_data(True, "income")


def test_rounding_is_half_up_to_the_penny() -> None:
    assert to_money(Decimal("31.405")) == Decimal("31.41")
    assert to_money(Decimal("2.5049")) == Decimal("2.50")
    assert money_text(Decimal("7")) == "7.00"
    assert format_money(Decimal("-1234.5")) == "-£1,234.50"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-03-31", date(2026, 3, 31)),
        ("31/03/2026", date(2026, 3, 31)),
        (" 2024-02-29 ", date(2024, 2, 29)),
    ],
)
def test_parse_date(typed: str, expected: date) -> None:
    assert parse_date(typed, "first") == expected


@pytest.mark.parametrize(
    "typed", ["2026-02-31", "2025-02-29", "31/02/2026", "2026-13-01", "tomorrow", "", "2026/03/31"]
)
def test_impossible_or_unreadable_dates_are_errors_naming_the_field(typed: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_date(typed, "--first")
    assert caught.value.field == "--first"
    assert "2026-03-31" in caught.value.message


def test_working_days_skip_weekends_and_england_and_wales_bank_holidays() -> None:
    assert not is_working_day(date(2026, 12, 25))  # Christmas Day, a Friday
    assert next_working_day(date(2026, 12, 25)) == date(2026, 12, 29)  # Boxing Day moved to 28th
    assert next_working_day(date(2026, 8, 31)) == date(2026, 9, 1)  # summer bank holiday
    assert next_working_day(date(2026, 11, 23)) == date(2026, 11, 23)


def test_financial_year_end() -> None:
    assert financial_year_end(date(2026, 11, 22)) == date(2027, 3, 31)
    assert financial_year_end(date(2027, 3, 31)) == date(2027, 3, 31)
    assert financial_year_end(date(2027, 4, 1)) == date(2028, 3, 31)


@pytest.mark.parametrize(
    "typed", ["1250125012501250125012501250", "£1,000,000,000,000", "9" * 40 + ".99"]
)
def test_absurdly_large_amounts_are_input_errors_not_crashes(typed: str) -> None:
    # Found by the workstation benchmark: a key held down in a money field once raised
    # decimal.InvalidOperation out of the form.
    with pytest.raises(InputError, match=r"too large|not an amount"):
        parse_money(typed, "Earnings")


def test_the_largest_amount_still_parses() -> None:
    assert parse_money("£999,999,999,999.99", "x") == Decimal("999999999999.99")
    assert parse_money("000000000000001.50", "x") == Decimal("1.50")
