"""Everything the debtor screen shows about one case, read in one go, and the ID&V record
that unlocks the account detail (DOMAIN.md decision 10)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import ActiveHold, active_holds
from drp_tui.domain.recovery import RouteCheck, recovery_routes
from drp_tui.services.casework import Actor, holds_for
from drp_tui.services.policy import PolicyBook
from drp_tui.services.recoveryoptions import net_monthly_pay, route_amount
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Address,
    Assessment,
    Case,
    Debt,
    Event,
    Person,
    Phone,
    SyncedEvent,
    Vulnerability,
)

IDV_CHECKS = ("date_of_birth", "postcode", "account_reference", "last_payment")
IDV_PASS = 2  # at least two of the checks (DOMAIN.md decision 10)
HISTORY_LINES = 40
# Openings are the audit trail's, not the case's story: one line per look would soon push
# the calls, promises and payments off the history.
NOT_HISTORY = ("case.viewed",)


@dataclass(frozen=True)
class DebtLine:
    id: str
    reference: str
    debt_type: str
    type_name: str
    stage: str
    balance: Decimal
    costs: Decimal
    jurisdiction: str
    routes: tuple[RouteCheck, ...]
    non_payment: str
    amounts: Mapping[str, str]  # open route id -> what its calculator gives
    period: str = ""  # the year it is for, e.g. 2025/26 (arrangements pay the oldest first)
    stage_date: date | None = None


@dataclass(frozen=True)
class HistoryLine:
    at: str
    officer: str
    kind: str
    detail: str


@dataclass(frozen=True)
class CaseView:
    case_id: str
    reference: str
    name: str
    date_of_birth: date | None
    address: str
    phones: tuple[tuple[str, str, str], ...]  # id, number, status
    debts: tuple[DebtLine, ...]
    holds: tuple[ActiveHold, ...]
    vulnerabilities: tuple[str, ...]
    history: tuple[HistoryLine, ...]
    verified: bool  # ID&V passed on this case today

    @property
    def balance(self) -> Decimal:
        return sum((d.balance for d in self.debts), Decimal(0))

    @property
    def main_stage(self) -> str:
        return self.debts[0].stage if self.debts else ""


def _summary(kind: str, payload: dict[str, object]) -> str:
    keys = (
        "outcome",
        "result",
        "status",
        "amount",
        "total",
        "due_on",
        "reason",
        "category",
        "kind",
        "hold",
        "agency",
        "to",
        "text",
    )
    return ", ".join(f"{k} {payload[k]}" for k in keys if payload.get(k) not in (None, ""))


def case_view(store: Store, policy: PolicyBook, case_id: str, on: date) -> CaseView:
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            raise InputError("case", f"no case {case_id}")
        person = session.get(Person, case.person_id)
        assert person is not None
        address = (
            session.execute(
                select(Address).where(col(Address.person_id) == person.id, col(Address.current))
            )
            .scalars()
            .first()
        )
        phones = tuple(
            (p.id, p.number, p.status)
            for p in session.execute(
                select(Phone).where(col(Phone.person_id) == person.id)
            ).scalars()
        )
        assessment = (
            session.execute(
                select(Assessment)
                .where(col(Assessment.case_id) == case.id)
                .order_by(col(Assessment.created_at).desc())
            )
            .scalars()
            .first()
        )
        net_monthly = None if assessment is None else net_monthly_pay(assessment.statement)
        debts = []
        for debt in session.execute(
            select(Debt).where(col(Debt.case_id) == case.id).order_by(col(Debt.balance).desc())
        ).scalars():
            kind = policy.recovery.debt_type(debt.debt_type, on)
            routes = recovery_routes(
                policy.recovery,
                debt_type=debt.debt_type,
                stage=debt.stage,
                jurisdiction=debt.jurisdiction,
                balance=debt.balance,
                on=on,
            )
            debts.append(
                DebtLine(
                    debt.id,
                    debt.host_ref,
                    debt.debt_type,
                    kind.name,
                    debt.stage,
                    debt.balance,
                    debt.costs,
                    debt.jurisdiction,
                    tuple(routes),
                    kind.non_payment,
                    {
                        route.id: route_amount(
                            policy,
                            route.calculator,
                            balance=debt.balance,
                            jurisdiction=debt.jurisdiction,
                            net_monthly=net_monthly,
                            on=on,
                        )
                        for route in routes
                        if route.open and route.calculator
                    },
                    period=debt.period,
                    stage_date=debt.stage_date,
                )
            )
        vulnerabilities = tuple(
            f"{v.category}" + (f" (review {v.review_on:%d %b %Y})" if v.review_on else "")
            for v in session.execute(
                select(Vulnerability).where(col(Vulnerability.person_id) == person.id)
            ).scalars()
        )
        events = (
            session.execute(
                select(Event)
                .where(col(Event.case_id) == case.id, col(Event.kind).not_in(NOT_HISTORY))
                .order_by(col(Event.at).desc(), col(Event.seq).desc())
                .limit(HISTORY_LINES)
            )
            .scalars()
            .all()
        )
        # Work on this case at other desks (before it came here, or alongside), from the hub.
        elsewhere = (
            session.execute(
                select(SyncedEvent)
                .where(
                    col(SyncedEvent.case_id) == case.id,
                    col(SyncedEvent.kind).not_in(NOT_HISTORY),
                )
                .order_by(col(SyncedEvent.at).desc())
                .limit(HISTORY_LINES)
            )
            .scalars()
            .all()
        )
        holds = tuple(active_holds(policy.holds, holds_for(session, case), on))
    # Identity is checked on this desk's own call: a colleague's check elsewhere does not count.
    verified = any(
        e.kind == "idv.recorded" and e.payload.get("result") == "passed" and e.at.date() == on
        for e in events
    )
    name = " ".join(part for part in (person.title, person.forename, person.surname) if part)
    line = (
        ""
        if address is None
        else ", ".join(
            part for part in (address.line1, address.line2, address.town, address.postcode) if part
        )
    )
    history = tuple(
        HistoryLine(f"{e.at:%d %b %H:%M}", e.officer_id, e.kind, _summary(e.kind, e.payload))
        for e in _newest_first(events, elsewhere)
    )
    return CaseView(
        case.id,
        case.reference,
        name,
        person.date_of_birth,
        line,
        phones,
        tuple(debts),
        holds,
        vulnerabilities,
        history,
        verified,
    )


def _newest_first(
    here: Sequence[Event], elsewhere: Sequence[SyncedEvent]
) -> list[Event | SyncedEvent]:
    """One timeline. A case that comes back to a desk brings this desk's own events with it
    from the hub: each is shown once."""
    seen = {e.id for e in here}
    merged: list[Event | SyncedEvent] = [*here, *(e for e in elsewhere if e.id not in seen)]
    return sorted(merged, key=lambda e: e.at, reverse=True)[:HISTORY_LINES]


def mask(text: str) -> str:
    """Initials only: enough to ask for the right person, nothing to disclose."""
    return " ".join(word[0] + "." if word else "" for word in text.split())


def record_idv(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    passed_checks: frozenset[str],
    third_party: bool = False,
) -> str:
    """Record the identity check: passed with at least two checks, otherwise failed (or a
    third party answered). Returns the result."""
    unknown = passed_checks - set(IDV_CHECKS)
    if unknown:
        raise InputError("checks", f"unknown ID&V check(s): {', '.join(sorted(unknown))}")
    if third_party:
        result = "third_party"
    elif len(passed_checks) >= IDV_PASS:
        result = "passed"
    else:
        result = "failed"
    with store.write() as session:
        if session.get(Case, case_id) is None:
            raise InputError("case", f"no case {case_id}")
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="idv.recorded",
            at=actor.now(),
            case_id=case_id,
            event_id=actor.ids(),
            payload={"result": result, "checks": sorted(passed_checks)},
        )
    return result


@dataclass(frozen=True)
class SearchHit:
    case_id: str
    reference: str
    name: str
    postcode: str
    officer_id: str | None


def search_cases(store: Store, text: str, limit: int = 25) -> list[SearchHit]:
    """Cases by case reference, debt reference, surname (starts with) or postcode."""
    query = text.strip()
    if len(query) < 2:
        raise InputError("search", "type at least two characters")
    upper = query.upper()
    compact = upper.replace(" ", "")
    with store.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT DISTINCT c.id, c.reference, p.title, p.forename, p.surname, "
            "coalesce(a.postcode, ''), c.officer_id "
            'FROM "case" c JOIN person p ON p.id = c.person_id '
            "LEFT JOIN address a ON a.person_id = p.id AND a.current "
            "LEFT JOIN debt d ON d.case_id = c.id "
            "WHERE c.reference = ? OR d.host_ref = ? OR p.surname LIKE ? "
            "OR replace(a.postcode, ' ', '') = ? ORDER BY p.surname, p.forename, c.reference "
            "LIMIT ?",
            (upper, query, f"{query}%", compact, limit),
        ).fetchall()
    return [
        SearchHit(
            case_id,
            reference,
            " ".join(part for part in (title, forename, surname) if part),
            postcode,
            officer,
        )
        for case_id, reference, title, forename, surname, postcode, officer in rows
    ]
