"""Queue rules: how urgent a case is (a score with a reason a person can read) and how open
cases are shared among officers. Weights are policy (`data/policy/queue.toml`)."""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from itertools import compress
from operator import not_
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
    given = deal([i.points for i in items], [i.vulnerable for i in items], officers, strategy)
    return {item.case_id: officers[k].id for item, k in zip(items, given, strict=True)}


def deal(
    points: Sequence[int],
    vulnerable: Sequence[bool],
    officers: Sequence[OfficerSlot],
    strategy: Strategy,
) -> list[int]:
    """`allocate` of cases given by their points and whether they are vulnerable, in the
    caller's order: each case's officer as a position in `officers` (a million cases need no
    dictionary of ids).

    Cases are dealt most urgent first, and cases of equal points in the order given (the
    store's, so runs repeat). Which officers a run of equal points goes to depends only on how
    many cases it has, so each run's officers are worked out once, in turn, and then handed to
    its cases in the order given: no case is sorted or looked up by id."""
    if not officers:
        return []
    loads = [o.load for o in officers]
    everyone = list(range(len(officers)))
    if strategy == "round-robin":
        turns: dict[int, list[int]] = {}
        turn = 0
        for score, count in sorted(Counter(points).items(), reverse=True):
            turns[score] = [(turn + r) % len(officers) for r in range(count)]
            turn += count
        return _hand_out(points, turns)
    trained = [n for n, o in enumerate(officers) if VULNERABILITY_SKILL in o.skills]
    if strategy == "balanced" or not trained:
        return _hand_out(points, _balanced(Counter(points), loads, everyone))
    first = _balanced(Counter(compress(points, vulnerable)), [loads[n] for n in trained], trained)
    for score, given in first.items():
        for n in given:
            loads[n] += score + 1
    rest = _balanced(Counter(compress(points, map(not_, vulnerable))), loads, everyone)
    queues = {score: iter(given) for score, given in first.items()}
    others = {score: iter(given) for score, given in rest.items()}
    return [
        next(queues[score]) if tender else next(others[score])
        for score, tender in zip(points, vulnerable, strict=True)
    ]


def _hand_out(points: Sequence[int], turns: Mapping[int, list[int]]) -> list[int]:
    """Each case, in the order given, takes the next officer of its score's run (in C)."""
    queues = {score: iter(given) for score, given in turns.items()}
    return list(map(next, map(queues.__getitem__, points)))


def _balanced(
    runs: Mapping[int, int], loads: Sequence[int], who: Sequence[int]
) -> dict[int, list[int]]:
    """The officers each run of cases of equal points goes to, most points first: each case
    to the least-loaded officer, by (load, cases, position); every case weighs at least 1, so
    zero-score cases spread too. `who` maps a position in `loads` to the officer's position.

    Once every officer's load is within one case's weight of the lowest, the officer a case
    goes to comes out above all the others, so the rest of the run goes round the officers in
    their (load, cases, position) order, a whole round at a time: exactly the officers a
    case-by-case heap gives (tests/test_allocation_deal.py checks it against one)."""
    heap = [(load, 0, n) for n, load in enumerate(loads)]
    heapq.heapify(heap)
    top = max(loads)  # never below the highest load
    replace = heapq.heapreplace
    turns: dict[int, list[int]] = {}
    for score in sorted(runs, reverse=True):
        weight, left = score + 1, runs[score]
        given = turns[score] = []
        while left and top - heap[0][0] >= weight:
            # The least-loaded officer takes the case: their entry is replaced in place.
            load, count, n = heap[0]
            given.append(who[n])
            load += weight
            top = max(top, load)
            replace(heap, (load, count + 1, n))
            left -= 1
        if left:
            rounds, over = divmod(left, len(heap))
            turn = sorted(heap)
            cycle = [who[n] for _, _, n in turn]
            given += cycle * rounds + cycle[:over]
            heap = [
                (load + (rounds + (r < over)) * weight, count + rounds + (r < over), n)
                for r, (load, count, n) in enumerate(turn)
            ]
            heapq.heapify(heap)
            top = max(top, max(heap)[0])  # the entry of the highest load
    return turns
