"""Turning what an officer types into the arrangement builder into a schedule (and saving it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import parse_money
from drp_tui.domain.schedule import FREQUENCIES, Schedule, build_schedule
from drp_tui.services.policy import PolicyBook


def schedule_from_form(
    policy: PolicyBook, fields: Mapping[str, str], *, debt_type: str, today: date
) -> Schedule:
    """A schedule from the form's text, or InputError naming the field to fix. Exactly one of
    instalment, count and clear-by is used: the first one filled in."""
    total = parse_money(fields.get("total", ""), "total")
    frequency = fields.get("frequency", "monthly")
    if frequency not in FREQUENCIES:
        raise InputError("frequency", f"must be one of {', '.join(FREQUENCIES)}")
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
    )
