"""When a debtor may be called (DOMAIN.md decision 8): calling hours by weekday in local time,
no calls on bank holidays, the debtor's stated preferred times, and attempt limits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from drp_tui.domain.dates import bank_holiday_name
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Window = tuple[time, time]


@dataclass(frozen=True)
class CallingHours:
    dated: Dated
    timezone: str
    windows: Mapping[int, Window | None]  # weekday (Monday 0) -> window, None: no calls
    bank_holidays: bool
    max_attempts_per_day: int
    max_right_party_contacts_per_week: int


@dataclass(frozen=True)
class ContactPolicy:
    hours: tuple[CallingHours, ...]
    # The queue checks thousands of cases against the same day's hours.
    _in_force: dict[tuple[date, str], CallingHours] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def hours_on(self, day: date, jurisdiction: str) -> CallingHours:
        """The calling hours in force on `day` in `jurisdiction`."""
        key = (day, jurisdiction)
        hours = self._in_force.get(key)
        if hours is None:
            hours = self._in_force[key] = in_force(self.hours, day, jurisdiction)
        return hours


def read_window(r: RowReader, day: str) -> Window | None:
    raw = r.get(day)
    if raw == []:
        return None
    if not isinstance(raw, list) or len(raw) != 2 or not all(isinstance(x, str) for x in raw):
        raise r.fail(f'{day} must be ["HH:MM", "HH:MM"] or [] for no calls')
    try:
        start, end = (time.fromisoformat(x) for x in raw)
    except ValueError:
        raise r.fail(f"{day}: times must be HH:MM") from None
    if end <= start:
        raise r.fail(f"{day}: calls must end after they start")
    return start, end


def read_timezone(r: RowReader) -> str:
    """The row's `timezone`, one the system knows."""
    zone = r.text("timezone")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise r.fail(f"unknown timezone {zone!r}") from None
    return zone


def load_contact(doc: Mapping[str, Any], path: str) -> ContactPolicy:
    def build(r: RowReader) -> CallingHours:
        zone = read_timezone(r)
        return CallingHours(
            dated=r.dated(),
            timezone=zone,
            windows={i: read_window(r, day) for i, day in enumerate(WEEKDAYS)},
            bank_holidays=r.flag("bank_holidays", False),
            max_attempts_per_day=r.whole("max_call_attempts_per_day", 1),
            max_right_party_contacts_per_week=r.whole("max_right_party_contacts_per_week", 1),
        )

    return ContactPolicy(read_rows(doc, "hours", path, build))


@dataclass(frozen=True)
class PreferredTime:
    """A debtor's stated preference: calls only on these weekdays between these times."""

    weekdays: frozenset[int]
    start: time
    end: time

    def admits(self, moment: datetime) -> bool:
        return moment.weekday() in self.weekdays and self.start <= moment.time() < self.end

    def describe(self) -> str:
        days = ", ".join(WEEKDAYS[d][:3].title() for d in sorted(self.weekdays))
        return f"{days} {self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class ContactHistory:
    """What has happened on the case lately, as the store counts it."""

    attempts_today: int = 0
    right_party_contacts_last_7_days: int = 0
    callback_due: datetime | None = None


@dataclass(frozen=True)
class CallCheck:
    allowed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CallingMoment:
    """The rules for calling anyone at one moment in one jurisdiction: the hours in force,
    the local time, and why nobody may be called then (outside hours, a bank holiday). The
    queue works this out once and checks every debtor against it."""

    at: datetime
    hours: CallingHours
    local: datetime
    closed: tuple[str, ...]

    def check(
        self, preferred: Sequence[PreferredTime] = (), history: ContactHistory | None = None
    ) -> CallCheck:
        """Whether this debtor may be called now, with every reason they may not."""
        reasons = list(self.closed)
        if preferred and not any(p.admits(self.local) for p in preferred):
            wanted = "; ".join(p.describe() for p in preferred)
            reasons.append(f"outside the debtor's preferred times ({wanted})")
        history = history or ContactHistory()
        hours = self.hours
        if history.attempts_today >= hours.max_attempts_per_day:
            reasons.append(
                f"{history.attempts_today} call attempts already today "
                f"(limit {hours.max_attempts_per_day})"
            )
        callback_now = history.callback_due is not None and history.callback_due <= self.at
        limit = hours.max_right_party_contacts_per_week
        if history.right_party_contacts_last_7_days >= limit and not callback_now:
            reasons.append(
                f"already spoke to the debtor {history.right_party_contacts_last_7_days} "
                f"time(s) in the last 7 days (limit {limit} a week unless they asked for "
                "a callback)"
            )
        return CallCheck(not reasons, tuple(reasons))


def calling_moment(
    policy: ContactPolicy, at: datetime, jurisdiction: str = "england"
) -> CallingMoment:
    """The calling rules at `at` (an aware datetime) in `jurisdiction`."""
    if at.tzinfo is None:
        raise ValueError("calls are checked at a timezone-aware datetime")
    hours = policy.hours_on(at.date(), jurisdiction)
    local = at.astimezone(ZoneInfo(hours.timezone))
    closed: list[str] = []
    window = hours.windows[local.weekday()]
    if window is None:
        closed.append(f"no calls on {WEEKDAYS[local.weekday()].title()}s")
    elif not window[0] <= local.time() < window[1]:
        closed.append(
            f"outside calling hours {window[0]:%H:%M}-{window[1]:%H:%M} (it is {local:%H:%M})"
        )
    holiday = bank_holiday_name(local.date(), jurisdiction)
    if holiday and not hours.bank_holidays:
        closed.append(f"bank holiday ({holiday})")
    return CallingMoment(at, hours, local, tuple(closed))


def may_call(
    policy: ContactPolicy,
    at: datetime,
    *,
    jurisdiction: str = "england",
    preferred: Sequence[PreferredTime] = (),
    history: ContactHistory | None = None,
) -> CallCheck:
    """Whether a call may be made at `at` (an aware datetime), with every reason it may not."""
    return calling_moment(policy, at, jurisdiction).check(preferred, history)
