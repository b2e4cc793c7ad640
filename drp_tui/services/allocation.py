"""Supervisors' allocation: sharing open cases among officers (by strategy, with a dry run),
moving the cases of an absent officer or one case, and finding cases nobody will work."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import compress
from typing import Any

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import refusal
from drp_tui.domain.queue import CaseKey, OfficerSlot, Strategy, deal
from drp_tui.services import allocation_plans as plans
from drp_tui.services.casework import Actor
from drp_tui.services.holds import holds_by_case
from drp_tui.services.policy import PolicyBook
from drp_tui.services.queue import vulnerable_cases, with_agencies
from drp_tui.store import bulk
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Event, Officer
from drp_tui.store.rawsql import chunks, for_driver, is_sqlite, run
from drp_tui.store.seals import OFFICER, seal_body, write_seal
from drp_tui.store.types import instant_from_text, instant_text


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
    Cases on hold, and those whose every owing debt is with an agency, are never handed out.
    """
    today = actor.now().date()
    # Every reference this transaction writes is checked here, inside it: each planned officer
    # is read from the officer table first (`skills`), and the event comes before its outbox
    # entry; SQLite's own check of a million cases' officers is left off (bulk.py).
    with (
        store.writer.connect() as connection,
        bulk.references_checked_by_caller(connection),
        plans.page_cache(connection),
        connection.begin() as transaction,
    ):
        with Session(bind=connection) as session:
            skills = {
                o.id: frozenset(o.skills)
                for o in session.execute(
                    select(Officer).where(col(Officer.id).in_(officers))
                ).scalars()
            }
        holds = holds_by_case(connection)
        vulnerable = vulnerable_cases(connection)
        placed = with_agencies(connection)
        # In SQLite, cases are keyed by rowid here, read in rowid order: the plan is then
        # written back in table order. The cases that stay where they are count towards
        # their officers' loads, summed by SQLite.
        sqlite = is_sqlite(connection)
        # SQLite scans the table rather than look up nearly every case from the status index
        # (`+c.status`, plans.py); PostgreSQL plans for itself.
        status = "+c.status" if sqlite else "c.status"
        cases = (
            'FROM "case" c LEFT JOIN officer o ON o.id = c.officer_id '
            f"WHERE {status} = 'open' AND ({moving})"
        )
        keys: Sequence[CaseKey]
        points: Sequence[int]
        ids: Sequence[str]
        if sqlite:
            keys, points, ids, ids_plain, texts = plans.moving_cases(connection, moving, params)
        else:  # a hub: through the driver's own cursor, not SQLAlchemy's rows
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            rows = cursor.execute(
                for_driver(connection, f"SELECT c.id, c.priority_score {cases} ORDER BY c.id"),
                params,
            ).fetchall()
            ids = [row[0] for row in rows]
            keys, points = ids, [row[1] for row in rows]
            ids_plain, texts = False, []
            del rows
        staying = run(
            connection,
            f"SELECT c.officer_id, sum(c.priority_score + 1) {cases} IS NOT TRUE "
            "GROUP BY c.officer_id",
            params,
        ).fetchall()
        loads = {officer: int(load) for officer, load in staying if officer in skills}
        # Cases on a hold that keeps them off queues, and those with agencies (nothing for an
        # officer to ask), are not handed out; vulnerable cases may need a trained officer.
        # They are few: their ids are turned into keys.
        kept_off = placed | {
            case_id
            for case_id, found in holds.items()
            if refusal(policy.holds, found, "queue", today) is not None
        }
        keyed = _keys(connection, kept_off | vulnerable)
        off = {keyed[c] for c in kept_off if c in keyed}
        if off:
            kept = [key not in off for key in keys]
            keys, points, ids, texts = (
                list(compress(keys, kept)),
                list(compress(points, kept)),
                list(compress(ids, kept)),
                list(compress(texts, kept)),
            )
        needs_training = {keyed[c] for c in vulnerable if c in keyed}
        slots = [OfficerSlot(o, skills[o], loads.get(o, 0)) for o in officers]
        positions = deal(points, list(map(needs_training.__contains__, keys)), slots, strategy)
        counts = Counter(positions)
        points_given = [0] * len(officers)
        for n, score in zip(positions, points, strict=True):
            points_given[n] += score
        per_officer = {o: (counts[n], points_given[n]) for n, o in enumerate(officers)}
        if dry_run:
            transaction.rollback()
            return AllocationPlan(strategy, len(keys), per_officer, committed=False)
        # The plan in key order. The keys are in order already: SQLite's rowids compare in
        # Python as in the store; a hub's ids are sorted here as Python orders text.
        given = list(map(list(officers).__getitem__, positions))
        event_id = actor.ids()
        if sqlite:
            digest = hashlib.sha256(
                plans.plan_repr(texts, positions, officers).encode()
            ).hexdigest()
            plans.write_plan(
                connection, plans.plan_json(texts, given, positions, officers), len(keys)
            )
            if detail.get("until"):  # lent while someone is away: which case went to whom
                detail = {**detail, "lent": [list(r) for r in zip(ids, given, strict=True)]}
            made = plans.seal_text(ids, given, positions, officers, ids_plain), len(ids)
            sealed = seal_body(connection, event_id, OFFICER, made)
        else:
            updates = sorted(zip(keys, given, strict=True))
            digest = hashlib.sha256(repr(updates).encode()).hexdigest()
            _write_hub_plan(connection, updates)
            if detail.get("until"):
                detail = {**detail, "lent": [[k, officer] for k, officer in updates]}
            sealed = write_seal(connection, event_id, OFFICER, [(str(k), o) for k, o in updates])
        with Session(bind=connection) as session:
            append_event(
                session,
                officer_id=actor.officer_id,
                kind=kind,
                at=actor.now(),
                event_id=event_id,
                payload={
                    **detail,
                    "seals": {OFFICER: sealed},
                    "strategy": strategy,
                    "cases": len(keys),
                    "per_officer": {o: n for o, (n, _) in per_officer.items()},
                    "assignment_sha256": digest,
                },
            )
    return AllocationPlan(strategy, len(keys), per_officer, committed=True)


def _write_hub_plan(connection: Connection, updates: Sequence[tuple[CaseKey, str]]) -> None:
    """A hub's plan in one set-based UPDATE: case ids and officers as two arrays."""
    if updates:
        run(
            connection,
            'UPDATE "case" c SET officer_id = plan.officer '
            "FROM unnest(?::text[], ?::text[]) AS plan(id, officer) WHERE c.id = plan.id",
            ([key for key, _ in updates], [officer for _, officer in updates]),
        )


def _keys(connection: Connection, case_ids: set[str]) -> dict[str, CaseKey]:
    """The key (SQLite: rowid) of each of a few cases, by id."""
    if not is_sqlite(connection):
        return {c: c for c in case_ids}
    if not case_ids:
        return {}
    found = run(
        connection,
        'SELECT c.id, c.rowid FROM json_each(?) AS wanted CROSS JOIN "case" c '
        "ON c.id = wanted.value",
        (json.dumps(sorted(case_ids)),),
    )
    return {str(case_id): rowid for case_id, rowid in found}


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
    until: date | None = None,
) -> AllocationPlan:
    """Share an absent officer's open cases among the rest of their team. With `until` (the
    day they are back), the cases go back to them from that day (`return_lent_cases`)."""
    if until is not None and until <= actor.now().date():
        raise InputError(
            "--until", f"{until:%d %b %Y} is not after today: give the day they are back"
        )
    with store.read() as session:
        officer = session.get(Officer, absent)
        if officer is None:
            raise InputError("--absent", f"{absent!r} is not an officer")
        away = officers_away(session, actor.now().date())
        others = [
            o.id
            for o in _eligible_officers(session, officer.team or None, None)
            if o.id != absent and o.id not in away
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
        detail={"absent": absent, **({"until": until.isoformat()} if until else {})},
    )


def officers_away(session: Session, today: date) -> set[str]:
    """Officers lent out as absent (`rebalance --absent X --until DAY`) who are not back yet:
    no one hands them cases meanwhile."""
    away = set()
    for lent in session.execute(
        select(Event).where(col(Event.kind) == "queue.rebalanced")
    ).scalars():
        until = lent.payload.get("until")
        if until and date.fromisoformat(until) > today:
            away.add(str(lent.payload["absent"]))
    return away


@dataclass(frozen=True)
class Returned:
    officer: str
    cases: int


def return_lent_cases(store: Store, actor: Actor) -> list[Returned]:
    """The rule for `rebalance --absent X --until DAY`: from DAY on, the cases lent out go back
    to X, if X is an active officer again; a case moved by hand since (or closed) stays where
    it is. Each rebalance is given back once (a `queue.returned` event names it). Run by the
    nightly rescore and before every allocation."""
    today = actor.now().date()
    returned = []
    with store.write() as session:
        done = {
            e.payload.get("rebalance")
            for e in session.execute(
                select(Event).where(col(Event.kind) == "queue.returned")
            ).scalars()
        }
        for lent in session.execute(
            select(Event).where(col(Event.kind) == "queue.rebalanced").order_by(col(Event.seq))
        ).scalars():
            until = lent.payload.get("until")
            if not until or lent.id in done or date.fromisoformat(until) > today:
                continue
            absent = session.get(Officer, lent.payload["absent"])
            if absent is None or not absent.active:
                continue  # still away (or gone): the cases stay with the team
            holders = dict(lent.payload.get("lent", []))
            back: list[str] = []
            for some in chunks(list(holders)):
                for case in session.execute(
                    select(Case).where(col(Case.id).in_(some), col(Case.status) == "open")
                ).scalars():
                    if case.officer_id == holders[case.id]:
                        case.officer_id = absent.id
                        back.append(case.id)
            event_id = actor.ids()
            session.flush()
            sealed = write_seal(
                session.connection(), event_id, OFFICER, [(c, absent.id) for c in back]
            )
            append_event(
                session,
                officer_id=actor.officer_id,
                kind="queue.returned",
                at=actor.now(),
                event_id=event_id,
                payload={
                    "rebalance": lent.id,
                    "officer": absent.id,
                    "cases": len(back),
                    "seals": {OFFICER: sealed},
                },
            )
            returned.append(Returned(absent.id, len(back)))
    return returned


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
        holds = holds_by_case(connection)
        placed = with_agencies(connection)
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
        if case_id in placed:
            continue
        if officer_id is None:
            problem = "no officer"
        elif not active:
            problem = f"officer {officer_id} is not active"
        else:
            problem = f"next action overdue since {instant_from_text(due):%Y-%m-%d}"
        found.append(Orphan(reference, f"{forename} {surname}".strip(), problem))
    return found
