"""Queue rules: how urgent a case is (a score with a reason a person can read) and how open
cases are shared among officers. Weights are policy (`data/policy/queue.toml`)."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import itemgetter
from typing import Any, Literal, NamedTuple

from drp_tui.domain.money import Money
from drp_tui.domain.policy import Dated, RowReader, read_rows

Strategy = Literal["balanced", "round-robin", "skills"]
STRATEGIES: tuple[Strategy, ...] = ("balanced", "round-robin", "skills")
VULNERABILITY_SKILL = "vulnerability"

_WEIGHTS = (
    "callback_due",
    "broken_promise",
    "broken_promise_decay_per_day",
    "broken_promise_floor",
    "breached_arrangement",
    "new_liability_order",
    "new_liability_order_days",
    "balance_per_100",
    "balance_cap",
    "days_since_contact",
    "days_since_contact_cap",
    "never_contacted",
    "age_per_week",
    "age_cap",
    "right_party_contact_rest",
    "right_party_contact_rest_days",
    "open_promise_rest",
    "live_arrangement_rest",
)


@dataclass(frozen=True)
class QueueWeights:
    dated: Dated
    points: Mapping[str, int]
    stage: Mapping[str, int]


def load_queue_weights(doc: Mapping[str, Any], path: str) -> tuple[QueueWeights, ...]:
    def build(r: RowReader) -> QueueWeights:
        stage = r.row.get("stage", {})
        if not isinstance(stage, Mapping) or not all(
            isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in stage.values()
        ):
            raise r.fail("[weights.stage] must give whole points per stage")
        return QueueWeights(
            r.dated(),
            {name: r.whole(name) for name in _WEIGHTS},
            {str(k): int(v) for k, v in stage.items()},
        )

    return read_rows(doc, "weights", path, build)


@dataclass(frozen=True)
class CaseFacts:
    """What the queue needs to know about a case, gathered by the store."""

    balance: Money
    stages: Sequence[str]  # each open debt's stage
    stage_since: date | None  # when the oldest debt reached its current stage
    liability_order_on: date | None  # the newest liability order
    last_attempt: datetime | None
    callback_due: datetime | None
    broken_promise_on: date | None  # the newest broken promise's due date
    arrangement_breached_on: date | None
    # Work done on the case, which rests it (see queue.toml).
    last_right_party: datetime | None = None  # the newest right-party contact
    open_promise_due_on: date | None = None  # the latest due date of the open promises
    live_arrangement_made: datetime | None = None  # when the newest live arrangement was made


@dataclass(frozen=True)
class Score:
    points: int
    reason: str


def _ago(days: int) -> str:
    return "today" if days <= 0 else "yesterday" if days == 1 else f"{days} days ago"


def score_case(weights: QueueWeights, facts: CaseFacts, now: datetime) -> Score:
    """Points for urgency, with the reason: the weightiest events, then balance and stage.
    `now` is in the council's local time, which the reason's times are shown in."""
    w = weights.points
    today = now.date()
    events: list[tuple[int, str]] = []
    if facts.callback_due is not None and facts.callback_due <= now:
        local = facts.callback_due.astimezone(now.tzinfo)
        events.append((w["callback_due"], f"callback due {local:%d %b %H:%M}"))
    for when, key, text in (
        (facts.broken_promise_on, "broken_promise", "broken promise"),
        (facts.arrangement_breached_on, "breached_arrangement", "arrangement breached"),
    ):
        if when is not None:
            days = (today - when).days
            points = max(
                w[key] - w["broken_promise_decay_per_day"] * max(days, 0), w["broken_promise_floor"]
            )
            events.append((points, f"{text} {_ago(days)}"))
    if facts.liability_order_on is not None:
        days = (today - facts.liability_order_on).days
        if 0 <= days <= w["new_liability_order_days"]:
            events.append((w["new_liability_order"], f"liability order {_ago(days)}"))
    if facts.last_attempt is None:
        events.append((w["never_contacted"], "never contacted"))
    else:
        days = (today - facts.last_attempt.date()).days
        points = min(w["days_since_contact"] * max(days, 0), w["days_since_contact_cap"])
        if days >= 7:
            events.append((points, f"no contact for {days} days"))
        elif points:
            events.append((points, ""))
    balance_points = min(int(facts.balance / 100) * w["balance_per_100"], w["balance_cap"])
    stage_points, stage = max(((weights.stage.get(s, 0), s) for s in facts.stages), default=(0, ""))
    age_points = 0
    if facts.stage_since is not None:
        weeks = max((today - facts.stage_since).days, 0) // 7
        age_points = min(weeks * w["age_per_week"], w["age_cap"])
    events += _rests(w, facts, now)
    events.sort(key=lambda item: -abs(item[0]))
    parts = [text for _, text in events[:2] if text]
    parts.append(f"£{facts.balance:,.0f}")
    if stage:
        parts.append(stage.replace("_", " "))
    total = sum(points for points, _ in events) + balance_points + stage_points + age_points
    return Score(max(total, 0), " · ".join(parts))


def _rests(w: Mapping[str, int], facts: CaseFacts, now: datetime) -> list[tuple[int, str]]:
    """Work done that takes points off (negative), with its reason: a case just worked is
    not the next one to call."""
    today = now.date()
    rests: list[tuple[int, str]] = []
    if facts.live_arrangement_made is not None:
        days = (today - facts.live_arrangement_made.astimezone(now.tzinfo).date()).days
        rests.append((-w["live_arrangement_rest"], f"arrangement made {_ago(days)}"))
    if facts.open_promise_due_on is not None and facts.open_promise_due_on >= today:
        rests.append((-w["open_promise_rest"], f"promise due {facts.open_promise_due_on:%d %b}"))
    if facts.last_right_party is not None:
        days = (today - facts.last_right_party.astimezone(now.tzinfo).date()).days
        if days < w["right_party_contact_rest_days"]:
            rests.append((-w["right_party_contact_rest"], f"spoke to the debtor {_ago(days)}"))
    return rests


@dataclass(frozen=True)
class OfficerSlot:
    id: str
    skills: frozenset[str] = frozenset()
    load: int = 0  # score already on the officer's queue (rebalancing keeps it)


CaseKey = str | int  # whatever identifies a case to the caller (an id, or a rowid)


class QueueItem(NamedTuple):
    """A case to hand out (a tuple: allocation makes a million of them)."""

    case_id: CaseKey
    points: int
    vulnerable: bool = False


def allocate(
    items: Sequence[QueueItem], officers: Sequence[OfficerSlot], strategy: Strategy
) -> dict[CaseKey, str]:
    """Case id -> officer id.

    round-robin deals cases in priority order; balanced gives each case, most urgent first,
    to the officer with the least total score so far; skills does the same but sends
    vulnerable cases only to officers trained for them (falling back to everyone if nobody
    is).
    """
    if not officers:
        return {}
    # Most urgent first; equal scores keep the order given (the store's, so runs repeat).
    ordered = sorted(items, key=itemgetter(1), reverse=True)
    if strategy == "round-robin":
        return {item.case_id: officers[i % len(officers)].id for i, item in enumerate(ordered)}
    if strategy == "balanced":
        return _balanced(ordered, officers)
    trained = [o for o in officers if VULNERABILITY_SKILL in o.skills]
    if not trained:
        return _balanced(ordered, officers)
    plan = _balanced([i for i in ordered if i.vulnerable], trained)
    plan.update(
        _balanced(
            [i for i in ordered if not i.vulnerable], officers, extra_load=_loads(plan, ordered)
        )
    )
    return plan


def _loads(plan: Mapping[CaseKey, str], items: Sequence[QueueItem]) -> dict[str, int]:
    loads: dict[str, int] = {}
    for item in items:
        officer = plan.get(item.case_id)
        if officer is not None:
            loads[officer] = loads.get(officer, 0) + item.points + 1
    return loads


def _balanced(
    ordered: Sequence[QueueItem],
    officers: Sequence[OfficerSlot],
    extra_load: Mapping[str, int] | None = None,
) -> dict[CaseKey, str]:
    extra = extra_load or {}
    # (load, cases, position): every case weighs at least 1, so zero-score cases spread too.
    heap = [(o.load + extra.get(o.id, 0), 0, n) for n, o in enumerate(officers)]
    heapq.heapify(heap)
    plan: dict[CaseKey, str] = {}
    ids = [o.id for o in officers]
    replace = heapq.heapreplace
    for case_id, points, _ in ordered:
        # The least-loaded officer takes the case: their entry is replaced in place (one sift
        # instead of a pop and a push; the same officer each time, as entries never tie).
        load, count, n = heap[0]
        plan[case_id] = ids[n]
        replace(heap, (load + points + 1, count + 1, n))
    return plan
