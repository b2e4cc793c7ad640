"""The officer's call queue: the facts a case is scored on, the nightly rescore, and an
officer's open cases in priority order with whether each may be called now.

Read-only but for the rescore, and it loads no ORM: `drp` reads the first queue in a process
forked before the rest of the app is loaded (drp_tui.read_ahead). Supervisors' allocation is
in drp_tui.services.allocation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, NamedTuple, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from drp_tui.domain.contact import (
    CallingMoment,
    ContactHistory,
    PreferredTime,
    calling_moment,
)
from drp_tui.domain.controls import escaped
from drp_tui.domain.holds import refusal
from drp_tui.domain.policy import in_force
from drp_tui.domain.queue import CaseFacts, score_case
from drp_tui.services.holds import holds_by_case
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.rawsql import in_join_order, run
from drp_tui.store.types import instant_from_text, instant_text


def _instant(value: Any) -> datetime | None:
    return None if value is None else instant_from_text(value)


def _day(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value)[:10])


def _pounds(pence: Any) -> Decimal:
    return Decimal(int(pence or 0)) / 100


@dataclass(slots=True)  # one for every open case when the nightly rescore runs
class CaseDebts:
    """A case's debts as the queue sees them: those with a balance make its score."""

    owing: int = 0  # pence, of the debts with a balance and not with an agency
    placed: int = 0  # debts with a balance that are with an agency (not the council's to ask)
    stages: list[str] = field(default_factory=list)  # each owing debt's stage
    debt_types: list[str] = field(default_factory=list)  # of the owing debts
    stage_since: Any = None  # the oldest owing debt's stage date, as stored
    liability_order_on: Any = None  # the newest owing debt's liability order, as stored
    jurisdiction: str = ""  # of all its debts, owing or not: the first alphabetically


def _debts_by_case(
    connection: Connection, where: str, params: tuple[str, ...]
) -> dict[str, CaseDebts]:
    """Every open case's debts (those chosen by `where` over case c), one row each, summed
    up here: the queue needs more of them than one GROUP BY gives, and one read of the
    debts costs what a grouped one does."""
    by_case: dict[str, CaseDebts] = {}
    for case_id, debt_type, stage, jurisdiction, balance, since, liability_order, placed in run(
        connection,
        "SELECT d.case_id, d.debt_type, d.stage, d.jurisdiction, d.balance, d.stage_date, "
        "d.liability_order_date, pl.id IS NOT NULL FROM debt d "
        'JOIN "case" c ON c.id = d.case_id '
        "LEFT JOIN placement pl ON pl.debt_id = d.id AND pl.status = 'open' "
        f"WHERE c.status = 'open'{where}",
        params,
    ):
        debts = by_case.get(case_id)
        if debts is None:
            debts = by_case[case_id] = CaseDebts(jurisdiction=jurisdiction)
        elif jurisdiction < debts.jurisdiction:
            debts.jurisdiction = jurisdiction
        if balance > 0 and placed:
            debts.placed += 1
        elif balance > 0:
            debts.owing += balance
            debts.stages.append(stage)
            debts.debt_types.append(debt_type)
            if since is not None and (debts.stage_since is None or since < debts.stage_since):
                debts.stage_since = since
            if liability_order is not None and (
                debts.liability_order_on is None or liability_order > debts.liability_order_on
            ):
                debts.liability_order_on = liability_order
    return by_case


@dataclass(frozen=True)
class LatestEvents:
    """Each case's newest call attempt and right-party contact, broken promise, breached
    arrangement, open promise (its latest due date) and live arrangement, as stored."""

    attempt: dict[str, Any]
    right_party: dict[str, Any]
    broken_promise: dict[str, Any]
    breached_arrangement: dict[str, Any]
    open_promise: dict[str, Any]
    live_arrangement: dict[str, Any]


def _latest_events(connection: Connection, where: str, params: tuple[str, ...]) -> LatestEvents:
    def latest(sql: str) -> dict[str, Any]:
        return dict(run(connection, sql, params).fetchall())

    def newest(table: str, column: str, status: str) -> dict[str, Any]:
        return latest(
            f'SELECT x.case_id, max(x.{column}) FROM {table} x JOIN "case" c ON c.id = '
            f"x.case_id WHERE x.status = '{status}'{where} GROUP BY x.case_id"
        )

    attempt, right_party = {}, {}
    for case_id, last, last_right_party in run(  # one read of the attempts for both
        connection,
        "SELECT x.case_id, max(x.started_at), max(CASE WHEN x.right_party THEN x.started_at "
        'END) FROM contactattempt x JOIN "case" c ON c.id = x.case_id '
        f"WHERE c.status = 'open'{where} GROUP BY x.case_id",
        params,
    ):
        attempt[case_id] = last
        if last_right_party is not None:
            right_party[case_id] = last_right_party
    return LatestEvents(
        attempt,
        right_party,
        newest("promise", "due_on", "broken"),
        newest("arrangement", "status_changed_at", "breached"),
        newest("promise", "due_on", "open"),
        newest("arrangement", "created_at", "live"),
    )


NO_DEBTS = CaseDebts()


def _facts(case_id: str, next_action: Any, debts: CaseDebts, latest: LatestEvents) -> CaseFacts:
    return CaseFacts(
        balance=_pounds(debts.owing),
        stages=debts.stages,
        stage_since=_day(debts.stage_since),
        liability_order_on=_day(debts.liability_order_on),
        last_attempt=_instant(latest.attempt.get(case_id)),
        callback_due=_instant(next_action),
        broken_promise_on=_day(latest.broken_promise.get(case_id)),
        arrangement_breached_on=_day(latest.breached_arrangement.get(case_id)),
        last_right_party=_instant(latest.right_party.get(case_id)),
        open_promise_due_on=_day(latest.open_promise.get(case_id)),
        live_arrangement_made=_instant(latest.live_arrangement.get(case_id)),
    )


def gather_facts(
    connection: Connection, case_ids: Sequence[str] | None = None
) -> dict[str, CaseFacts]:
    """The facts behind open cases' scores (all, or those given)."""
    where, params = "", cast(tuple[str, ...], ())
    if case_ids is not None:
        if not case_ids:
            return {}
        where = f" AND c.id IN ({','.join('?' * len(case_ids))})"
        params = tuple(case_ids)
    callbacks = {
        row[0]: row[1]
        for row in run(
            connection,
            f"SELECT c.id, c.next_action_due FROM \"case\" c WHERE c.status = 'open'{where}",
            params,
        )
    }
    debts = _debts_by_case(connection, where, params)
    latest = _latest_events(connection, where, params)
    return {  # popped: a nightly rescore holds a million of each
        case_id: _facts(case_id, next_action, debts.pop(case_id, NO_DEBTS), latest)
        for case_id, next_action in callbacks.items()
    }


def local_time(policy: PolicyBook, now: datetime) -> datetime:
    """`now` in the council's local time (the calling-hours timezone)."""
    hours = in_force(policy.contact.hours, now.date())
    return now.astimezone(ZoneInfo(hours.timezone))


def rescore(
    store: Store, policy: PolicyBook, now: datetime, case_ids: Sequence[str] | None = None
) -> int:
    """Recompute priority score and reason for open cases (all, or those given)."""
    now = local_time(policy, now)
    weights = in_force(policy.queue, now.date())
    with store.writer.begin() as connection:
        facts = gather_facts(connection, case_ids)
        updates = []
        for case_id, case_facts in facts.items():
            score = score_case(weights, case_facts, now)
            updates.append((score.points, score.reason, case_id))
        if updates:
            run(
                connection,
                'UPDATE "case" SET priority_score = ?, priority_reason = ? WHERE id = ?',
                updates,
            )
    return len(updates)


# --- vulnerability and contact details in bulk --------------------------------------


def with_agencies(connection: Connection) -> set[str]:
    """Open cases whose every owing debt is with an agency: no officer works them (read from
    the few open placements, not from every case)."""
    return {
        row[0]
        for row in run(
            connection,
            "SELECT DISTINCT d.case_id FROM placement p JOIN debt d ON d.id = p.debt_id "
            "WHERE p.status = 'open' AND NOT EXISTS (SELECT 1 FROM debt o WHERE "
            "o.case_id = d.case_id AND o.balance > 0 AND NOT EXISTS (SELECT 1 FROM placement q "
            "WHERE q.debt_id = o.id AND q.status = 'open'))",
        )
    }


# Read the few vulnerable people first and look their cases up by index, rather than
# scanning every case.
def vulnerable_cases(connection: Connection) -> set[str]:
    return {
        row[0]
        for row in run(
            connection,
            f'SELECT DISTINCT c.id FROM vulnerability v {in_join_order(connection)} "case" c '
            "ON c.person_id = v.person_id WHERE v.consent",
        )
    }


def _preferred_times(stored: str | None) -> list[PreferredTime]:
    if not stored or stored == "[]":
        return []
    return [
        PreferredTime(
            frozenset(p["days"]), time.fromisoformat(p["from"]), time.fromisoformat(p["to"])
        )
        for p in json.loads(stored)
    ]


class QueueEntry(NamedTuple):
    """One row of an officer's queue. A named tuple: 10k are built at every start, and at
    start they are sent over a pipe (drp_tui.read_ahead), where a tuple is the cheapest to load."""

    case_id: str
    reference: str
    name: str
    points: int
    reason: str
    callback_due: bool
    callable_now: bool
    why_not: tuple[str, ...]
    vulnerable: bool
    debt_types: frozenset[str] = frozenset()  # of the debts with a balance, for filtering
    stages: frozenset[str] = frozenset()


def officer_queue(
    store: Store,
    policy: PolicyBook,
    officer_id: str,
    now: datetime,
    *,
    only_callable: bool = False,
    case_ids: Sequence[str] | None = None,
    held: bool = False,
) -> list[QueueEntry]:
    """An officer's open cases in priority order, each saying whether it may be called now
    (calling hours, bank holidays, preferred times, attempt limits). Cases on hold are never
    queued, nor cases whose every owing debt is with an agency. With `case_ids`, only those
    of them (a queue held on screen, brought up to date after a call: `in_queue_order`);
    with `held`, those kept out of the queue too: the diary opens such a case as a call, by
    the same calling rules (review 21e)."""
    now = local_time(policy, now)
    weights = in_force(policy.queue, now.date())
    # Everything is read for this officer's cases only: a team store holds a million.
    mine, officer = " AND c.officer_id = ?", cast(tuple[str, ...], (officer_id,))
    if case_ids is not None:
        if not case_ids:
            return []
        mine += f" AND c.id IN ({','.join('?' * len(case_ids))})"
        officer = (officer_id, *case_ids)
    with store.engine.connect() as connection:
        rows = run(
            connection,
            "SELECT c.id, c.reference, p.title, p.forename, p.surname, c.next_action_due, "
            "p.preferred_contact "
            'FROM "case" c JOIN person p ON p.id = c.person_id '
            f"WHERE c.status = 'open'{mine}",
            officer,
        ).fetchall()
        debts = _debts_by_case(connection, mine, officer)
        latest = _latest_events(connection, mine, officer)
        holds = holds_by_case(connection)
        vulnerable = vulnerable_cases(connection)
        start_of_day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        attempts_today: dict[str, int] = dict(
            run(
                connection,
                "SELECT case_id, count(*) FROM contactattempt WHERE started_at >= ? "
                "GROUP BY case_id",
                (instant_text(start_of_day),),
            ).fetchall()
        )
        week_ago = instant_text(now - timedelta(days=7))
        contacts_week: dict[str, int] = dict(
            run(
                connection,
                "SELECT case_id, count(*) FROM contactattempt "
                "WHERE right_party AND started_at >= ? GROUP BY case_id",
                (week_ago,),
            ).fetchall()
        )
    entries = []
    today = now.date()
    moments: dict[str, CallingMoment] = {}  # the calling rules now, by jurisdiction
    # A queue has a handful of distinct sets of debt types and of stages: one of each is kept.
    sets: dict[frozenset[str], frozenset[str]] = {}
    for (
        case_id,
        reference,
        title,
        forename,
        surname,
        next_action,
        preferred_raw,
    ) in rows:
        if (
            not held
            and case_id in holds
            and refusal(policy.holds, holds[case_id], "queue", today) is not None
        ):
            continue
        case_debts = debts.get(case_id, NO_DEBTS)
        if not held and case_debts.placed and not case_debts.owing:
            continue  # every debt it owes is with an agency
        callback = _instant(next_action)
        jurisdiction = case_debts.jurisdiction or "england"
        moment = moments.get(jurisdiction)
        if moment is None:
            moment = moments[jurisdiction] = calling_moment(policy.contact, now, jurisdiction)
        check = moment.check(
            _preferred_times(preferred_raw),
            ContactHistory(
                attempts_today=attempts_today.get(case_id, 0),
                right_party_contacts_last_7_days=contacts_week.get(case_id, 0),
                callback_due=callback,
            ),
        )
        if only_callable and not check.allowed:
            continue
        # Scored now, not from the nightly score: a callback falls due, a day passes.
        score = score_case(weights, _facts(case_id, next_action, case_debts, latest), now)
        debt_types = frozenset(case_debts.debt_types)
        stages = frozenset(case_debts.stages)
        entries.append(
            QueueEntry(
                case_id,
                reference,
                escaped(" ".join(part for part in (title, forename, surname) if part)),
                score.points,
                score.reason,
                callback is not None and callback <= now,
                check.allowed,
                check.reasons,
                case_id in vulnerable,
                sets.setdefault(debt_types, debt_types),
                sets.setdefault(stages, stages),
            )
        )
    return in_queue_order(entries)


def in_queue_order(entries: Iterable[QueueEntry]) -> list[QueueEntry]:
    """Callbacks due first, then by points, then by reference."""
    return sorted(entries, key=lambda e: (not e.callback_due, -e.points, e.reference))
