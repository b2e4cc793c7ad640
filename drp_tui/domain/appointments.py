"""Appointments with a debtor: face to face (at a council office, where a vulnerability makes
it the right way to deal with them) or by telephone, in office hours from policy
(data/policy/appointments.toml): a working day, inside the day's hours, never overlapping the
officer's other appointments."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from drp_tui.domain.contact import WEEKDAYS, Window, read_window
from drp_tui.domain.dates import bank_holiday_name
from drp_tui.domain.policy import Dated, RowReader, read_rows

KINDS = ("face_to_face", "telephone")
STATUSES = ("booked", "cancelled", "kept", "missed")


@dataclass(frozen=True)
class OfficeHours:
    dated: Dated
    timezone: str
    windows: Mapping[int, Window | None]  # weekday (Monday 0) -> hours, None: closed
    slot_minutes: int
    places: tuple[str, ...]  # where face-to-face appointments are held


def load_office_hours(doc: Mapping[str, Any], path: str) -> tuple[OfficeHours, ...]:
    def build(r: RowReader) -> OfficeHours:
        zone = r.text("timezone")
        try:
            ZoneInfo(zone)
        except (KeyError, ValueError):
            raise r.fail(f"unknown timezone {zone!r}") from None
        return OfficeHours(
            dated=r.dated(split_by_jurisdiction=False),
            timezone=zone,
            windows={i: read_window(r, day) for i, day in enumerate(WEEKDAYS)},
            slot_minutes=r.whole("slot_minutes", 5),
            places=r.names("places"),
        )

    return read_rows(doc, "office_hours", path, build)


@dataclass(frozen=True)
class Slot:
    start: datetime  # local time, with its zone
    minutes: int

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.minutes)

    def overlaps(self, other: Slot) -> bool:
        return self.start < other.end and other.start < self.end


def slot_refusal(hours: OfficeHours, slot: Slot, taken: Iterable[Slot] = ()) -> str | None:
    """Why the slot cannot be booked (None: it can)."""
    local = slot.start.astimezone(ZoneInfo(hours.timezone))
    day = local.date()
    holiday = bank_holiday_name(day)
    if holiday:
        return f"{day:%a %d %b %Y} is a bank holiday ({holiday})"
    window = hours.windows.get(local.weekday())
    if window is None:
        return f"the office is closed on {WEEKDAYS[local.weekday()].title()}s"
    end = (local + timedelta(minutes=slot.minutes)).time()
    if local.time() < window[0] or end > window[1] or end <= local.time():
        return f"outside office hours ({window[0]:%H:%M} to {window[1]:%H:%M})"
    for other in taken:
        if slot.overlaps(other):
            at = other.start.astimezone(ZoneInfo(hours.timezone))
            return f"the officer has another appointment at {at:%H:%M}"
    return None
