"""Checking what an officer typed into the outcome form against the code's needs and the
calling rules, before anything is saved."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from drp_tui.domain.contact import may_call
from drp_tui.domain.dates import parse_date, parse_moment
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import parse_money
from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.domain.schedule import check_promise
from drp_tui.services.calls import Outcome
from drp_tui.services.policy import PolicyBook


def parse_callback(text: str, zone: str) -> datetime:
    """`2026-11-24 14:30` (or `24/11/2026 14:30`) in local time."""
    return parse_moment(text, zone, "callback")


def build_outcome(
    policy: PolicyBook,
    code: OutcomeCode,
    fields: Mapping[str, str],
    *,
    now: datetime,
    phone_ids: Sequence[str],
    jurisdiction: str = "england",
) -> Outcome:
    """An Outcome from the form, or InputError naming the field to fix."""
    needs = set(code.needs)
    amount = on = callback = None
    if "amount" in needs:
        amount = parse_money(fields.get("amount", ""), "amount")
        if amount <= 0:
            raise InputError("amount", "must be more than £0.00")
    if "date" in needs:
        on = parse_date(fields.get("date", ""), "date")
        if code.code == "PTP" and on < now.date():
            raise InputError("date", "a promise cannot be dated in the past")
    if "callback_at" in needs:
        hours = policy.contact.hours[-1].timezone
        callback = parse_callback(fields.get("callback_at", ""), hours)
        if callback <= now:
            raise InputError("callback", "must be later than now")
        check = may_call(policy.contact, callback, jurisdiction=jurisdiction)
        if not check.allowed:
            raise InputError("callback", "; ".join(check.reasons))
    phone = fields.get("phone") or None
    if "phone" in needs and phone not in phone_ids:
        raise InputError("phone", "choose which number was wrong")
    reason = fields.get("reason", "").strip()
    if "reason" in needs and not reason:
        raise InputError("reason", f"{code.name} needs a reason")
    if code.code == "PTP" and amount is not None and on is not None:
        # The service checks again; here the form says so before it closes.
        check_promise(policy.arrangements, amount, on, now.date(), reason)
    return Outcome(
        code=code.code,
        right_party=code.right_party,
        amount=amount,
        on=on,
        callback_at=callback,
        phone_id=phone,
        reason=reason,
        notes=fields.get("notes", "").strip(),
    )
