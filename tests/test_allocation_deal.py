"""The deal of `allocate` gives every case to exactly the officer the one-case-at-a-time heap
gave before it was made faster (issue 18): the old deal is kept here as the oracle and both
run on random cases (negative, zero, equal and spread scores), officers with uneven loads
already on their queues, and trained officers, for every strategy."""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from operator import itemgetter

from hypothesis import given, settings
from hypothesis import strategies as st

from drp_tui.domain.queue import (
    STRATEGIES,
    VULNERABILITY_SKILL,
    CaseKey,
    OfficerSlot,
    QueueItem,
    Strategy,
    allocate,
    deal,
)


def old_balanced(
    ordered: Sequence[QueueItem],
    officers: Sequence[OfficerSlot],
    extra_load: Mapping[str, int] | None = None,
) -> dict[CaseKey, str]:
    extra = extra_load or {}
    heap = [(o.load + extra.get(o.id, 0), 0, n) for n, o in enumerate(officers)]
    heapq.heapify(heap)
    plan: dict[CaseKey, str] = {}
    for case_id, points, _ in ordered:
        load, count, n = heap[0]
        plan[case_id] = officers[n].id
        heapq.heapreplace(heap, (load + points + 1, count + 1, n))
    return plan


def old_allocate(
    items: Sequence[QueueItem], officers: Sequence[OfficerSlot], strategy: Strategy
) -> dict[CaseKey, str]:
    """`allocate` as it was at ef149c9 (drp_tui/domain/queue.py)."""
    if not officers:
        return {}
    ordered = sorted(items, key=itemgetter(1), reverse=True)
    if strategy == "round-robin":
        return {item.case_id: officers[i % len(officers)].id for i, item in enumerate(ordered)}
    if strategy == "balanced":
        return old_balanced(ordered, officers)
    trained = [o for o in officers if VULNERABILITY_SKILL in o.skills]
    if not trained:
        return old_balanced(ordered, officers)
    plan = old_balanced([i for i in ordered if i.vulnerable], trained)
    loads: dict[str, int] = {}
    for item in ordered:
        officer = plan.get(item.case_id)
        if officer is not None:
            loads[officer] = loads.get(officer, 0) + item.points + 1
    plan.update(old_balanced([i for i in ordered if not i.vulnerable], officers, loads))
    return plan


officer_slots = st.lists(
    st.tuples(st.integers(-50, 3000), st.booleans()), min_size=1, max_size=9
).map(
    lambda found: [
        OfficerSlot(f"o{n}", frozenset({VULNERABILITY_SKILL}) if trained else frozenset(), load)
        for n, (load, trained) in enumerate(found)
    ]
)
case_items = st.lists(
    st.tuples(
        st.sampled_from([-3, -1, 0, 0, 1, 5, 5, 40, 700]) | st.integers(-20, 1500), st.booleans()
    ),
    max_size=300,
).map(lambda found: [QueueItem(n, p, v) for n, (p, v) in enumerate(found)])


@settings(max_examples=400, deadline=None)
@given(items=case_items, officers=officer_slots, strategy=st.sampled_from(STRATEGIES))
def test_the_deal_gives_each_case_to_the_officer_the_old_heap_gave(
    items: list[QueueItem], officers: list[OfficerSlot], strategy: Strategy
) -> None:
    expected = old_allocate(items, officers, strategy)
    assert allocate(items, officers, strategy) == expected
    given_to = deal([i.points for i in items], [i.vulnerable for i in items], officers, strategy)
    assert [officers[k].id for k in given_to] == [expected[i.case_id] for i in items]


def test_a_long_run_of_equal_scores_over_uneven_loads_is_dealt_as_before() -> None:
    """Thousands of cases of a few scores: most of them go out a round of officers at a time."""
    officers = [OfficerSlot(f"o{n}", frozenset(), load) for n, load in enumerate([0, 9000, 40, 0])]
    items = [QueueItem(n, [1500, 700, 700, 3, 0][n % 5]) for n in range(20_000)]
    for strategy in STRATEGIES:
        assert allocate(items, officers, strategy) == old_allocate(items, officers, strategy)


def test_no_officers_no_plan() -> None:
    assert allocate([QueueItem(1, 5)], [], "balanced") == {}
    assert deal([5], [False], [], "balanced") == []
