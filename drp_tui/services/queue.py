"""The call queue: scoring cases, today's list for an officer, and supervisors' allocation."""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from operator import itemgetter
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from drp_tui.domain.contact import (
    CallingMoment,
    ContactHistory,
    PreferredTime,
    calling_moment,
)
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import Hold, refusal
from drp_tui.domain.policy import in_force
from drp_tui.domain.queue import (
    CaseFacts,
    CaseKey,
    OfficerSlot,
    QueueItem,
    Strategy,
    allocate,
    score_case,
)
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Officer
from drp_tui.store.rawsql import for_driver, in_join_order, is_sqlite, run
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

    owing: int = 0  # pence, of the debts with a balance
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
    for case_id, debt_type, stage, jurisdiction, balance, since, liability_order in run(
        connection,
        "SELECT d.case_id, d.debt_type, d.stage, d.jurisdiction, d.balance, d.stage_date, "
        'd.liability_order_date FROM debt d JOIN "case" c ON c.id = d.case_id '
        f"WHERE c.status = 'open'{where}",
        params,
    ):
        debts = by_case.get(case_id)
        if debts is None:
            debts = by_case[case_id] = CaseDebts(jurisdiction=jurisdiction)
        elif jurisdiction < debts.jurisdiction:
            debts.jurisdiction = jurisdiction
        if balance > 0:
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
    """Each case's newest call attempt, broken promise and breached arrangement, as stored."""

    attempt: dict[str, Any]
    broken_promise: dict[str, Any]
    breached_arrangement: dict[str, Any]


def _latest_events(connection: Connection, where: str, params: tuple[str, ...]) -> LatestEvents:
    def latest(sql: str) -> dict[str, Any]:
        return dict(run(connection, sql, params).fetchall())

    return LatestEvents(
        latest(
            'SELECT x.case_id, max(x.started_at) FROM contactattempt x JOIN "case" c '
            f"ON c.id = x.case_id WHERE c.status = 'open'{where} GROUP BY x.case_id"
        ),
        latest(
            'SELECT x.case_id, max(x.due_on) FROM promise x JOIN "case" c ON c.id = '
            f"x.case_id WHERE x.status = 'broken'{where} GROUP BY x.case_id"
        ),
        latest(
            "SELECT x.case_id, max(x.status_changed_at) FROM arrangement x JOIN "
            f"\"case\" c ON c.id = x.case_id WHERE x.status = 'breached'{where} "
            "GROUP BY x.case_id"
        ),
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


# --- holds, vulnerability and contact details in bulk --------------------------------------


# These read the few held or vulnerable people first and look their cases up by index,
# rather than scanning every case.
def _breathing_spaces(connection: Connection) -> dict[str, list[Hold]]:
    holds: dict[str, list[Hold]] = defaultdict(list)
    for case_id, kind, start, end, treatment_end in run(
        connection,
        'SELECT c.id, b.kind, b.start, b."end", b.treatment_end FROM breathingspace b '
        f'{in_join_order(connection)} "case" c ON c.person_id = b.person_id',
    ):
        holds[case_id].append(Hold(kind, _day(start) or date.min, _day(end), _day(treatment_end)))
    return holds


def _case_holds(deceased_on: Any, hold_kind: str | None, hold_until: Any) -> list[Hold]:
    """The holds recorded on the case and person rows themselves."""
    holds = []
    if deceased_on is not None:
        holds.append(Hold("deceased", _day(deceased_on) or date.min))
    if hold_kind in ("dispute", "vulnerability_review"):
        holds.append(Hold(hold_kind, date.min, _day(hold_until)))
    return holds


def _holds_by_case(connection: Connection) -> dict[str, list[Hold]]:
    holds = _breathing_spaces(connection)
    for case_id, deceased in run(
        connection,
        f'SELECT c.id, p.deceased_on FROM person p {in_join_order(connection)} "case" c '
        "ON c.person_id = p.id WHERE p.deceased_on IS NOT NULL",
    ):
        holds[case_id] += _case_holds(deceased, None, None)
    for case_id, kind, until in run(
        connection,
        'SELECT id, hold_kind, hold_until FROM "case" '
        "WHERE hold_kind IN ('dispute', 'vulnerability_review')",
    ):
        holds[case_id] += _case_holds(None, kind, until)
    return holds


def _vulnerable_cases(connection: Connection) -> set[str]:
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


@dataclass(frozen=True)
class QueueEntry:
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
) -> list[QueueEntry]:
    """An officer's open cases in priority order, each saying whether it may be called now
    (calling hours, bank holidays, preferred times, attempt limits). Cases on hold are never
    queued."""
    now = local_time(policy, now)
    weights = in_force(policy.queue, now.date())
    # Everything is read for this officer's cases only: a team store holds a million.
    mine, officer = " AND c.officer_id = ?", (officer_id,)
    with store.engine.connect() as connection:
        rows = run(
            connection,
            "SELECT c.id, c.reference, p.title, p.forename, p.surname, c.next_action_due, "
            "p.preferred_contact, p.deceased_on, c.hold_kind, c.hold_until "
            'FROM "case" c JOIN person p ON p.id = c.person_id '
            f"WHERE c.status = 'open'{mine}",
            officer,
        ).fetchall()
        debts = _debts_by_case(connection, mine, officer)
        latest = _latest_events(connection, mine, officer)
        breathing_spaces = _breathing_spaces(connection)
        vulnerable = _vulnerable_cases(connection)
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
    for (
        case_id,
        reference,
        title,
        forename,
        surname,
        next_action,
        preferred_raw,
        deceased_on,
        hold_kind,
        hold_until,
    ) in rows:
        holds = breathing_spaces.get(case_id, []) + _case_holds(deceased_on, hold_kind, hold_until)
        if refusal(policy.holds, holds, "queue", today) is not None:
            continue
        case_debts = debts.get(case_id, NO_DEBTS)
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
        entries.append(
            QueueEntry(
                case_id,
                reference,
                " ".join(part for part in (title, forename, surname) if part),
                score.points,
                score.reason,
                callback is not None and callback <= now,
                check.allowed,
                check.reasons,
                case_id in vulnerable,
                frozenset(case_debts.debt_types),
                frozenset(case_debts.stages),
            )
        )
    entries.sort(key=lambda e: (not e.callback_due, -e.points, e.reference))
    return entries


# --- supervisors --------------------------------------------------------------------------


@dataclass(frozen=True)
class AllocationPlan:
    strategy: str
    cases: int
    per_officer: dict[str, tuple[int, int]]  # officer -> (cases given now, points given now)
    committed: bool


def _eligible_officers(
    session: Session, team: str | None, officer_ids: Sequence[str] | None
) -> list[Officer]:
    query = select(Officer).where(col(Officer.active), col(Officer.role) == "officer")
    if team:
        query = query.where(col(Officer.team) == team)
    officers = list(session.execute(query.order_by(col(Officer.id))).scalars())
    if officer_ids:
        known = {o.id for o in officers}
        unknown = [o for o in officer_ids if o not in known]
        if unknown:
            raise InputError(
                "--officers",
                f"not active officers{' in ' + team if team else ''}: {', '.join(unknown)}",
            )
        officers = [o for o in officers if o.id in set(officer_ids)]
    if not officers:
        raise InputError("--team", "no active officers to allocate to")
    return officers


def _reallocate(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    officers: Sequence[str],
    moving: str,
    params: tuple[Any, ...],
    strategy: Strategy,
    kind: str,
    dry_run: bool,
    detail: dict[str, Any],
) -> AllocationPlan:
    """Plan and (unless dry_run) apply one allocation in one transaction.

    `moving` is a WHERE clause over case c (and its officer o) choosing the cases to hand
    out; every other open case on an officer in `officers` counts towards that officer's load.
    Cases on hold are never handed out.
    """
    today = actor.now().date()
    with store.writer.connect() as connection, connection.begin() as transaction:
        with Session(bind=connection) as session:
            skills = {
                o.id: frozenset(o.skills)
                for o in session.execute(
                    select(Officer).where(col(Officer.id).in_(officers))
                ).scalars()
            }
        holds = _holds_by_case(connection)
        vulnerable = _vulnerable_cases(connection)
        loads: dict[str, int] = defaultdict(int)
        items = []
        # In SQLite, cases are keyed by rowid here: the plan is then written back in table
        # order. Read through the driver's own cursor (same connection and transaction):
        # wrapping a million rows in SQLAlchemy Row objects costs more than the query.
        key = "c.rowid" if is_sqlite(connection) else "c.id"
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        for case_key, case_id, officer_id, points, moves in cursor.execute(
            for_driver(
                connection,
                f'SELECT {key}, c.id, c.officer_id, c.priority_score, ({moving}) FROM "case" c '
                "LEFT JOIN officer o ON o.id = c.officer_id WHERE c.status = 'open'",
            ),
            params,
        ).fetchall():
            if moves:
                if case_id in holds and refusal(policy.holds, holds[case_id], "queue", today):
                    continue
                items.append(QueueItem(case_key, points, case_id in vulnerable))
            elif officer_id in skills:
                loads[officer_id] += points + 1
        slots = [OfficerSlot(o, skills[o], loads.get(o, 0)) for o in officers]
        plan = allocate(items, slots, strategy)
        counts = Counter(plan.values())
        points_given: dict[str, int] = defaultdict(int)
        for item in items:
            points_given[plan[item.case_id]] += item.points
        per_officer = {o: (counts[o], points_given[o]) for o in officers}
        if dry_run:
            transaction.rollback()
            return AllocationPlan(strategy, len(plan), per_officer, committed=False)
        updates = sorted(plan.items(), key=itemgetter(0))
        _write_plan(connection, updates)
        digest = hashlib.sha256(repr(updates).encode()).hexdigest()
        with Session(bind=connection) as session:
            append_event(
                session,
                officer_id=actor.officer_id,
                kind=kind,
                at=actor.now(),
                event_id=actor.ids(),
                payload={
                    **detail,
                    "strategy": strategy,
                    "cases": len(plan),
                    "per_officer": {o: n for o, (n, _) in per_officer.items()},
                    "assignment_sha256": digest,
                },
            )
    return AllocationPlan(strategy, len(plan), per_officer, committed=True)


def _write_plan(connection: Connection, updates: Sequence[tuple[CaseKey, str]]) -> None:
    """Set each planned case's officer in one set-based UPDATE: measured faster than a million
    single-row UPDATEs."""
    if not updates:
        return
    if not is_sqlite(connection):  # a hub: case ids and officers as two arrays
        run(
            connection,
            'UPDATE "case" c SET officer_id = plan.officer '
            "FROM unnest(?::text[], ?::text[]) AS plan(id, officer) WHERE c.id = plan.id",
            ([key for key, _ in updates], [officer for _, officer in updates]),
        )
        return
    # In rowid (table) order, from a temporary plan table, through a large page cache.
    connection.exec_driver_sql("PRAGMA cache_size = -262144")
    connection.exec_driver_sql(
        "CREATE TEMP TABLE allocation (row INTEGER PRIMARY KEY, officer TEXT NOT NULL)"
    )
    connection.exec_driver_sql("INSERT INTO allocation VALUES (?, ?)", list(updates))
    connection.exec_driver_sql(
        'UPDATE "case" SET officer_id = allocation.officer FROM allocation '
        'WHERE "case".rowid = allocation.row'
    )
    connection.exec_driver_sql("DROP TABLE allocation")
    connection.exec_driver_sql("PRAGMA cache_size = -2000")


def allocate_cases(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    strategy: Strategy,
    team: str | None = None,
    officer_ids: Sequence[str] | None = None,
    dry_run: bool = False,
) -> AllocationPlan:
    """Give every open case that has no active officer, and is not on hold, to an officer.
    Cases already on an active officer's queue stay there and count towards their load."""
    with store.read() as session:
        officers = [o.id for o in _eligible_officers(session, team, officer_ids)]
    return _reallocate(
        store,
        policy,
        actor,
        officers=officers,
        moving="c.officer_id IS NULL OR o.active IS NOT TRUE",
        params=(),
        strategy=strategy,
        kind="queue.allocated",
        dry_run=dry_run,
        detail={"team": team},
    )


def rebalance_absent(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    absent: str,
    strategy: Strategy,
    dry_run: bool = False,
) -> AllocationPlan:
    """Share an absent officer's open cases among the rest of their team."""
    with store.read() as session:
        officer = session.get(Officer, absent)
        if officer is None:
            raise InputError("--absent", f"{absent!r} is not an officer")
        others = [
            o.id for o in _eligible_officers(session, officer.team or None, None) if o.id != absent
        ]
    if not others:
        raise InputError("--absent", f"nobody else in team {officer.team!r} to take the cases")
    return _reallocate(
        store,
        policy,
        actor,
        officers=others,
        moving="c.officer_id = ?",
        params=(absent,),
        strategy=strategy,
        kind="queue.rebalanced",
        dry_run=dry_run,
        detail={"absent": absent},
    )


def _case_by_reference(session: Session, reference: str) -> Case:
    case: Case | None = session.execute(
        select(Case).where(col(Case.reference) == reference.strip().upper())
    ).scalar_one_or_none()
    if case is None:
        raise InputError("CASE", f"no case with reference {reference!r}")
    return case


def move_case(store: Store, actor: Actor, *, reference: str, to_officer: str, reason: str) -> None:
    """Move one case to another officer, with the reason in the audit trail."""
    if not reason.strip():
        raise InputError("--reason", "say why the case is moving")
    with store.write() as session:
        case = _case_by_reference(session, reference)
        officer = session.get(Officer, to_officer)
        if officer is None or not officer.active:
            raise InputError("--to", f"{to_officer!r} is not an active officer")
        before = case.officer_id
        case.officer_id = officer.id
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="queue.moved",
            at=actor.now(),
            case_id=case.id,
            event_id=actor.ids(),
            payload={"from": before, "to": officer.id, "reason": reason.strip()},
        )


@dataclass(frozen=True)
class Orphan:
    reference: str
    name: str
    problem: str


def orphans(
    store: Store, policy: PolicyBook, now: datetime, overdue_days: int = 14
) -> list[Orphan]:
    """Open cases nobody will work: no active officer, or a next action long overdue. Cases
    on hold are left out: they are not to be worked until the hold ends."""
    overdue = instant_text(now - timedelta(days=overdue_days))
    found = []
    with store.engine.connect() as connection:
        holds = _holds_by_case(connection)
        rows = run(
            connection,
            "SELECT c.id, c.reference, p.forename, p.surname, c.officer_id, o.active, "
            'c.next_action_due FROM "case" c JOIN person p ON p.id = c.person_id '
            "LEFT JOIN officer o ON o.id = c.officer_id WHERE c.status = 'open' AND "
            "(c.officer_id IS NULL OR NOT o.active OR c.next_action_due < ?) "
            "ORDER BY c.reference",
            (overdue,),
        ).fetchall()
    for case_id, reference, forename, surname, officer_id, active, due in rows:
        if refusal(policy.holds, holds.get(case_id, []), "queue", now.date()) is not None:
            continue
        if officer_id is None:
            problem = "no officer"
        elif not active:
            problem = f"officer {officer_id} is not active"
        else:
            problem = f"next action overdue since {_instant(due):%Y-%m-%d}"
        found.append(Orphan(reference, f"{forename} {surname}".strip(), problem))
    return found
