"""Dates as officers type them, and England-and-Wales working days."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from drp_tui.domain.errors import InputError

if TYPE_CHECKING:
    import holidays

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$", re.ASCII)
_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$", re.ASCII)


# Dates typed by people: anything outside these years is a slip of the keyboard (and 9999-12-31
# would overflow the next day's arithmetic).
FIRST_YEAR, LAST_YEAR = 1900, 2199


def parse_date(text: str, field: str) -> date:
    """An ISO date (`2026-03-31`); the UK form `31/03/2026` is accepted too.

    An impossible date such as 31 February is an error naming the field, not a crash.
    """
    cleaned = text.strip()
    if match := _ISO.match(cleaned):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK.match(cleaned):
        day, month, year = (int(part) for part in match.groups())
    else:
        raise InputError(
            field, f"{cleaned!r} is not a date; use YYYY-MM-DD, for example 2026-03-31"
        )
    try:
        found = date(year, month, day)
    except ValueError:
        raise InputError(
            field,
            f"{cleaned!r} is not a real date (check the day and month), for example 2026-03-31",
        ) from None
    if not FIRST_YEAR <= found.year <= LAST_YEAR:
        raise InputError(field, f"{cleaned!r} is not a year drp works in (check the year)")
    return found


def parse_moment(text: str, zone: str, field: str) -> datetime:
    """`2026-11-24 14:30` (or `24/11/2026 14:30`) in the local time of `zone`."""
    parts = text.strip().split()
    if len(parts) != 2:
        raise InputError(field, "give a date and a time, for example 2026-11-24 14:30")
    day = parse_date(parts[0], field)
    try:
        at = time.fromisoformat(parts[1])
    except ValueError:
        raise InputError(field, f"{parts[1]!r} is not a time, for example 14:30") from None
    return datetime.combine(day, at, ZoneInfo(zone))


def date_from_data(value: object, field: str) -> date:
    """A date read from TOML (native date) or JSON (ISO string)."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value, field)
    raise InputError(field, f"expected a date like 2026-03-31, got {value!r}")


@lru_cache(maxsize=8)
def _bank_holidays(jurisdiction: str) -> holidays.HolidayBase:
    # Imported on first use: it loads every country's calendars (~35 ms), and `drp` starts
    # its app before any date is checked (the queue is read by another process).
    import holidays

    # England and Wales share one list of bank holidays; the library names it by subdivision.
    subdivision = {"england": "ENG", "wales": "WLS"}[jurisdiction]
    return holidays.country_holidays("GB", subdiv=subdivision)


def bank_holiday_name(day: date, jurisdiction: str = "england") -> str | None:
    """The bank holiday's name if `day` is one in England and Wales, else None."""
    name = _bank_holidays(jurisdiction).get(day)
    return None if name is None else str(name)


def is_bank_holiday(day: date, jurisdiction: str = "england") -> bool:
    return bank_holiday_name(day, jurisdiction) is not None


def is_working_day(day: date, jurisdiction: str = "england") -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day, jurisdiction)


def next_working_day(day: date, jurisdiction: str = "england") -> date:
    """`day` itself if it is a working day, otherwise the next one."""
    while not is_working_day(day, jurisdiction):
        day += timedelta(days=1)
    return day


def financial_year_end(day: date) -> date:
    """31 March of the council financial year (April to March) that `day` falls in."""
    return date(day.year + 1 if day.month >= 4 else day.year, 3, 31)
