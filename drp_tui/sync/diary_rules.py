"""A change to a complaint, an appointment or a phone's consent to texts the hub already has,
judged against the events that explain it (review 21d), as a new row is by rules.py.

Every change drp makes to these rows is a step with an event on the case whose payload states
the row as it left the step (services/complaints.py, services/appointments.py, services/sms.py).
So a change is taken only if one of the sender's own events on the row states it: a desk whose
file was edited (an appointment moved to 03:00 and marked kept, a complaint's reply put off a
year, a mobile marked for texts) sends a row no event explains. Free text is sealed in events,
so only the columns that carry a decision are compared. A cancelled, kept or missed
appointment and a closed complaint are final: no step changes them again. An appointment is
kept or missed only once it has started (review 21e), as services/appointments.py `settle`
has it: by the time of an event that states it, and by the hub's clock (`received`, allowing a
desk's clock an hour ahead, rules.py `AHEAD`).

Pure, as rules.py: the push looks up the sender's events; a PostgreSQL hub's database applies
the same rule to a desk's own login as `drp_diary_change_rule` (hub revision h019), and
tests/test_hub_rules_parity.py runs both; h022 adds the start of an appointment kept or missed)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from drp_tui.sync.rules import AHEAD

# The columns a step decides, as its event states them.
DECIDED: dict[str, tuple[str, ...]] = {
    "complaint": (
        "stage",
        "stage_started_on",
        "pauses_recovery",
        "reply_due",
        "status",
        "outcome",
        "closed_on",
    ),
    "appointment": ("starts_at", "status"),
    "phone": ("sms_consent_at",),
}
# The status a row may still change from.
OPEN = {"complaint": "open", "appointment": "booked"}
# The events that explain a change, and the payload field naming the row.
EXPLAINED_BY = {
    "complaint": ("complaint.", "complaint"),
    "appointment": ("appointment.", "appointment"),
    "phone": ("phone.sms_consent", "phone"),
}
# An instant as drp writes one (store) or states one (an event's isoformat): compared as
# instants, so 14:00+00:00 and 14:00:00.000000+00:00 are one time.
INSTANT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{6})?[+-][0-9]{2}:[0-9]{2}"
)


def instant(value: Any) -> datetime | None:
    if not isinstance(value, str) or INSTANT.fullmatch(value) is None:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def as_text(value: Any) -> str | None:
    """A column's value as the hub's SQL reads it from JSON (`->>`)."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def _states(table: str, row: Mapping[str, Any], payload: Mapping[str, Any]) -> bool:
    """Whether an event's payload states `row`'s decided columns."""
    for column in DECIDED[table]:
        if column in ("starts_at", "sms_consent_at"):
            found = instant(payload.get("at" if column == "sms_consent_at" else column))
            if found is None or found != instant(row.get(column)):
                return False
        elif as_text(payload.get(column)) != as_text(row.get(column)):
            return False
    return True


def change_refusal(
    table: str,
    row: Mapping[str, Any],
    before: Mapping[str, Any],
    events: Sequence[Mapping[str, Any]],
    received: datetime,
) -> str | None:
    """A change to a `table` row the hub has (`before`), as the desk sends it: `events` are the
    sender's events on the row (`EXPLAINED_BY`), each its payload with the event's `at`;
    `received` the hub's clock."""
    if all(as_text(row.get(c)) == as_text(before.get(c)) for c in DECIDED[table]):
        return None
    if table == "phone":
        if row.get("sms_consent_at") is None:
            return None  # consent withdrawn, or the number found wrong: never held against
        latest = max(events, key=lambda e: as_text(e.get("at")) or "", default=None)
        if latest is None or latest.get("given") is not True or not _states(table, row, latest):
            return "no phone.sms_consent event explains the consent to texts"
        return None
    was = before.get("status")
    if was != OPEN[table]:
        return f"the {table} is {as_text(was) or 'without a status'}: that is final"
    stating = [e for e in events if _states(table, row, e)]
    if not stating:
        return f"no {table} event explains the change"
    status = row.get("status")
    if table == "appointment" and status in ("kept", "missed"):
        start = instant(row.get("starts_at"))  # stated by an event, so an instant
        if (
            start is None
            or received + AHEAD < start
            or not any((at := instant(e.get("at"))) is not None and at >= start for e in stating)
        ):
            return f"an appointment is recorded {status} only once it has started"
    return None
