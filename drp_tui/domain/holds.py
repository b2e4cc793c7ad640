"""Holds that stop recovery: Breathing Space, deceased, dispute, vulnerability review.
DOMAIN.md §7 and decision 9: while a hold is on, drp refuses the actions the hold forbids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from drp_tui.domain.errors import NoFigureError
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

ACTIONS = (
    "contact_for_payment",
    "demand_payment",
    "make_arrangement",
    "escalate",
    "add_charges",
    "queue",
)


@dataclass(frozen=True)
class HoldRule:
    dated: Dated
    kind: str
    name: str
    refuses: frozenset[str]
    length_days: int | None
    days_after_treatment: int | None


@dataclass(frozen=True)
class HoldPolicy:
    rules: tuple[HoldRule, ...]

    @property
    def kinds(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(rule.kind for rule in self.rules))

    def rule(self, kind: str, on: date) -> HoldRule:
        return in_force((rule for rule in self.rules if rule.kind == kind), on)


def load_holds(doc: Mapping[str, Any], path: str) -> HoldPolicy:
    def build(r: RowReader) -> HoldRule:
        return HoldRule(
            dated=r.dated(split_by_jurisdiction=False),
            kind=r.text("kind"),
            name=r.text("name"),
            refuses=frozenset(r.names("refuses", ACTIONS)),
            length_days=r.whole("length_days", 1) if "length_days" in r.row else None,
            days_after_treatment=(
                r.whole("days_after_treatment", 0) if "days_after_treatment" in r.row else None
            ),
        )

    return HoldPolicy(read_rows(doc, "hold", path, build, group=lambda rule: rule.kind))


@dataclass(frozen=True)
class Hold:
    """A hold recorded on a case.

    `start` is the first day it applies (for Breathing Space, the day after entry on the
    register). `end` is an explicit end (a hold lifted early, a dispute resolved);
    `treatment_end` is when mental health crisis treatment ended, if it has.
    """

    kind: str
    start: date
    end: date | None = None
    treatment_end: date | None = None


def hold_last_day(rule: HoldRule, hold: Hold) -> date | None:
    """The last day the hold applies, or None while it is open-ended."""
    ends: list[date] = [hold.end] if hold.end is not None else []
    if rule.length_days is not None:
        ends.append(hold.start + timedelta(days=rule.length_days - 1))
    if rule.days_after_treatment is not None and hold.treatment_end is not None:
        ends.append(hold.treatment_end + timedelta(days=rule.days_after_treatment))
    return min(ends) if ends else None


@dataclass(frozen=True)
class ActiveHold:
    kind: str
    name: str
    last_day: date | None
    refuses: frozenset[str]

    @property
    def until(self) -> str:
        return (
            "until further notice"
            if self.last_day is None
            else f"until {self.last_day.isoformat()}"
        )


def active_holds(policy: HoldPolicy, holds: Iterable[Hold], on: date) -> list[ActiveHold]:
    active: list[ActiveHold] = []
    for hold in holds:
        try:
            rule = policy.rule(hold.kind, hold.start)
        except NoFigureError:
            rule = policy.rule(hold.kind, on)
        last = hold_last_day(rule, hold)
        if hold.start <= on and (last is None or on <= last):
            active.append(ActiveHold(rule.kind, rule.name, last, rule.refuses))
    return active


@dataclass(frozen=True)
class Refusal:
    action: str
    hold: ActiveHold

    @property
    def message(self) -> str:
        return f"{self.action.replace('_', ' ')} refused: {self.hold.name} {self.hold.until}"


def refusal(policy: HoldPolicy, holds: Sequence[Hold], action: str, on: date) -> Refusal | None:
    """Why `action` may not be taken on `on`, or None when it may."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return refusing(active_holds(policy, holds, on), action)


def refusing(active: Iterable[ActiveHold], action: str) -> Refusal | None:
    """The first of holds already in force that refuses `action`, or None."""
    for hold in active:
        if action in hold.refuses:
            return Refusal(action, hold)
    return None
