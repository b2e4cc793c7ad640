"""Money: `Decimal` pounds with two places, end to end. Never float."""

from __future__ import annotations

import re
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeAlias

from drp_tui.domain.errors import InputError

Money: TypeAlias = Decimal

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")

# What an officer types: optional sign, optional pound sign, digits either plain or grouped in
# threes by commas, then at most two decimal places.
_AMOUNT = re.compile(
    r"""^(?P<sign>[-+]?)\s*£?\s*(?P<sign2>[-+]?)
        (?P<whole>\d{1,3}(?:,\d{3})+|\d*)
        (?:\.(?P<pence>\d{1,2}))?$""",
    re.VERBOSE | re.ASCII,
)
# Up to £999,999,999,999.99: far above any council debt, and far inside what Decimal's
# 28-digit context can carry through a calculation (a key held down must not crash a form).
MAX_WHOLE_DIGITS = 12
_PLAIN = re.compile(rf"^\d{{1,{MAX_WHOLE_DIGITS}}}(?:\.\d{{1,2}})?$", re.ASCII)
_EXAMPLE = "for example 1234.50 or £1,234.50"


def to_money(value: Decimal | int | str) -> Money:
    """Round to the penny, half up (the rounding every drp calculation states)."""
    return Decimal(value).quantize(PENNY, rounding=ROUND_HALF_UP)


def round_down(value: Decimal) -> Money:
    """Truncate to the penny (used where a remainder must be carried elsewhere)."""
    return value.quantize(PENNY, rounding=ROUND_DOWN)


def parse_money(text: str, field: str, *, allow_negative: bool = False) -> Money:
    """Parse an amount as an officer types it: `1234.5`, `£1,234.50`, ` 1,234 `.

    Rejects more than two decimal places, misplaced thousands separators, words, empty input
    and (unless `allow_negative`) amounts below zero, with a message naming `field`.
    """
    cleaned = text.strip()
    if _PLAIN.match(cleaned):  # the common case, "1234.56", parsed without the full pattern
        return Decimal(cleaned).quantize(PENNY)
    if not cleaned:
        raise InputError(field, f"an amount is needed, {_EXAMPLE}")
    if any(c.isdigit() and c not in "0123456789" for c in cleaned):
        raise InputError(
            field, f"{cleaned!r} uses digits other than 0-9; write amounts in ASCII digits"
        )
    match = _AMOUNT.match(cleaned)
    if match is None or (match["sign"] and match["sign2"]):
        raise InputError(
            field, f"{text.strip()!r} is not an amount of money; use pounds and pence, {_EXAMPLE}"
        )
    whole = match["whole"].replace(",", "").lstrip("0")
    pence = match["pence"] or ""
    if len(whole) > MAX_WHOLE_DIGITS:
        raise InputError(
            field, f"{text.strip()!r} is too large; amounts go up to £999,999,999,999.99"
        )
    if not whole and not pence:
        raise InputError(field, f"{text.strip()!r} is not an amount of money, {_EXAMPLE}")
    try:
        amount = Decimal(f"{whole or '0'}.{pence.ljust(2, '0')}")
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only digits
        raise InputError(field, f"{text.strip()!r} is not an amount of money") from exc
    if "-" in (match["sign"], match["sign2"]):
        amount = -amount
    if amount < 0 and not allow_negative:
        raise InputError(field, f"must not be negative (got {text.strip()}), {_EXAMPLE}")
    return to_money(amount)


def money_from_data(value: object, field: str, *, allow_negative: bool = False) -> Money:
    """An amount read from a file (JSON or TOML): a string as typed, or a whole number.

    Floats are refused because they cannot hold pence exactly; data files write amounts as
    strings ("12.50") or integers.
    """
    if isinstance(value, bool):
        raise InputError(field, "expected an amount of money, got true/false")
    if isinstance(value, int):
        return parse_money(str(value), field, allow_negative=allow_negative)
    if isinstance(value, str):
        return parse_money(value, field, allow_negative=allow_negative)
    if isinstance(value, float):
        raise InputError(
            field, f'write amounts as strings, for example "{value:.2f}", so pence are exact'
        )
    raise InputError(field, f"expected an amount of money, got {type(value).__name__}")


def parse_percent(text: str, field: str) -> Decimal:
    """A percentage from 0 to 100 as typed: `5`, `5.25`, `5.25%`."""
    cleaned = text.strip().removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InputError(field, f"{text.strip()!r} is not a percentage; for example 5.25") from None
    if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
        raise InputError(field, f"must be a percentage from 0 to 100 (got {text.strip()})")
    return value


def percent_of(amount: Decimal, percent: Decimal) -> Decimal:
    """`percent`% of `amount`, unrounded."""
    return amount * percent / Decimal(100)


def money_text(amount: Money) -> str:
    """The JSON form: a string with exactly two decimals, no pound sign or separators."""
    return f"{to_money(amount):.2f}"


def format_money(amount: Money) -> str:
    """The human form: `£1,234.50`, `-£5.00`."""
    value = to_money(amount)
    sign = "-" if value < 0 else ""
    return f"{sign}£{abs(value):,.2f}"
