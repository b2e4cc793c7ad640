"""What a desk may send the hub (issue 19, item 3): the rules, in one place, that every hub
applies to a push before anything of it is written. Pure: the push looks up what they need
(the sender's officer row, the cases allocated to them, the events already on the hub) and
records each refusal as a security event (`hubrefusal`).

A desk acts for one officer. It may send only events in that officer's name, on cases the hub
has allocated to them; the decisions a supervisor takes only from a supervisor; and every row
with the event that explains it: a payment with its `payment.recorded` (a negative amount only
as the reversal of an earlier payment not reversed yet), a decided write-off with its
`writeoff.approved` or `writeoff.refused`, from a supervisor in their own name, and final;
a complaint recorded and an appointment booked in the officer's own name, the appointment in
the sender's own calendar unless a supervisor books it; a change to a complaint, an
appointment or a phone's consent to texts with the sender's event stating it (diary_rules.py).

Two copies, one table of cases: a SQLite hub (and a push with the hub owner's credential)
applies these functions; a PostgreSQL hub's database applies the same rules to a desk's own
login as the SQL functions `drp_event_rule`, `drp_payment_rule` and `drp_writeoff_rule` (hub
revision h009), `drp_complaint_rule` and `drp_appointment_rule` (h017, h019), because the desk is
not trusted to run them. tests/test_hub_rules_parity.py runs every case through both and
requires the same verdict, word for word.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from drp_tui.domain.permissions import Duty, may

NEVER_ALLOCATED = "case never allocated to this officer"
# What a kind of event needs of its sender's role (domain/permissions.py). The queue and the
# team's list of officers are a supervisor's, every kind in those namespaces, whatever its name
# (a list of kinds let new ones through); the nightly jobs' own kinds are also the service
# login's. Any other kind any officer may send, on their own allocated cases.
SUPERVISOR_NAMESPACES = ("queue.", "officer.")
SUPERVISOR_KINDS = frozenset(
    {"writeoff.approved", "writeoff.refused", "retention.applied", "sar.exported", "person.erased"}
)
# The nightly and bulk jobs' own verdicts and records (drp arrangements check, drp import,
# drp letters batch; a supervisor's --allow-repeat): batch duty on the desk, so on the hub too
# (review 19c: a plain officer's desk could send them).
BATCH_KINDS = frozenset(
    {
        "queue.returned",
        "arrangement.completed",
        "arrangement.breached",
        "promise.kept",
        "promise.broken",
        "import.cases",
        "import.payments",
        "payment.repeat_allowed",
        "letter.printed",
        "letter.withheld",
    }
)
SENDERS: dict[Duty, str] = {
    "supervise": "a supervisor",
    "batch": "a supervisor or the nightly service login",
}
# A write-off decision is about one debt of one case: never case-less.
NEED_A_CASE = frozenset({"writeoff.approved", "writeoff.refused"})
DECIDED = ("approved", "refused")
# The columns that record a write-off's decision: a supervisor's, once.
DECISION = ("status", "approved_by", "approved_at")
# The columns of a row made on a desk that say which officer did the work: the sender's own,
# as an event's officer_id is (review 19c). On a row the hub has, only a changed one is judged.
BY_OFFICER: dict[str, tuple[str, ...]] = {
    "contactattempt": ("officer_id",),
    "promise": ("officer_id",),
    "arrangement": ("officer_id",),
    "assessment": ("officer_id",),
    "vulnerability": ("recorded_by",),
    "thirdpartyauthority": ("recorded_by", "ended_by"),
    "writeoffrequest": ("requested_by",),
}
# An event's time as a store writes it (store/types.py instant_text): UTC to the microsecond.
# The hub's SQL checks the same pattern and compares the text, as this does.
INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{6}\+00:00")
# How far a desk's clock may run ahead of the hub's before its events are called forged.
AHEAD = timedelta(hours=1)
# An amount as an event states it ("75.00", "-75.00"): the hub's SQL checks the same pattern.
AMOUNT = re.compile(r"-?[0-9]+(\.[0-9]+)?")


@dataclass(frozen=True)
class Sender:
    """The officer a desk syncs as, as the hub knows them."""

    officer_id: str
    role: str
    team: str


def no_such_officer(officer_id: str) -> str:
    return f"no officer '{officer_id}' on the hub"


def kind_needs(kind: str) -> Duty | None:
    """The duty a kind of event needs of its sender (None: any officer's)."""
    if kind in BATCH_KINDS:
        return "batch"
    if kind in SUPERVISOR_KINDS or kind.startswith(SUPERVISOR_NAMESPACES):
        return "supervise"
    return None


def event_refusal(event: Mapping[str, Any], sender: Sender, allocated: bool) -> str | None:
    """Why the hub refuses `event` from `sender`'s desk, or None. `allocated`: its case was
    allocated to the sender (ignored for a case-less event)."""
    kind = str(event["kind"])
    if event["officer_id"] != sender.officer_id:
        return f"{kind}: in the name of another officer ({event['officer_id']})"
    needs = kind_needs(kind)
    if needs is not None and not may(sender.role, needs):
        return f"{kind}: only {SENDERS[needs]} may send it"
    if kind in NEED_A_CASE and event["case_id"] is None:
        return f"{kind}: a write-off decision needs its case"
    if event["case_id"] is not None and not allocated:
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


def _pence(value: Any) -> Decimal | None:
    """An event's amount ("75.00") in pence, as the tables hold money."""
    if not isinstance(value, str) or AMOUNT.fullmatch(value) is None:  # a JSON string only
        return None
    return Decimal(value) * 100


def payment_refusal(
    amount: int, explaining: Mapping[str, Any] | None, earlier: list[int]
) -> str | None:
    """A new payment row of `amount` pence: `explaining` is the sender's `payment.recorded`
    event naming it (or None), `earlier` the amounts (pence) of the payments the hub already
    has on its debt. A negative amount reverses an earlier payment of that amount that is not
    reversed yet: more payments of it on the debt than reversals of it (as
    services/remittance_once.py checks on the desk)."""
    if explaining is None:
        return "no payment.recorded event explains it"
    if _pence(payload_of(explaining).get("amount")) != amount:
        return "the amount is not its payment.recorded event's"
    if amount < 0 and (
        payload_of(explaining).get("reversal") is not True
        or earlier.count(-amount) <= earlier.count(amount)
    ):
        return "a negative amount not the reversal of an earlier payment"
    return None


def _decision(row: Mapping[str, Any] | None) -> tuple[str | None, ...]:
    if row is None:
        return ("requested", None, None)
    return tuple(None if row.get(k) is None else str(row[k]) for k in DECISION)


def writeoff_refusal(
    row: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    sender: Sender,
    explaining: Mapping[str, Any] | None,
) -> str | None:
    """A write-off request as the desk sends it, `before` the hub's copy (None: new). Its
    decision (status approved or refused, who decided and when) comes only from a supervisor,
    in their own name, with the event recording it; once decided it is final: a desk may
    neither undo it nor rewrite who decided."""
    if _decision(row) == _decision(before):
        return None
    status = str(row["status"])
    if before is not None and before["status"] in DECIDED:
        return f"the write-off is {before['status']}: a decision is final"
    if status not in DECIDED:
        return "who decided a write-off is recorded only with its decision"
    if not may(sender.role, "supervise"):
        return f"{'an' if status == 'approved' else 'a'} {status} write-off only from a supervisor"
    if row["approved_by"] != sender.officer_id:
        by = "nobody" if row["approved_by"] is None else row["approved_by"]
        return f"a write-off {status} in the name of another officer ({by})"
    if explaining is None:
        return f"no writeoff.{status} event explains it"
    return None


def _named(row: Mapping[str, Any], column: str) -> str:
    return "" if row.get(column) is None else str(row[column])


def complaint_refusal(
    row: Mapping[str, Any], before: Mapping[str, Any] | None, sender: Sender
) -> str | None:
    """A complaint as the desk sends it, `before` the hub's copy (None: new). Whoever takes a
    complaint records it, in their own name; a change after is only of the columns a desk may
    change (tables.py), so who recorded it stands."""
    if before is None and row.get("recorded_by") != sender.officer_id:
        return f"a complaint recorded in the name of another officer ({_named(row, 'recorded_by')})"
    return None


def appointment_refusal(
    row: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    sender: Sender,
    case_officer: str | None,
) -> str | None:
    """An appointment as the desk sends it, `before` the hub's copy (None: new), `case_officer`
    who has its case on the hub. Booked in the sender's own name and calendar unless the sender
    supervises (as services/appointments.py books it: an officer books as the case's officer,
    so in their own calendar; review 21d: "or the case's officer's" let a desk book into the
    calendar of the officer a case moved to). Changed by the officer it is with, the case's
    officer or a supervisor (diary_rules.py judges what changed)."""
    if before is not None:
        if sender.officer_id in (before.get("officer_id"), case_officer) or may(
            sender.role, "supervise"
        ):
            return None
        return "an appointment is changed by the officer it is with, its case's or a supervisor"
    if row.get("booked_by") != sender.officer_id:
        return f"an appointment booked in the name of another officer ({_named(row, 'booked_by')})"
    if row.get("officer_id") != sender.officer_id and not may(sender.role, "supervise"):
        return (
            f"an appointment in {_named(row, 'officer_id')}'s calendar is for a supervisor to book"
        )
    return None


def officer_refusal(
    table: str, row: Mapping[str, Any], before: Mapping[str, Any] | None, sender_id: str
) -> str | None:
    """A row of `table` as the desk sends it, `before` the hub's copy (None: new): each column
    naming who did the work (`BY_OFFICER`) names the sender, or nobody, or is unchanged."""
    for column in BY_OFFICER.get(table, ()):
        value = row.get(column)
        if value is None or str(value) == sender_id:
            continue
        if (
            before is not None
            and before.get(column) is not None
            and str(before[column]) == str(value)
        ):
            continue
        return f"{table}.{column}: in the name of another officer ({value})"
    return None


def promise_refusal(
    row: Mapping[str, Any], before: Mapping[str, Any] | None, sender: Sender
) -> str | None:
    """A promise as the desk sends it, `before` the hub's copy (None: new). A desk makes a
    promise open; whether it was kept or broken is the nightly check's verdict (batch duty),
    never a desk's own say (review 19c)."""
    status = row.get("status")
    was = "open" if before is None or before.get("status") is None else before["status"]
    if status == was or may(sender.role, "batch"):
        return None
    shown = "without a status" if status is None else status
    return f"a promise {shown} only from the nightly check ({SENDERS['batch']})"


def _pounds(pence: int) -> str:
    return f"{Decimal(pence) / 100:.2f}"


def instalment_refusal(paid: int, before: int | None, others: int, received: int) -> str | None:
    """An instalment as the desk sends it: `paid` (pence), `before` what the hub's copy has paid
    (None: new), `others` what the arrangement's other instalments have paid on the hub,
    `received` the payments on the hub on the debts it covers. Instalments are paid by payments
    (services/payments.py applies each to its debt's live arrangement, and a push sends payments
    first): what is paid may rise only within what its debts received (review 19c: a desk marked
    instalments paid with no payment, and the nightly check completed the arrangement)."""
    if paid <= (before or 0) or others + paid <= received:
        return None
    return (
        f"instalments paid {_pounds(others + paid)}, more than the {_pounds(received)} "
        "received on the arrangement's debts"
    )


def time_refusal(kind: str, at: Any, received: datetime) -> str | None:
    """An event dated after it reached the hub, beyond a clock's drift (`AHEAD`), was made
    with a clock set ahead (a pinned DRP_NOW on a store its officer marked training): the
    record must carry the real time (issue 19, item 1; review 19c)."""
    if not isinstance(at, str) or INSTANT.fullmatch(at) is None:
        return f"{kind}: its time is not an instant as drp writes it"
    latest = (received + AHEAD).astimezone(UTC).isoformat(timespec="microseconds")
    if at > latest:
        return f"{kind}: dated after it reached the hub ({at})"
    return None
