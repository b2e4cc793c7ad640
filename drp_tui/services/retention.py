"""Retention: a closed case's records kept only as long as `data/policy/retention.toml` says,
by record type, counted from the day the case closed (`drp retention apply`, issue 20).

- special_category: vulnerabilities, call notes, affordability statements, authorised people;
- personal: the person's identifying details (services/privacy.py's erasure);
- financial: the case itself with its debts, payments, arrangements, promises, write-off
  requests, placements, calls and contact attempts (and the person, when nothing else
  refers to them).

A case is closed when its status is 'closed' or no debt on it owes anything; it closed on the
last day anything happened on it (its last change, payment or event). The event log is not
touched: its chain must stay verifiable, and events about a case removed here are excluded
from the state checks by a `case.retention` seal on the `retention.applied` event. What the
events say about the person (notes, names, details) is sealed with the person's keys
(drp_tui/store/personal.py), and those keys are destroyed, so it can no longer be read.

A person still party to a debt that owes on a case kept, or with another case kept, keeps
their details, vulnerabilities, authorised people and keys: only the due case's own records
go.

The same rules run on a desk's store and on the team hub (`--hub`, SQLite or PostgreSQL, the
hub owner's connection): on the hub a case's last day counts the desks' events it received
too, and the keys it destroys reach the desks holding the person's kept cases at their next
sync. The hub's change feed carries no deletions, so the hub also records what it removed of
each case, by record type, once (`hubremoval`, hub revision h024), and a desk's sync reads
those since it last read and removes what it holds with `remove_removed_on_hub`: the same
removal, sealed the same way, on a `retention.removed_on_hub` event of the desk's officer (an
officer's desk may not run retention itself). A case that lost only its special category or
personal details on the hub loses them on the desk too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, inspect
from sqlmodel import Session

from drp_tui.domain.retention import RECORD_TYPES, RetentionPeriod, periods_on
from drp_tui.services.casework import Actor
from drp_tui.services.officers import require_supervisor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.privacy import checkpoint, erase_people, require_hub_owner
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import new_id
from drp_tui.store.personal import erase_keys
from drp_tui.store.rawsql import chunks, is_sqlite, run
from drp_tui.store.seals import REMOVED_ON_HUB, RETENTION, write_seal
from drp_tui.store.types import instant_from_text, instant_text


@dataclass(frozen=True)
class Due:
    case_id: str
    reference: str
    closed_on: date
    record_type: str  # the widest type due


@dataclass
class RetentionResult:
    today: date
    periods: list[RetentionPeriod]
    due: list[Due] = field(default_factory=list)
    applied: bool = False

    def as_json(self) -> dict[str, Any]:
        counts = {t: sum(1 for d in self.due if d.record_type == t) for t in RECORD_TYPES}
        return {
            "today": self.today.isoformat(),
            "applied": self.applied,
            "periods": {p.record_type: p.years for p in self.periods},
            "cases": counts,
            "due": [
                {
                    "case": d.reference,
                    "closed_on": d.closed_on.isoformat(),
                    "record_type": d.record_type,
                }
                for d in self.due
            ],
        }


# Closed cases and the last day anything happened on each: one pass over cases, debts,
# payments and events (on a team hub, the desks' events it received too). Plain SQL that
# SQLite and PostgreSQL both run; the latest of the three days is taken in Python.
_CLOSED = """
WITH owing AS (SELECT case_id, max(CASE WHEN balance > 0 THEN 1 ELSE 0 END) AS owes
               FROM debt GROUP BY case_id),
paid AS (
    SELECT d.case_id, max(p.received_on) AS last FROM payment p
    JOIN debt d ON d.id = p.debt_id GROUP BY d.case_id
),
happened AS (SELECT case_id, max(at) AS last FROM ({events}) e WHERE case_id IS NOT NULL
             GROUP BY case_id)
SELECT c.id, c.reference, c.updated_at, paid.last, happened.last
FROM "case" c
LEFT JOIN owing ON owing.case_id = c.id
LEFT JOIN paid ON paid.case_id = c.id
LEFT JOIN happened ON happened.case_id = c.id
WHERE c.status = 'closed' OR coalesce(owing.owes, 0) = 0
ORDER BY c.reference
"""
_EVENTS = "SELECT case_id, at FROM event"
_HUB_EVENTS = f"{_EVENTS} UNION ALL SELECT case_id, at FROM hubevent"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def due_cases(connection: Connection, periods: Sequence[RetentionPeriod], today: date) -> list[Due]:
    cutoffs = [(p.record_type, _years_before(today, p.years)) for p in periods]
    on_hub = inspect(connection).has_table("hubevent")
    closed_sql = _CLOSED.format(events=_HUB_EVENTS if on_hub else _EVENTS)
    due = []
    for case_id, reference, *days in run(connection, closed_sql).fetchall():
        closed_on = max((str(day)[:10] for day in days if day), default="")
        if not closed_on:
            continue  # nothing ever happened on it: no closure date to count from
        closed = date.fromisoformat(closed_on)
        widest = [kind for kind, cutoff in cutoffs if closed <= cutoff]
        if widest:
            due.append(Due(case_id, reference, closed, widest[-1]))
    return due


def apply_retention(
    store: Store, policy: PolicyBook, actor: Actor, *, dry_run: bool = False
) -> RetentionResult:
    """Remove what has passed its period (supervisors; a dry run changes nothing)."""
    require_supervisor(store, actor.officer_id, "drp retention apply")
    require_hub_owner(store, "drp retention apply")
    today = actor.now().date()
    result = RetentionResult(today, periods_on(policy.retention, today))
    with store.write() as session:
        connection = session.connection()
        result.due = due_cases(connection, result.periods, today)
        if dry_run or not result.due:
            return result
        _erase(connection, result.due, actor.now())
        _tell_desks(connection, result.due, actor.now())
        event_id = actor.ids()
        sealed = write_seal(
            connection, event_id, RETENTION, [(d.case_id, d.record_type) for d in result.due]
        )
        _record(session, actor, event_id, result, sealed)
    checkpoint(store)
    result.applied = True
    return result


def _tell_desks(connection: Connection, due: Sequence[Due], at: datetime) -> None:
    """On a team hub, what it removed of each case, for the desks that hold them (h024): once
    for each case and record type (a case stays due on later runs)."""
    if not inspect(connection).has_table("hubremoval"):
        return  # a desk's store
    for some in chunks(list(due)):
        run(
            connection,
            "INSERT INTO hubremoval (case_id, record_type, removed_at) "
            "SELECT CAST(? AS TEXT), CAST(? AS TEXT), CAST(? AS TEXT) WHERE NOT EXISTS "
            "(SELECT 1 FROM hubremoval WHERE case_id = ? AND record_type = ?)",
            [(d.case_id, d.record_type, instant_text(at), d.case_id, d.record_type) for d in some],
        )


class HubRemoval(Protocol):
    """One of the hub's retention removals of a case a desk holds (sync/common.py)."""

    @property
    def case_id(self) -> str: ...
    @property
    def record_type(self) -> str: ...
    @property
    def removed_at(self) -> str: ...


def remove_removed_on_hub(
    store: Store, removals: Sequence[HubRemoval], through: int, officer_id: str, at: datetime
) -> int:
    """Remove on this desk what the hub's retention removed of the cases it holds
    (sync/removed.py; its feed carries no deletions): each case's widest record type, by the
    same removal and seal as `apply_retention`, recorded as a `retention.removed_on_hub`
    event of the desk's officer; and note the hub's removals read through `through`, in the
    same transaction, so none is read again. Returns how many cases it removed from."""
    widest: dict[str, HubRemoval] = {}
    for removal in removals:
        if removal.record_type not in RECORD_TYPES:
            continue  # (nothing drp's retention writes)
        seen = widest.get(removal.case_id)
        if seen is None or _rank(removal.record_type) > _rank(seen.record_type):
            widest[removal.case_id] = removal
    with store.write() as session:
        connection = session.connection()
        due: list[Due] = []
        for some in chunks(sorted(widest)):
            marks = ", ".join("?" * len(some))
            found = run(connection, _HELD.format(marks=marks), tuple(some) * 3)
            due += [
                Due(
                    case,
                    reference,
                    date.fromisoformat(widest[case].removed_at[:10]),
                    widest[case].record_type,
                )
                for case, reference, last in found.fetchall()
                if not _since(widest[case], last)
            ]
        if due:
            _erase(connection, due, at)
            event_id = new_id()
            sealed = write_seal(
                connection, event_id, RETENTION, [(d.case_id, d.record_type) for d in due]
            )
            append_event(
                session,
                officer_id=officer_id,
                kind=REMOVED_ON_HUB,
                at=at,
                event_id=event_id,
                payload={"cases": len(due), "seals": {RETENTION: sealed}},
            )
        run(
            connection,
            "UPDATE syncstate SET removal_cursor = ? WHERE id = 1 AND removal_cursor < ?",
            (through, through),
        )
    if due:
        checkpoint(store)
    return len(due)


# The cases held here, with the last time anything was recorded on each (this desk's events
# and those pulled from the hub).
_HELD = """
SELECT c.id, c.reference, max(h.at) FROM "case" c
LEFT JOIN (SELECT case_id, at FROM event WHERE case_id IN ({marks})
           UNION ALL SELECT case_id, at FROM syncedevent WHERE case_id IN ({marks})) h
       ON h.case_id = c.id
WHERE c.id IN ({marks})
GROUP BY c.id, c.reference
"""


def _since(removal: HubRemoval, last: Any) -> bool:
    """Whether something was recorded on the case after the hub's retention removed part of
    it (the case reopened; a desk syncing late reads both at once): what was recorded since is
    not the removal's to take. A case removed whole is gone on the hub: it goes here too."""
    if removal.record_type == "financial" or last is None:
        return False
    try:
        return instant_from_text(last) > instant_from_text(removal.removed_at)
    except ValueError:
        return False


def _rank(record_type: str) -> int:
    return RECORD_TYPES.index(record_type)


def _record(
    session: Session, actor: Actor, event_id: str, result: RetentionResult, sealed: Any
) -> None:
    payload = result.as_json()
    del payload["due"]  # the seal names the cases; references are not repeated
    payload["seals"] = {RETENTION: sealed}
    append_event(
        session,
        officer_id=actor.officer_id,
        kind="retention.applied",
        at=actor.now(),
        event_id=event_id,
        payload=payload,
    )


# The people of the due cases whose records go: not those still party to a debt that owes on a
# case kept, or with a case kept (privacy.after_sync keeps such a person the same way).
_GOING = """
INSERT INTO retention_people SELECT DISTINCT r.person_id FROM retention_cases r
WHERE r.person_id NOT IN (
    SELECT dp.person_id FROM debtparty dp JOIN debt d ON d.id = dp.debt_id
    WHERE d.balance > 0 AND d.case_id NOT IN (SELECT id FROM retention_cases)
    UNION SELECT c.person_id FROM "case" c WHERE c.id NOT IN (SELECT id FROM retention_cases))
"""
_PEOPLE = "SELECT id FROM retention_people"
# ...of those, the people of cases due as a whole (retention_cases then holds only those).
_FINANCIAL_PEOPLE = f"{_PEOPLE} WHERE id IN (SELECT person_id FROM retention_cases)"
_SPECIAL = (
    f"DELETE FROM vulnerability WHERE person_id IN ({_PEOPLE})",
    "UPDATE contactattempt SET notes = '' WHERE case_id IN (SELECT id FROM retention_cases)",
    "UPDATE appointment SET why_face_to_face = '' "
    "WHERE case_id IN (SELECT id FROM retention_cases)",
    "UPDATE assessment SET statement = '{}', result = '{}' "
    "WHERE case_id IN (SELECT id FROM retention_cases)",
    "UPDATE thirdpartyauthority SET name = '', relationship = '', consent_ref = '', "
    f"risk_confirmed = '', end_reason = '' WHERE person_id IN ({_PEOPLE})",
    # why an agency returned a debt ("vulnerable: ..."), why an arrangement left the usual
    # order: the words the events seal (store/personal.py), as an erasure blanks them
    "UPDATE placement SET return_reason = NULL WHERE return_reason IS NOT NULL AND debt_id IN "
    "(SELECT id FROM debt WHERE case_id IN (SELECT id FROM retention_cases))",
    "UPDATE arrangement SET override_reason = NULL WHERE override_reason IS NOT NULL "
    "AND case_id IN (SELECT id FROM retention_cases)",
    # A mental health crisis moratorium is health data: it goes with the special category,
    # with the hold naming it, unless a debt still owes (it is what pauses recovery).
    f"DELETE FROM breathingspace WHERE kind = 'mental_health_crisis' AND person_id IN ({_PEOPLE}) "
    "AND NOT EXISTS (SELECT 1 FROM debt d WHERE d.balance > 0 AND (d.case_id IN "
    '(SELECT c.id FROM "case" c WHERE c.person_id = breathingspace.person_id) OR d.id IN '
    "(SELECT p.debt_id FROM debtparty p WHERE p.person_id = breathingspace.person_id)))",
    'UPDATE "case" SET hold_kind = NULL, hold_reason = NULL, hold_until = NULL '
    "WHERE id IN (SELECT id FROM retention_cases) AND hold_kind = 'mental_health_crisis' "
    'AND NOT EXISTS (SELECT 1 FROM debt d WHERE d.case_id = "case".id AND d.balance > 0)',
)
_DEBTS = "SELECT id FROM debt WHERE case_id IN (SELECT id FROM retention_cases)"
_ARRANGEMENTS = "SELECT id FROM arrangement WHERE case_id IN (SELECT id FROM retention_cases)"
# The whole case, children first (foreign keys are on).
_FINANCIAL = (
    f"DELETE FROM instalment WHERE arrangement_id IN ({_ARRANGEMENTS})",
    f"DELETE FROM arrangement_debt WHERE arrangement_id IN ({_ARRANGEMENTS})",
    f"DELETE FROM arrangement_debt WHERE debt_id IN ({_DEBTS})",
    f"DELETE FROM arrangement WHERE id IN ({_ARRANGEMENTS}) OR debt_id IN ({_DEBTS})",
    "DELETE FROM promise WHERE case_id IN (SELECT id FROM retention_cases)",
    f"DELETE FROM payment WHERE debt_id IN ({_DEBTS})",
    f"DELETE FROM placement WHERE debt_id IN ({_DEBTS})",
    f"DELETE FROM writeoffrequest WHERE debt_id IN ({_DEBTS})",
    f"DELETE FROM debtparty WHERE debt_id IN ({_DEBTS})",
    'DELETE FROM "call" WHERE case_id IN (SELECT id FROM retention_cases)',
    "DELETE FROM contactattempt WHERE case_id IN (SELECT id FROM retention_cases)",
    "DELETE FROM assessment WHERE case_id IN (SELECT id FROM retention_cases)",
    "DELETE FROM complaint WHERE case_id IN (SELECT id FROM retention_cases)",
    "DELETE FROM appointment WHERE case_id IN (SELECT id FROM retention_cases)",
    "DELETE FROM debt WHERE case_id IN (SELECT id FROM retention_cases)",
    f"DELETE FROM thirdpartyauthority WHERE person_id IN ({_FINANCIAL_PEOPLE})",
    f"DELETE FROM breathingspace WHERE person_id IN ({_FINANCIAL_PEOPLE})",
    "DELETE FROM syncedevent WHERE case_id IN (SELECT id FROM retention_cases)",
    'DELETE FROM "case" WHERE id IN (SELECT id FROM retention_cases)',
    f"DELETE FROM person WHERE id IN ({_FINANCIAL_PEOPLE}) "
    "AND id NOT IN (SELECT person_id FROM debtparty)",
)


def _erase(connection: Connection, due: Sequence[Due], at: datetime) -> None:
    if is_sqlite(connection):  # (a team hub in PostgreSQL: drp retention apply --hub)
        run(connection, "PRAGMA secure_delete = ON")
    run(connection, "CREATE TEMP TABLE IF NOT EXISTS retention_people (id TEXT PRIMARY KEY)")
    run(connection, "DELETE FROM retention_people")
    run(
        connection,
        "CREATE TEMP TABLE IF NOT EXISTS retention_cases "
        "(id TEXT PRIMARY KEY, person_id TEXT NOT NULL, record_type TEXT NOT NULL)",
    )
    run(connection, "DELETE FROM retention_cases")
    for some in chunks(list(due)):
        run(
            connection,
            'INSERT INTO retention_cases SELECT id, person_id, CAST(? AS TEXT) FROM "case" '
            "WHERE id = ?",
            [(d.record_type, d.case_id) for d in some],
        )
    run(connection, _GOING)
    run(connection, "UPDATE syncstate SET applying = TRUE WHERE id = 1")
    for statement in _SPECIAL:
        run(connection, statement)
    # Notes and details in events are sealed with the person's keys (store/personal.py):
    # destroying them is the events' share of every record type.
    going = [row[0] for row in run(connection, _PEOPLE).fetchall()]
    erase_keys(connection, going, at)
    personal = [d for d in due if d.record_type in ("personal", "financial")]
    if personal:
        people = [
            row[0]
            for row in run(
                connection,
                "SELECT person_id FROM retention_cases WHERE record_type != 'special_category' "
                f"AND person_id IN ({_PEOPLE})",
            ).fetchall()
        ]
        erase_people(connection, people, at)
        run(connection, "UPDATE syncstate SET applying = TRUE WHERE id = 1")
    run(connection, "DELETE FROM retention_cases WHERE record_type != 'financial'")
    for statement in _FINANCIAL:
        run(connection, statement)
    run(connection, "UPDATE syncstate SET applying = FALSE WHERE id = 1")
    run(connection, "DELETE FROM retention_cases")
    run(connection, "DELETE FROM retention_people")
