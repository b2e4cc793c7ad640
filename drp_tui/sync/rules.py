"""What a desk may send the hub (issue 19, item 3): the rules, in one place, that every hub
applies to a push before anything of it is written. Pure: the push looks up what they need
(the sender's officer row, the cases allocated to them, the events already on the hub) and
records each refusal as a security event (`hubrefusal`).

A desk acts for one officer. It may send only events in that officer's name, on cases the hub
has allocated to them; the decisions a supervisor takes only from a supervisor; and every row
with the event that explains it: a payment with its `payment.recorded` (a negative amount only
as the reversal of an earlier payment), a decided write-off with its `writeoff.approved` or
`writeoff.refused`, from a supervisor.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from drp_tui.domain.writeoff import role_rank

NEVER_ALLOCATED = "case never allocated to this officer"
# Decisions only a supervisor takes; a desk of a plain officer never sends them.
SUPERVISOR_KINDS = frozenset(
    {"writeoff.approved", "writeoff.refused", "officer.added", "officer.changed", "officer.updated"}
)
# A write-off decision is about one debt of one case: never case-less.
NEED_A_CASE = frozenset({"writeoff.approved", "writeoff.refused"})
DECIDED = ("approved", "refused")


@dataclass(frozen=True)
class Sender:
    """The officer a desk syncs as, as the hub knows them."""

    officer_id: str
    role: str
    team: str

    @property
    def is_supervisor(self) -> bool:
        return role_rank(self.role) >= role_rank("supervisor")


def no_such_officer(officer_id: str) -> str:
    return f"no officer '{officer_id}' on the hub"


def event_refusal(event: Mapping[str, Any], sender: Sender, allocated: bool) -> str | None:
    """Why the hub refuses `event` from `sender`'s desk, or None. `allocated`: its case was
    allocated to the sender (ignored for a case-less event)."""
    kind = str(event["kind"])
    if event["officer_id"] != sender.officer_id:
        return f"{kind}: in the name of another officer ({event['officer_id']})"
    if kind in SUPERVISOR_KINDS and not sender.is_supervisor:
        return f"{kind}: only a supervisor may send it"
    if kind in NEED_A_CASE and not event["case_id"]:
        return f"{kind}: a write-off decision needs its case"
    if event["case_id"] and not allocated:
        return f"{kind}: {NEVER_ALLOCATED}"
    return None


def payload_of(event: Mapping[str, Any]) -> dict[str, Any]:
    raw = event["payload"]
    if isinstance(raw, dict):
        return raw
    try:
        found = json.loads(raw)
    except (TypeError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _pence(value: Any) -> int | None:
    """An event's amount ("75.00") in pence, as the tables hold money."""
    try:
        return int(Decimal(str(value)) * 100)
    except (InvalidOperation, ValueError):
        return None


def payment_refusal(
    amount: int, explaining: Mapping[str, Any] | None, earlier: list[int]
) -> str | None:
    """A new payment row of `amount` pence: `explaining` is the sender's `payment.recorded`
    event naming it (or None), `earlier` the amounts (pence) of the payments the hub already
    has on its debt."""
    if explaining is None:
        return "no payment.recorded event explains it"
    if _pence(payload_of(explaining).get("amount")) != amount:
        return "the amount is not its payment.recorded event's"
    if amount < 0 and (
        payload_of(explaining).get("reversal") is not True or -amount not in earlier
    ):
        return "a negative amount not the reversal of an earlier payment"
    return None


def writeoff_refusal(
    row: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    sender: Sender,
    explaining: Mapping[str, Any] | None,
) -> str | None:
    """A write-off request as the desk sends it, `before` the hub's copy (None: new). A
    decision (approved or refused) comes only from a supervisor, with the event recording it."""
    status = str(row["status"])
    if status not in DECIDED or (before is not None and before["status"] == status):
        return None
    if not sender.is_supervisor:
        return f"{'an' if status == 'approved' else 'a'} {status} write-off only from a supervisor"
    if explaining is None:
        return f"no writeoff.{status} event explains it"
    return None
