"""The rules of what a desk may send exist twice: in Python (drp_tui/sync/rules.py and
diary_rules.py, for a SQLite hub and a push with the hub owner's credential) and in SQL (hub
revisions h009, h017, h019, h020 and h022, applied by a PostgreSQL hub's database to a desk's
own login). One table of cases runs through both, on a real hub database, and each case must
get the same verdict, word for word, so the two cannot drift apart."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest

from drp_tui.sync.diary_rules import change_refusal
from drp_tui.sync.rules import (
    Sender,
    appointment_refusal,
    complaint_refusal,
    event_refusal,
    instalment_refusal,
    officer_refusal,
    payment_refusal,
    promise_refusal,
    time_refusal,
    writeoff_refusal,
)
from tests.hubteam import team_hub
from tests.postgres import PostgresCluster

ROLES = {
    "asmith": "officer",
    "bjones": "officer",
    "sup": "supervisor",
    "nightly": "service",
    "mgr": "manager",
}
CASE = "case-1"

# sender, kind, the event's officer, its case, whether that case is allocated to the sender
EVENTS: list[tuple[str, str, str, str | None, bool]] = [
    ("asmith", "note.added", "asmith", CASE, True),
    ("asmith", "note.added", "asmith", None, False),
    ("asmith", "note.added", "asmith", CASE, False),
    ("asmith", "note.added", "bjones", CASE, True),
    ("asmith", "contact.recorded", "sup", CASE, True),
    ("asmith", "writeoff.approved", "asmith", CASE, True),
    ("asmith", "writeoff.refused", "asmith", None, False),
    ("sup", "writeoff.approved", "sup", None, False),
    ("sup", "writeoff.approved", "sup", CASE, True),
    ("sup", "writeoff.refused", "sup", CASE, False),
    ("asmith", "queue.moved", "asmith", CASE, True),
    ("asmith", "queue.allocated", "asmith", CASE, True),
    ("asmith", "queue.rebalanced", "asmith", None, False),
    ("asmith", "queue.anything_new", "asmith", None, False),
    ("sup", "queue.moved", "sup", CASE, True),
    ("mgr", "queue.rebalanced", "mgr", None, False),
    ("asmith", "queue.returned", "asmith", None, False),
    ("nightly", "queue.returned", "nightly", None, False),
    ("nightly", "queue.moved", "nightly", CASE, True),
    ("nightly", "arrangement.broken", "nightly", CASE, True),
    ("asmith", "officer.updated", "asmith", None, False),
    ("asmith", "officer.added", "sup", None, False),
    ("asmith", "retention.applied", "asmith", None, False),
    ("asmith", "sar.exported", "asmith", CASE, True),
    ("asmith", "person.erased", "asmith", CASE, True),
    ("sup", "person.erased", "sup", CASE, True),
    ("asmith", "queue", "asmith", None, False),
    ("asmith", "queuemoved", "asmith", None, False),
    # the nightly and bulk jobs' own events (review 19c)
    ("asmith", "promise.kept", "asmith", CASE, True),
    ("asmith", "arrangement.breached", "asmith", CASE, True),
    ("asmith", "import.payments", "asmith", None, False),
    ("asmith", "letter.printed", "asmith", CASE, True),
    ("asmith", "payment.repeat_allowed", "asmith", CASE, True),
    ("nightly", "promise.broken", "nightly", CASE, True),
    ("nightly", "import.cases", "nightly", None, False),
    ("sup", "arrangement.completed", "sup", CASE, True),
    ("asmith", "promise.made", "asmith", CASE, True),
]

# amount (pence), the explaining event's payload (None: no event), earlier amounts on the debt
PAYMENTS: list[tuple[int, Any, list[int]]] = [
    (7500, None, []),
    (7500, {"payment": "p", "amount": "75.00"}, []),
    (7500, {"payment": "p", "amount": "70.00"}, []),
    (7500, {"payment": "p", "amount": 75}, []),
    (7500, {"payment": "p", "amount": "75"}, []),
    (7500, {"payment": "p", "amount": "75.005"}, []),
    (7500, {"payment": "p", "amount": "7.5e1"}, []),
    (7500, {"payment": "p", "amount": " 75.00"}, []),
    (7500, {"payment": "p"}, []),
    (7500, ["not", "an", "object"], []),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, [7500]),
    (-7500, {"payment": "r", "amount": "-75.00"}, [7500]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": "true"}, [7500]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, [7500, -7500]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, [7500, 7500, -7500]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, [7500, -7500, -7500]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, [5000]),
    (-7500, {"payment": "r", "amount": "-75.00", "reversal": True}, []),
    (-5000000, {"payment": "r", "amount": "-50000.00", "reversal": True}, [7500]),
]

REQUESTED = {"status": "requested", "approved_by": None, "approved_at": None}
APPROVED = {"status": "approved", "approved_by": "sup", "approved_at": "2026-11-23T10:00"}
REFUSED = {"status": "refused", "approved_by": "sup", "approved_at": "2026-11-23T10:00"}
# the row as the desk sends it, the hub's copy (None: new), sender, the explaining event is there
WRITEOFFS: list[tuple[dict[str, Any], dict[str, Any] | None, str, bool]] = [
    (REQUESTED, None, "asmith", False),
    (REQUESTED, REQUESTED, "asmith", False),
    (APPROVED, None, "asmith", False),
    (APPROVED, None, "asmith", True),
    (REFUSED, REQUESTED, "asmith", True),
    (APPROVED, REQUESTED, "sup", True),
    (APPROVED, REQUESTED, "sup", False),
    (REFUSED, None, "sup", True),
    (APPROVED, REQUESTED, "mgr", True),
    (APPROVED, REQUESTED, "nightly", True),
    ({**APPROVED, "approved_by": "mgr"}, REQUESTED, "sup", True),
    ({**APPROVED, "approved_by": None}, REQUESTED, "sup", True),
    (APPROVED, APPROVED, "asmith", False),
    ({**REQUESTED, "status": "pending"}, APPROVED, "asmith", False),
    (REQUESTED, APPROVED, "sup", False),
    ({**APPROVED, "approved_by": "asmith"}, APPROVED, "asmith", False),
    ({**APPROVED, "approved_at": "2026-11-20T09:00"}, APPROVED, "sup", True),
    (REFUSED, APPROVED, "sup", True),
    ({**REQUESTED, "approved_by": "sup"}, REQUESTED, "asmith", False),
    ({**REQUESTED, "approved_by": "sup"}, None, "sup", False),
    ({**APPROVED, "status": None}, REQUESTED, "sup", True),
]

# A complaint as the desk sends it, the hub's copy (None: new), sender (h017)
TAKEN = {"recorded_by": "asmith", "status": "open"}
COMPLAINTS: list[tuple[dict[str, Any], dict[str, Any] | None, str]] = [
    (TAKEN, None, "asmith"),
    (TAKEN, None, "bjones"),
    (TAKEN, None, "sup"),
    ({**TAKEN, "recorded_by": "sup"}, None, "sup"),
    ({**TAKEN, "recorded_by": None}, None, "asmith"),
    ({**TAKEN, "status": "closed"}, TAKEN, "asmith"),
    ({**TAKEN, "status": "closed"}, TAKEN, "sup"),
]
# An appointment as the desk sends it, the hub's copy, sender, the case's officer on the hub
BOOKED = {"officer_id": "asmith", "booked_by": "asmith", "status": "booked"}
APPOINTMENTS: list[tuple[dict[str, Any], dict[str, Any] | None, str, str | None]] = [
    (BOOKED, None, "asmith", "asmith"),
    (BOOKED, None, "asmith", "bjones"),  # booked before the case moved
    (BOOKED, None, "bjones", "bjones"),
    ({**BOOKED, "booked_by": "sup"}, None, "asmith", "asmith"),
    ({**BOOKED, "booked_by": None}, None, "asmith", "asmith"),
    ({**BOOKED, "officer_id": "bjones"}, None, "asmith", "asmith"),
    ({**BOOKED, "officer_id": "bjones"}, None, "asmith", "bjones"),
    ({**BOOKED, "officer_id": "bjones"}, None, "asmith", None),
    ({**BOOKED, "officer_id": "bjones", "booked_by": "sup"}, None, "sup", "asmith"),
    ({**BOOKED, "officer_id": "bjones", "booked_by": "mgr"}, None, "mgr", "asmith"),
    ({**BOOKED, "officer_id": "sup", "booked_by": "nightly"}, None, "nightly", "asmith"),
    ({**BOOKED, "officer_id": None}, None, "asmith", None),
    ({**BOOKED, "status": "cancelled"}, BOOKED, "asmith", "asmith"),
    ({**BOOKED, "status": "kept", "booked_by": "sup"}, BOOKED, "asmith", "bjones"),
    # review 21d: in the calendar of the officer the case moved to, booked by the one it left
    ({**BOOKED, "officer_id": "bjones"}, None, "asmith", "bjones"),
    ({**BOOKED, "status": "cancelled"}, BOOKED, "bjones", "bjones"),  # the case's officer
    ({**BOOKED, "status": "kept"}, BOOKED, "bjones", "asmith"),  # neither
    ({**BOOKED, "status": "kept"}, BOOKED, "sup", "bjones"),
    ({**BOOKED, "status": "kept"}, {**BOOKED, "officer_id": None}, "asmith", None),
]

# A change to a row the hub has, as the desk sends it, the hub's copy, the sender's events on
# the row (each its payload with the event's `at`) (review 21d)
AT = "2026-11-23T10:00:00.000000+00:00"
SLOT = {"status": "booked", "starts_at": "2026-11-24T14:00:00.000000+00:00"}
MOVED = {**SLOT, "starts_at": "2026-11-24T15:00:00.000000+00:00"}
HEARD = {"appointment": "a", "status": "booked", "starts_at": "2026-11-24T15:00:00+00:00"}
OPEN = {
    "stage": "stage_1",
    "stage_started_on": "2026-11-23",
    "pauses_recovery": False,
    "reply_due": "2026-12-07",
    "status": "open",
    "outcome": None,
    "closed_on": None,
}
ANSWERED = {**OPEN, "status": "closed", "outcome": "not_upheld", "closed_on": "2026-11-23"}
CONSENT = {"sms_consent_at": AT}
NO_CONSENT = {"sms_consent_at": None}
GIVEN = {"phone": "p", "given": True, "at": AT}
CHANGES: list[tuple[str, dict[str, Any], dict[str, Any], list[dict[str, Any]]]] = [
    ("appointment", SLOT, SLOT, []),
    ("appointment", {**SLOT, "note": "x"}, SLOT, []),
    ("appointment", MOVED, SLOT, []),
    ("appointment", MOVED, SLOT, [HEARD]),
    ("appointment", MOVED, SLOT, [{**HEARD, "starts_at": "2026-11-24T15:00:00+01:00"}]),
    ("appointment", MOVED, SLOT, [{**HEARD, "starts_at": "2026-11-24 15:00:00+00:00"}]),
    ("appointment", MOVED, SLOT, [{**HEARD, "starts_at": "2026-13-24T15:00:00+00:00"}]),
    ("appointment", MOVED, SLOT, [{**HEARD, "starts_at": None}]),
    ("appointment", MOVED, SLOT, [{**HEARD, "starts_at": 5}]),
    ("appointment", {**SLOT, "status": "kept"}, SLOT, [HEARD]),
    ("appointment", {**SLOT, "status": "kept"}, SLOT, [HEARD, {**HEARD, **SLOT}]),
    ("appointment", {**SLOT, "status": "kept"}, SLOT, [{**HEARD, **SLOT, "status": "kept"}]),
    ("appointment", {**MOVED, "starts_at": "x"}, SLOT, [{**HEARD, "starts_at": "x"}]),
    ("appointment", MOVED, {**SLOT, "status": "cancelled"}, [HEARD]),
    ("appointment", MOVED, {**SLOT, "status": None}, [HEARD]),
    ("complaint", OPEN, OPEN, []),
    ("complaint", {**OPEN, "reply_due": "2027-12-31"}, OPEN, [OPEN]),
    ("complaint", ANSWERED, OPEN, [OPEN]),
    ("complaint", ANSWERED, OPEN, [OPEN, ANSWERED]),
    ("complaint", ANSWERED, OPEN, [{**ANSWERED, "pauses_recovery": "false"}]),
    ("complaint", {**ANSWERED, "outcome": "upheld"}, OPEN, [ANSWERED]),
    ("complaint", OPEN, ANSWERED, [OPEN]),
    ("phone", CONSENT, NO_CONSENT, []),
    ("phone", CONSENT, NO_CONSENT, [GIVEN]),
    ("phone", CONSENT, NO_CONSENT, [{**GIVEN, "given": "true"}]),
    ("phone", CONSENT, NO_CONSENT, [{**GIVEN, "at": "2026-11-20T10:00:00.000000+00:00"}]),
    ("phone", CONSENT, NO_CONSENT, [GIVEN, {**GIVEN, "given": False, "at": AT[:-6] + "1+00:00"}]),
    ("phone", NO_CONSENT, CONSENT, []),
    ("phone", CONSENT, CONSENT, []),
    ("phone", {**CONSENT, "status": "wrong"}, CONSENT, []),
]
# The hub's clock for CHANGES: after the slot.
RECEIVED = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)

# An appointment recorded kept, missed or cancelled: the row as the desk sends it, the times of
# the sender's events stating it, the hub's clock (review 21e, h022)
KEPT = {**SLOT, "status": "kept"}
MISSED = {**SLOT, "status": "missed"}
AFTER = "2026-11-24T14:30:00.000000+00:00"
SETTLED: list[tuple[dict[str, Any], list[Any], datetime]] = [
    (KEPT, [AFTER], RECEIVED),
    (KEPT, [AT], RECEIVED),  # recorded the day before
    (KEPT, [AT, AFTER], RECEIVED),
    (KEPT, [AFTER], datetime(2026, 11, 24, 12, 0, tzinfo=UTC)),  # the hub: two hours to go
    (KEPT, [AFTER], datetime(2026, 11, 24, 13, 30, tzinfo=UTC)),  # within a clock's drift
    (KEPT, [SLOT["starts_at"]], datetime(2026, 11, 24, 13, 0, tzinfo=UTC)),  # at its start
    (KEPT, ["2026-11-24T15:29:00.000000+01:00"], RECEIVED),  # 14:29 UTC
    (KEPT, ["2026-11-24T14:59:00+01:00"], RECEIVED),  # 13:59 UTC
    (KEPT, ["2026-11-24T14:30:00+00:00"], RECEIVED),
    (KEPT, ["x"], RECEIVED),
    (KEPT, [None], RECEIVED),
    (MISSED, [AT], RECEIVED),
    (MISSED, [AFTER], RECEIVED),
    ({**SLOT, "status": "cancelled"}, [AT], datetime(2026, 11, 23, 10, 0, tzinfo=UTC)),
    ({**MISSED, "starts_at": "x"}, [AFTER], RECEIVED),
]

# table, the row as the desk sends it, the hub's copy (None: new), sender (review 19c)
OFFICERS: list[tuple[str, dict[str, Any], dict[str, Any] | None, str]] = [
    ("contactattempt", {"officer_id": "asmith"}, None, "asmith"),
    ("contactattempt", {"officer_id": "bjones"}, None, "asmith"),
    ("contactattempt", {"officer_id": "bjones"}, {"officer_id": "bjones"}, "asmith"),
    ("promise", {"officer_id": "asmith"}, {"officer_id": "bjones"}, "asmith"),
    ("assessment", {"officer_id": "bjones"}, {"officer_id": None}, "asmith"),
    ("vulnerability", {"recorded_by": None}, None, "asmith"),
    ("vulnerability", {"recorded_by": "sup"}, None, "asmith"),
    (
        "thirdpartyauthority",
        {"recorded_by": "bjones", "ended_by": "asmith"},
        {"recorded_by": "bjones", "ended_by": None},
        "asmith",
    ),
    (
        "thirdpartyauthority",
        {"recorded_by": "bjones", "ended_by": "sup"},
        {"recorded_by": "bjones", "ended_by": None},
        "asmith",
    ),
    ("thirdpartyauthority", {"recorded_by": "sup", "ended_by": "sup"}, None, "asmith"),
    ("writeoffrequest", {"requested_by": "bjones"}, None, "sup"),
    ("arrangement", {"officer_id": "sup"}, None, "sup"),
    ("payment", {"officer_id": "bjones"}, None, "asmith"),
]

# the promise as the desk sends it, the hub's copy (None: new), sender (review 19c)
PROMISES: list[tuple[dict[str, Any], dict[str, Any] | None, str]] = [
    ({"status": "open"}, None, "asmith"),
    ({"status": "kept"}, None, "asmith"),
    ({"status": "open"}, {"status": "open"}, "asmith"),
    ({"status": "kept"}, {"status": "open"}, "asmith"),
    ({"status": "broken"}, {"status": "open"}, "asmith"),
    ({"status": "open"}, {"status": "kept"}, "asmith"),
    ({"status": "kept"}, {"status": "kept"}, "asmith"),
    ({"status": "kept"}, {"status": "open"}, "nightly"),
    ({"status": "broken"}, {"status": "open"}, "sup"),
    ({"status": None}, {"status": "open"}, "asmith"),
]

# an instalment's paid as sent, the hub's copy's (None: new), what the arrangement's other
# instalments paid, what its debts received, all pence (review 19c, h020)
INSTALMENTS: list[tuple[int, int | None, int, int]] = [
    (0, None, 0, 0),
    (25000, 0, 0, 0),
    (25000, 0, 0, 25000),
    (25000, 0, 25000, 25000),
    (25000, 0, 25000, 50000),
    (12500, 0, 0, 10000),
    (25000, None, 0, 0),
    (10000, 25000, 0, 0),
    (25000, 25000, 25000, 0),
    (7500, 0, 0, -7500),
    (1, 0, 0, 0),
    (5000000000, 0, 0, 4999999999),
]

RECEIVED = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
# the event's time as sent, when it reached the hub (review 19c)
TIMES: list[tuple[Any, datetime]] = [
    ("2026-11-23T10:00:00.000000+00:00", RECEIVED),
    ("2015-03-02T09:00:00.000000+00:00", RECEIVED),
    ("2026-11-23T10:59:59.999999+00:00", RECEIVED),
    ("2026-11-23T11:00:00.000000+00:00", RECEIVED),
    ("2026-11-23T11:00:00.000001+00:00", RECEIVED),
    ("2027-12-28T10:00:00.000000+00:00", RECEIVED),
    ("2026-11-23T12:00:00.000000+00:00", datetime(2026, 11, 23, 12, 30, tzinfo=UTC)),
    ("2026-11-23T10:00:00+00:00", RECEIVED),
    ("2026-11-23T10:00:00.000000Z", RECEIVED),
    ("2026-11-23T10:00:00.000000+01:00", RECEIVED),
    ("2026-11-23 10:00:00.000000+00:00", RECEIVED),
    ("x", RECEIVED),
    (None, RECEIVED),
]


@pytest.fixture(scope="module")
def rules(postgres: PostgresCluster) -> Iterator[psycopg.Connection[Any]]:
    """The SQL rules as a PostgreSQL hub has them (every hub revision applied)."""
    database = postgres.new_hub()
    team_hub(postgres.url(database)).engine.dispose()
    with postgres.owner(database) as connection:
        yield connection


def sender(officer: str) -> Sender:
    return Sender(officer, ROLES[officer], "north")


def sql(connection: psycopg.Connection[Any], statement: str, *args: object) -> str | None:
    found = connection.execute(statement, args).fetchone()
    assert found is not None
    return None if found[0] is None else str(found[0])


@pytest.mark.parametrize(("officer", "kind", "by", "case", "allocated"), EVENTS)
def test_the_event_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    officer: str,
    kind: str,
    by: str,
    case: str | None,
    allocated: bool,
) -> None:
    event = {"kind": kind, "officer_id": by, "case_id": case, "payload": "{}"}
    python = event_refusal(event, sender(officer), allocated)
    in_sql = sql(
        rules,
        "SELECT drp_event_rule(%s, %s, %s, %s, %s, %s)",
        officer,
        ROLES[officer],
        kind,
        by,
        case,
        allocated,
    )
    assert python == in_sql


def test_the_event_rule_refuses_an_officer_the_hub_does_not_know(
    rules: psycopg.Connection[Any],
) -> None:
    """Python never sees such a sender (the push stops first, with the same words)."""
    found = sql(rules, "SELECT drp_event_rule('zghost', NULL, 'note.added', 'zghost', NULL, NULL)")
    assert found == "no officer 'zghost' on the hub"


@pytest.mark.parametrize(("amount", "payload", "earlier"), PAYMENTS)
def test_the_payment_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any], amount: int, payload: Any, earlier: list[int]
) -> None:
    explaining = None if payload is None else {"payload": json.dumps(payload)}
    python = payment_refusal(amount, explaining, earlier)
    in_sql = sql(
        rules,
        "SELECT drp_payment_rule(%s::numeric, %s::jsonb, %s::numeric[])",
        amount,
        None if payload is None else json.dumps(payload),
        earlier,
    )
    assert python == in_sql


@pytest.mark.parametrize(("row", "before", "officer", "explained"), WRITEOFFS)
def test_the_writeoff_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    row: dict[str, Any],
    before: dict[str, Any] | None,
    officer: str,
    explained: bool,
) -> None:
    event = {"kind": f"writeoff.{row['status']}", "payload": "{}"} if explained else None
    python = writeoff_refusal(row, before, sender(officer), event)
    in_sql = sql(
        rules,
        "SELECT drp_writeoff_rule(%s::jsonb, %s::jsonb, %s, %s, %s)",
        json.dumps(row),
        None if before is None else json.dumps(before),
        officer,
        ROLES[officer],
        explained,
    )
    assert python == in_sql


@pytest.mark.parametrize(("row", "before", "officer"), COMPLAINTS)
def test_the_complaint_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    row: dict[str, Any],
    before: dict[str, Any] | None,
    officer: str,
) -> None:
    python = complaint_refusal(row, before, sender(officer))
    in_sql = sql(
        rules,
        "SELECT drp_complaint_rule(%s::jsonb, %s::jsonb, %s)",
        json.dumps(row),
        None if before is None else json.dumps(before),
        officer,
    )
    assert python == in_sql


@pytest.mark.parametrize(("row", "before", "officer", "case_officer"), APPOINTMENTS)
def test_the_appointment_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    row: dict[str, Any],
    before: dict[str, Any] | None,
    officer: str,
    case_officer: str | None,
) -> None:
    python = appointment_refusal(row, before, sender(officer), case_officer)
    in_sql = sql(
        rules,
        "SELECT drp_appointment_rule(%s::jsonb, %s::jsonb, %s, %s, %s)",
        json.dumps(row),
        None if before is None else json.dumps(before),
        officer,
        ROLES[officer],
        case_officer,
    )
    assert python == in_sql


@pytest.mark.parametrize(("table", "row", "before", "events"), CHANGES)
def test_the_diary_change_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    table: str,
    row: dict[str, Any],
    before: dict[str, Any],
    events: list[dict[str, Any]],
) -> None:
    python = change_refusal(table, row, before, events, RECEIVED)
    in_sql = sql(
        rules,
        "SELECT drp_diary_change_rule(%s, %s::jsonb, %s::jsonb, %s::jsonb, %s)",
        table,
        json.dumps(row),
        json.dumps(before),
        json.dumps(events),
        RECEIVED,
    )
    assert python == in_sql


def _stating(row: dict[str, Any], times: list[Any]) -> list[dict[str, Any]]:
    return [{**HEARD, **row, "at": at} for at in times]


@pytest.mark.parametrize(("row", "times", "received"), SETTLED)
def test_an_appointment_kept_or_missed_only_once_started_in_python_and_sql(
    rules: psycopg.Connection[Any], row: dict[str, Any], times: list[Any], received: datetime
) -> None:
    events = _stating(row, times)
    python = change_refusal("appointment", row, SLOT, events, received)
    in_sql = sql(
        rules,
        "SELECT drp_diary_change_rule('appointment', %s::jsonb, %s::jsonb, %s::jsonb, %s)",
        json.dumps(row),
        json.dumps(SLOT),
        json.dumps(events),
        received,
    )
    assert python == in_sql


@pytest.mark.parametrize(("table", "row", "before", "officer"), OFFICERS)
def test_the_officer_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    table: str,
    row: dict[str, Any],
    before: dict[str, Any] | None,
    officer: str,
) -> None:
    python = officer_refusal(table, row, before, officer)
    in_sql = sql(
        rules,
        "SELECT drp_officer_rule(%s, %s::jsonb, %s::jsonb, %s)",
        table,
        json.dumps(row),
        None if before is None else json.dumps(before),
        officer,
    )
    assert python == in_sql


@pytest.mark.parametrize(("row", "before", "officer"), PROMISES)
def test_the_promise_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any],
    row: dict[str, Any],
    before: dict[str, Any] | None,
    officer: str,
) -> None:
    python = promise_refusal(row, before, sender(officer))
    in_sql = sql(
        rules,
        "SELECT drp_promise_rule(%s::jsonb, %s::jsonb, %s)",
        json.dumps(row),
        None if before is None else json.dumps(before),
        ROLES[officer],
    )
    assert python == in_sql


@pytest.mark.parametrize(("paid", "before", "others", "received"), INSTALMENTS)
def test_the_instalment_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any], paid: int, before: int | None, others: int, received: int
) -> None:
    python = instalment_refusal(paid, before, others, received)
    in_sql = sql(
        rules,
        "SELECT drp_instalment_rule(%s::numeric, %s::numeric, %s::numeric, %s::numeric)",
        paid,
        before,
        others,
        received,
    )
    assert python == in_sql


@pytest.mark.parametrize(("at", "received"), TIMES)
def test_the_time_rule_is_the_same_in_python_and_sql(
    rules: psycopg.Connection[Any], at: Any, received: datetime
) -> None:
    python = time_refusal("note.added", at, received)
    in_sql = sql(rules, "SELECT drp_time_rule('note.added', %s, %s)", at, received)
    assert python == in_sql


def test_every_rule_refuses_something_and_lets_something_through() -> None:
    """The table is worth running: each rule says both yes and no in it."""
    sent = {
        event_refusal({"kind": k, "officer_id": b, "case_id": c}, sender(o), a) is None
        for o, k, b, c, a in EVENTS
    }
    assert sent == {True, False}
    paid = {
        payment_refusal(a, None if p is None else {"payload": json.dumps(p)}, e) is None
        for a, p, e in PAYMENTS
    }
    assert paid == {True, False}
    decided = {
        writeoff_refusal(r, b, sender(o), {"payload": "{}"} if x else None) is None
        for r, b, o, x in WRITEOFFS
    }
    assert decided == {True, False}
    taken = {complaint_refusal(r, b, sender(o)) is None for r, b, o in COMPLAINTS}
    assert taken == {True, False}
    booked = {appointment_refusal(r, b, sender(o), c) is None for r, b, o, c in APPOINTMENTS}
    assert booked == {True, False}
    changed = {change_refusal(t, r, b, e, RECEIVED) is None for t, r, b, e in CHANGES}
    assert changed == {True, False}
    started = {
        change_refusal("appointment", r, SLOT, _stating(r, t), c) is None for r, t, c in SETTLED
    }
    assert started == {True, False}
    named = {officer_refusal(t, r, b, o) is None for t, r, b, o in OFFICERS}
    assert named == {True, False}
    settled = {promise_refusal(r, b, sender(o)) is None for r, b, o in PROMISES}
    assert settled == {True, False}
    timed = {time_refusal("note.added", a, r) is None for a, r in TIMES}
    assert timed == {True, False}
    instalments = {instalment_refusal(p, b, o, r) is None for p, b, o, r in INSTALMENTS}
    assert instalments == {True, False}
