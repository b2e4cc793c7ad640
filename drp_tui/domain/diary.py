"""The officer's diary: what is due on a day, across their cases, in the order to work it.

Each entry is a reason to call (or look at) one case that day. Entries the officer has
already dealt with drop out: a callback once called, a broken promise or arrangement once the
case has been called since."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time

# In the order an officer works a day: the time-bound first, then the follow-ups, then the
# reviews. The label is what the diary shows; the reason is what the call's opening records.
KINDS: dict[str, str] = {
    "callback": "Callback due",
    "appointment": "Appointment",
    "promise_due": "Promise due today",
    "promise_broken": "Promise broken",
    "arrangement_broken": "Arrangement broken",
    "instalment_missed": "Instalment missed",
    "vulnerability_review": "Vulnerability review due",
    "breathing_space_ending": "Breathing Space ending",
    "dispute": "Dispute awaiting an answer",
    "complaint_reply": "Complaint reply due",
}
FOLLOW_UPS = frozenset({"promise_broken", "arrangement_broken", "instalment_missed"})
# How far back a broken promise, a breach or a missed instalment stays in the diary while
# the case has not been called since, and how far ahead a Breathing Space's end is shown.
LOOK_BACK_DAYS = 7
LOOK_AHEAD_DAYS = 7


@dataclass(frozen=True)
class DiaryEntry:
    kind: str
    case_id: str
    reference: str
    name: str
    due: date
    at: time | None  # a callback's time (council local time); None for a day's business
    detail: str

    @property
    def label(self) -> str:
        return KINDS[self.kind]

    @property
    def reason(self) -> str:
        """Why the case is opened, as the call records it."""
        return f"diary: {self.label.lower()}"

    def when(self, on: date) -> str:
        """A callback's time (with its day when not `on`); another entry's day unless `on`."""
        day = "" if self.due == on else f"{self.due:%d %b}"
        return day if self.at is None else f"{day} {self.at:%H:%M}".strip()

    def overdue(self, on: date) -> bool:
        return self.due < on and self.kind in (
            "callback",
            "vulnerability_review",
            "complaint_reply",
        )


def in_order(entries: Iterable[DiaryEntry]) -> list[DiaryEntry]:
    """Timed entries (callbacks, appointments) first by time, overdue ones before today's;
    then the rest by kind, then by case."""
    rank = {kind: n for n, kind in enumerate(KINDS)}
    return sorted(
        entries,
        key=lambda e: (
            e.due if e.at is not None else date.max,
            e.at or time.max,
            rank[e.kind],
            e.due,
            e.reference,
        ),
    )


def local_clock(moment: datetime) -> tuple[date, time]:
    """A local datetime as the day and the minute shown in the diary."""
    return moment.date(), moment.time().replace(second=0, microsecond=0)
