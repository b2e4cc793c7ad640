"""When a text may go to a debtor (issue 21): quiet hours from policy (calling_hours.toml
[[sms_hours]]: a window by weekday in local time, none on Sundays, none on bank holidays
unless the row says so), and only to a good mobile the debtor has consented to texts on."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from drp_tui.domain.contact import WEEKDAYS, Window, read_timezone, read_window
from drp_tui.domain.dates import bank_holiday_name
from drp_tui.domain.errors import NoFigureError
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows


@dataclass(frozen=True)
class SmsHours:
    dated: Dated
    timezone: str
    windows: Mapping[int, Window | None]  # weekday (Monday 0) -> window, None: no texts
    bank_holidays: bool


def load_sms_hours(doc: Mapping[str, Any], path: str) -> tuple[SmsHours, ...]:
    """The [[sms_hours]] rows; none (a council's older policy folder): no texts at all."""
    if "sms_hours" not in doc:
        return ()

    def build(r: RowReader) -> SmsHours:
        zone = read_timezone(r)
        return SmsHours(
            dated=r.dated(),
            timezone=zone,
            windows={i: read_window(r, day) for i, day in enumerate(WEEKDAYS)},
            bank_holidays=r.flag("bank_holidays", False),
        )

    return read_rows(doc, "sms_hours", path, build)


def sms_closed(hours: tuple[SmsHours, ...], at: datetime, jurisdiction: str) -> str | None:
    """Why no text may go at `at` (an aware datetime), or None."""
    try:
        row = in_force(hours, at.date(), jurisdiction, table="calling_hours.toml [[sms_hours]]")
    except NoFigureError as exc:
        return f"the council's policy sets no hours for texts ({exc})"
    local = at.astimezone(ZoneInfo(row.timezone))
    window = row.windows[local.weekday()]
    if window is None:
        return f"no texts on {WEEKDAYS[local.weekday()].title()}s"
    if not window[0] <= local.time() < window[1]:
        return f"no texts outside {window[0]:%H:%M}-{window[1]:%H:%M} (it is {local:%H:%M})"
    holiday = bank_holiday_name(local.date(), jurisdiction)
    if holiday and not row.bank_holidays:
        return f"no texts on a bank holiday ({holiday})"
    return None
