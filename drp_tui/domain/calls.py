"""What an officer may do on a call: holds first, then who is on the line (DOMAIN.md
decisions 9 and 10). Pure: the services apply it inside their transactions, and the screens
ask it before opening a form.

Who is on the line has a *standing*: the debtor with ID&V passed on this call may do
everything; a third party with recorded authority may do what that authority covers
("discuss": hear the account detail; "arrange": agree payment on the debtor's behalf);
anyone else nothing."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from drp_tui.domain.holds import ActiveHold, refusing
from drp_tui.domain.outcomes import OutcomeCode

IDV_RESULTS = ("not_attempted", "passed", "failed", "third_party", "authorised")
# The standing of a call cut off when drp closed: no one is on the line any more.
INTERRUPTED = "interrupted"
# What a third party's authority may cover, as the officer reads it.
SCOPES = {
    "discuss": "hear the account detail",
    "arrange": "agree payment on the debtor's behalf",
}


@dataclass(frozen=True)
class Standing:
    """What the person on the line may do on this call, from its ID&V."""

    idv_result: str = "not_attempted"
    may: frozenset[str] = frozenset()


def standing(idv_result: str, scope: Iterable[str] = ()) -> Standing:
    """ID&V passed: everything; a third party with recorded authority ("authorised"): what
    the authority covers; anything else: nothing."""
    if idv_result == "passed":
        return Standing(idv_result, frozenset(SCOPES))
    if idv_result == "authorised":
        may = frozenset(scope) & frozenset(SCOPES)
        # Agreeing payment on a debt means hearing what it is: "arrange" includes "discuss".
        return Standing(idv_result, may | {"discuss"} if "arrange" in may else may)
    return Standing(idv_result)


@dataclass(frozen=True)
class CallAction:
    what: str  # as the officer reads it: "promise to pay"
    hold_action: str | None  # the hold action (domain.holds.ACTIONS) it is, if any
    needs: str | None  # the standing (SCOPES) the person on the line must have, if any
    live: bool = False  # asks the person on the line: never on a call cut off (INTERRUPTED)


CALL_ACTIONS = {
    "idv": CallAction("ID&V check", None, needs=None, live=True),
    "promise": CallAction("promise to pay", "demand_payment", needs="arrange"),
    "arrangement": CallAction("arrangement", "make_arrangement", needs="arrange"),
    "affordability": CallAction("affordability assessment", None, needs="discuss"),
    "referral": CallAction("referral to an agency", "escalate", needs=None),
}


def idv_refusal(what: str, on_line: Standing, needs: str = "discuss") -> str | None:
    """Why `what`, which needs `needs`, may not be done by whoever is on the line, or None."""
    if needs in on_line.may:
        return None
    if on_line.idv_result == INTERRUPTED:
        return (
            f"{what} refused: this call was cut off when drp closed; record its outcome (o), "
            "then call again"
        )
    if on_line.idv_result == "authorised":
        return (
            f"{what} refused: the third party's recorded authority does not let them "
            f"{SCOPES[needs]}"
        )
    if on_line.idv_result == "third_party":
        return (
            f"{what} refused: a third party is on the line (no account details and no "
            "agreements without recorded authority)"
        )
    state = "failed" if on_line.idv_result == "failed" else "not done"
    return f"{what} refused: ID&V {state} on this call (i records the checks)"


def call_refusal(action: str, *, standing: Standing, holds: Iterable[ActiveHold]) -> str | None:
    """Why `action` may not be taken on this call, or None when it may. A hold is the first
    reason given, because passing ID&V would not lift it."""
    rule = CALL_ACTIONS[action]
    if rule.hold_action is not None:
        found = refusing(holds, rule.hold_action)
        if found is not None:
            return f"{rule.what}: {found.message}"
    if rule.live and standing.idv_result == INTERRUPTED:
        return idv_refusal(rule.what, standing, "discuss")
    return None if rule.needs is None else idv_refusal(rule.what, standing, rule.needs)


def outcome_refusal(
    code: OutcomeCode, *, standing: Standing, holds: Iterable[ActiveHold], cut_off: bool = False
) -> str | None:
    """Why `code` may not end a call with `standing` on the line, or None. A code that needs
    ID&V passed needs someone who may discuss the account; one that records a promise, someone
    who may agree payment."""
    idv_result = standing.idv_result
    if cut_off and "promise" in code.effects:
        return (
            f"{code.code} ({code.name}): this call was cut off when drp closed, so nothing new "
            "can be agreed on it; record what happened, then call again"
        )
    if code.idv == "passed" and "discuss" not in standing.may:
        if idv_result == "authorised":
            return (
                f"{code.code} ({code.name}) needs ID&V passed on this call, or a third party "
                "with authority to discuss the account: their authority does not cover it"
            )
        state = {"third_party": "a third party answered", "failed": "ID&V failed"}.get(
            idv_result, "no ID&V on this call"
        )
        return f"{code.code} ({code.name}) needs ID&V passed on this call: {state}"
    if code.idv == "none" and idv_result != "not_attempted":
        return (
            f"{code.code} ({code.name}) says no one was spoken to, but an ID&V check was "
            "recorded on this call: choose what happened with the person who answered"
        )
    if "deceased" in code.effects and idv_result == "passed":
        return (
            f"{code.code} ({code.name}): the debtor passed ID&V on this call, so they cannot "
            "be recorded as deceased on it; record a death on the call that reports it"
        )
    if code.idv == "failed" and idv_result != "failed":
        return f"{code.code} records a failed ID&V, and this call's ID&V is not failed"
    if "promise" in code.effects and "arrange" not in standing.may:
        return (
            f"{code.code} ({code.name}) needs someone who may agree payment: ID&V passed on "
            "this call, or a third party whose recorded authority covers arranging"
        )
    if code.refused_on_hold is not None:
        found = refusing(holds, code.refused_on_hold)
        if found is not None:
            return f"{code.code} ({code.name}): {found.message}"
    if "promise" in code.effects:
        found = refusing(holds, "demand_payment")
        if found is not None:
            return f"promise to pay: {found.message}"
    return None
