"""What an officer may do on a call: holds first, then the call's own ID&V (DOMAIN.md
decisions 9 and 10). Pure: the services apply it inside their transactions, and the screens
ask it before opening a form."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drp_tui.domain.holds import ActiveHold, refusing
from drp_tui.domain.outcomes import OutcomeCode

IDV_RESULTS = ("not_attempted", "passed", "failed", "third_party")


@dataclass(frozen=True)
class CallAction:
    what: str  # as the officer reads it: "promise to pay"
    hold_action: str | None  # the hold action (domain.holds.ACTIONS) it is, if any
    needs_idv: bool  # only with ID&V passed on this call


CALL_ACTIONS = {
    "promise": CallAction("promise to pay", "demand_payment", needs_idv=True),
    "arrangement": CallAction("arrangement", "make_arrangement", needs_idv=True),
    "affordability": CallAction("affordability assessment", None, needs_idv=True),
    "referral": CallAction("referral to an agency", "escalate", needs_idv=False),
}


def idv_refusal(what: str, idv_result: str) -> str | None:
    """Why `what` may not be done on a call whose ID&V stands at `idv_result`, or None."""
    if idv_result == "passed":
        return None
    if idv_result == "third_party":
        return (
            f"{what} refused: a third party is on the line (no account details and no "
            "agreements without recorded authority)"
        )
    state = "failed" if idv_result == "failed" else "not done"
    return f"{what} refused: ID&V {state} on this call (i records the checks)"


def call_refusal(action: str, *, idv_result: str, holds: Iterable[ActiveHold]) -> str | None:
    """Why `action` may not be taken on this call, or None when it may. A hold is the first
    reason given, because passing ID&V would not lift it."""
    rule = CALL_ACTIONS[action]
    if rule.hold_action is not None:
        found = refusing(holds, rule.hold_action)
        if found is not None:
            return f"{rule.what}: {found.message}"
    return idv_refusal(rule.what, idv_result) if rule.needs_idv else None


def outcome_refusal(
    code: OutcomeCode, *, idv_result: str, holds: Iterable[ActiveHold]
) -> str | None:
    """Why `code` may not end a call whose ID&V stands at `idv_result`, or None."""
    if code.idv == "passed" and idv_result != "passed":
        state = {"third_party": "a third party answered", "failed": "ID&V failed"}.get(
            idv_result, "no ID&V on this call"
        )
        return f"{code.code} ({code.name}) needs ID&V passed on this call: {state}"
    if code.idv == "failed" and idv_result != "failed":
        return f"{code.code} records a failed ID&V, and this call's ID&V is not failed"
    if "promise" in code.effects:
        found = refusing(holds, "demand_payment")
        if found is not None:
            return f"promise to pay: {found.message}"
    return None
