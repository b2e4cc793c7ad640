"""Reinstating a broken arrangement (issue 21: the diary's follow-up offers "a way to reinstate
or re-negotiate"). The council's rule (arrangements.toml): an arrangement and its
reinstatements may be reinstated `reinstatements_allowed` times, within
`reinstate_within_days` of the breach, in the ways it allows: the missed amount caught up as
the first payment ("catch_up", by `catch_up_by`), or spread over the instalments still to
come ("spread"). What was paid stays paid; the rest is owed on the old dates."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from drp_tui.domain.schedule import ArrangementRules

CATCH_UP_WITHIN_DAYS = 14  # the caught-up payment is due within this many days of today


@dataclass(frozen=True)
class Owed:
    """One instalment of the broken arrangement: when it was due, for how much, what is paid."""

    due_on: date
    amount: Decimal
    paid: Decimal

    @property
    def short(self) -> Decimal:
        return max(self.amount - self.paid, Decimal("0.00"))


@dataclass(frozen=True)
class Reinstated:
    """The new schedule: (due, amount) pairs, the missed amount, the total still owed."""

    instalments: tuple[tuple[date, Decimal], ...]
    missed: Decimal
    total: Decimal


def reinstate_refusal(
    rules: ArrangementRules, breached_on: date, today: date, times_before: int, way: str
) -> str | None:
    """Why the arrangement may not be reinstated this way (None: it may)."""
    if way not in rules.reinstate_ways:
        ways = " or ".join(w.replace("_", " ") for w in rules.reinstate_ways) or "no way"
        return f"policy reinstates by {ways}, not {way.replace('_', ' ')}"
    allowed = rules.reinstatements_allowed
    if times_before >= allowed:
        said = "never" if allowed == 0 else f"{allowed} time{'s' if allowed > 1 else ''}"
        return (
            f"policy reinstates a broken arrangement {said}; it has been reinstated "
            f"{times_before} time{'s' if times_before != 1 else ''}: negotiate a new one"
        )
    if (today - breached_on).days > rules.reinstate_within_days:
        return (
            f"it broke on {breached_on:%d %b %Y}, more than {rules.reinstate_within_days} days "
            "ago: negotiate a new one"
        )
    return None


def reinstated_schedule(
    owed: Sequence[Owed], today: date, way: str, catch_up_by: date | None = None
) -> Reinstated:
    """The broken schedule carried on: each unpaid part of an instalment due before today
    is missed; "catch_up" asks for all of it by `catch_up_by` (default today) then the rest
    on their dates, "spread" shares it over the instalments due from today (the pence left
    over on the last). ValueError when it cannot be done (nothing owed, nothing to spread
    over, a catch-up date not in the next CATCH_UP_WITHIN_DAYS days)."""
    missed = sum((o.short for o in owed if o.due_on < today), start=Decimal("0.00"))
    coming = [o for o in owed if o.due_on >= today and o.short > 0]
    total = missed + sum((o.short for o in coming), start=Decimal("0.00"))
    if total <= 0:
        raise ValueError("nothing is owed on it: there is nothing to reinstate")
    if way == "catch_up":
        by = catch_up_by or today
        if not today <= by <= today + timedelta(days=CATCH_UP_WITHIN_DAYS):
            raise ValueError(
                f"the missed amount is caught up within {CATCH_UP_WITHIN_DAYS} days (by "
                f"{today + timedelta(days=CATCH_UP_WITHIN_DAYS):%d %b %Y})"
            )
        if coming and by >= coming[0].due_on:
            raise ValueError(
                f"the catch-up is due before the next instalment ({coming[0].due_on:%d %b})"
            )
        first = ((by, missed),) if missed > 0 else ()
        rest = tuple((o.due_on, o.short) for o in coming)
        return Reinstated(first + rest, missed, total)
    if way == "spread":
        if not coming:
            raise ValueError("no instalment is still to come to spread it over: catch it up")
        share = (missed / len(coming)).quantize(Decimal("0.01"), rounding="ROUND_DOWN")
        amounts = [o.short + share for o in coming]
        amounts[-1] += missed - share * len(coming)
        return Reinstated(
            tuple(zip((o.due_on for o in coming), amounts, strict=True)), missed, total
        )
    raise ValueError(f"{way!r} is not a way to reinstate (catch_up or spread)")
