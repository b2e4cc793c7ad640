"""Turning what an officer types into the arrangement builder into a schedule over the debts
chosen: the order they are paid in, how the total covers them, the council's monthly offer
at the chosen frequency, and the debts' jurisdiction, all checked against policy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from drp_tui.domain.apply_order import (
    ORDER_ERROR,
    cover,
    order_finding,
    over_balance_finding,
    per_instalment,
)
from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import Money, parse_money
from drp_tui.domain.policy import in_force
from drp_tui.domain.schedule import FREQUENCIES, Finding, Frequency, Schedule, build_schedule
from drp_tui.services.caseview import DebtLine
from drp_tui.services.policy import PolicyBook


def apply_order(policy: PolicyBook, on: date) -> tuple[str, ...]:
    """The debt types an arrangement over several debts pays first, in order, under the
    policy in force `on`."""
    return in_force(policy.arrangements, on).apply_order


def frequency_of(fields: Mapping[str, str]) -> Frequency:
    frequency = fields.get("frequency", "monthly")
    for known in FREQUENCIES:
        if frequency == known:
            return known
    raise InputError("frequency", f"must be one of {', '.join(FREQUENCIES)}")


def schedule_from_form(
    policy: PolicyBook,
    fields: Mapping[str, str],
    *,
    today: date,
    debt_type: str | None = None,
    jurisdiction: str = "england",
    council_tax_upto: Money | None = None,
) -> Schedule:
    """A schedule from the form's text, or InputError naming the field to fix. Exactly one of
    instalment, count and clear-by is used: the first one filled in."""
    total = parse_money(fields.get("total", ""), "total")
    frequency = frequency_of(fields)
    first = parse_date(fields.get("first", ""), "first payment")
    instalment = count = clear_by = None
    if fields.get("instalment", "").strip():
        instalment = parse_money(fields["instalment"], "instalment")
    elif fields.get("count", "").strip():
        text = fields["count"].strip()
        if not text.isdigit():
            raise InputError("count", f"{text!r} is not a whole number of instalments")
        count = int(text)
    elif fields.get("clear_by", "").strip():
        clear_by = parse_date(fields["clear_by"], "clear by")
    else:
        raise InputError(
            "instalment", "give an instalment amount, a number of instalments or a clear-by date"
        )
    return build_schedule(
        policy.arrangements,
        total=total,
        frequency=frequency,
        first=first,
        today=today,
        instalment=instalment,
        count=count,
        clear_by=clear_by,
        debt_type=debt_type,
        override_reason=fields.get("override", "").strip() or None,
        jurisdiction=jurisdiction,
        council_tax_upto=council_tax_upto,
    )


@dataclass(frozen=True)
class ArrangementRequest:
    """An arrangement as the builder showed it: the debts in the order paid, the fields as
    typed (with "frequency" and "override"), and the council's monthly offer if one was used.
    Built on the UI thread; the save builds the schedule again with the same function the
    builder's preview calls, and the store checks it again in its transaction."""

    case_id: str
    call_id: str
    debts: tuple[DebtLine, ...]
    fields: Mapping[str, str]
    monthly_offer: Money | None = None


@dataclass(frozen=True)
class ArrangementPreview:
    """A schedule over the chosen debts (its findings include the order and the offer), and
    how much of each debt it covers, in the order they are paid."""

    schedule: Schedule
    covers: tuple[tuple[DebtLine, Money], ...]


def preview_arrangement(
    policy: PolicyBook,
    fields: Mapping[str, str],
    *,
    debts: Sequence[DebtLine],
    today: date,
    monthly_offer: Money | None = None,
) -> ArrangementPreview:
    """The arrangement the form describes over `debts`, paid in the order given, or
    InputError naming what to fix."""
    if not debts:
        raise InputError("debts", "choose at least one debt")
    places = {d.jurisdiction for d in debts}
    if len(places) > 1:
        raise InputError(
            "debts", f"the debts are in {' and '.join(sorted(places))}: one arrangement for each"
        )
    total = parse_money(fields.get("total", ""), "total")
    balances = [_disclosed(d.balance) for d in debts]
    amounts = cover(total, balances)
    # Council tax must clear by the year end: the running total up to the last of it.
    running, council_tax_upto = Decimal(0), None
    for debt, amount in zip(debts, amounts, strict=True):
        running += amount
        if debt.debt_type == "council_tax" and amount > 0:
            council_tax_upto = running
    schedule = schedule_from_form(
        policy,
        fields,
        today=today,
        jurisdiction=debts[0].jurisdiction,
        council_tax_upto=council_tax_upto,
    )
    errors, warnings = list(schedule.errors), list(schedule.warnings)
    found = order_finding(debts, apply_order(policy, today), fields.get("override"))
    if found is not None:
        (errors if found.code == ORDER_ERROR else warnings).append(found)
    over = over_balance_finding(total, balances)
    if over is not None:
        warnings.append(over)
    if monthly_offer is not None and schedule.instalments:
        warnings += offer_findings(schedule, frequency_of(fields), monthly_offer)
    return ArrangementPreview(
        replace(schedule, errors=tuple(errors), warnings=tuple(warnings)),
        tuple(zip(debts, amounts, strict=True)),
    )


PER = {"weekly": "week", "fortnightly": "fortnight", "four-weekly": "4 weeks", "monthly": "month"}


def offer_findings(schedule: Schedule, frequency: Frequency, monthly: Money) -> list[Finding]:
    """The council's monthly offer, converted to the schedule's frequency, against its
    regular instalment."""
    offer = per_instalment(monthly, frequency)
    regular = schedule.instalments[0].amount
    if regular <= offer:
        return []
    per = PER[frequency]
    converted = "" if frequency == "monthly" else f" (£{offer:,.2f} a {per})"
    return [
        Finding(
            "above_offer",
            f"instalments of £{regular:,.2f} a {per} are above the assessed surplus of "
            f"£{monthly:,.2f} a month{converted}",
        )
    ]


def _disclosed(balance: Money | None) -> Money:
    """A balance the call may see; an arrangement is never built on a masked one."""
    if balance is None:
        raise InputError("debts", "the balances show once ID&V passes on this call")
    return balance
