"""Everything the debtor screen shows about one case, read in one go, through the one
disclosure gate: until ID&V passes on this call (DOMAIN.md decision 10) the view carries no
account detail at all (no balances, amounts, date of birth, address or history detail), so
no screen or dialog can show what it was never given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import literal_column, select
from sqlmodel import col

from drp_tui.domain.calls import Standing
from drp_tui.domain.controls import escaped
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import ActiveHold, active_holds
from drp_tui.domain.recovery import RouteCheck, recovery_routes
from drp_tui.services.calls import CallInfo, call_info
from drp_tui.services.holds import case_holds
from drp_tui.services.placements import agencies_by_debt
from drp_tui.services.policy import PolicyBook
from drp_tui.services.recoveryoptions import net_monthly_pay, route_amount
from drp_tui.store.engine import Store
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
from drp_tui.store.personal import Opener

HISTORY_LINES = 40
# Openings are the audit trail's, not the case's story: one line per look would soon push
# the calls, promises and payments off the history.
NOT_HISTORY = ("case.viewed",)
NOT_DISCLOSED = "(detail after ID&V)"


@dataclass(frozen=True)
class DebtLine:
    id: str
    reference: str
    debt_type: str
    type_name: str
    stage: str
    balance: Decimal | None  # None until disclosed
    costs: Decimal | None
    jurisdiction: str
    routes: tuple[RouteCheck, ...]
    non_payment: str
    amounts: Mapping[str, str]  # open route id -> what its calculator gives
    with_agency: str | None = None  # the agency's name, while the debt is placed with one
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
    name: str  # initials only until disclosed
    date_of_birth: date | None  # None until disclosed
    address: str  # "" until disclosed
    phones: tuple[tuple[str, str, str], ...]  # id, number, status
    debts: tuple[DebtLine, ...]
    holds: tuple[ActiveHold, ...]
    vulnerabilities: tuple[str, ...]
    history: tuple[HistoryLine, ...]
    call: CallInfo | None  # the call this view is for (None: read ahead, before any call)

    @property
    def verified(self) -> bool:
        """The account may be discussed on this call (ID&V passed, or a third party with
        authority to discuss it): the view holds the account detail."""
        return self.call is not None and self.call.disclosed

    @property
    def idv_result(self) -> str:
        return "not_attempted" if self.call is None else self.call.idv_result

    @property
    def standing(self) -> Standing:
        """What the person on the line of this call may do (nothing without a call)."""
        return Standing() if self.call is None else self.call.standing

    @property
    def balance(self) -> Decimal | None:
        if not self.verified:
            return None
        return sum((d.balance or Decimal(0) for d in self.debts), Decimal(0))

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
        "template",  # a letter or email sent
        "stage",  # a complaint's
        "to",
        "text",
        "name",  # a third party given authority
        "relationship",
    )
    return ", ".join(f"{k} {payload[k]}" for k in keys if payload.get(k) not in (None, ""))


def case_view(
    store: Store, policy: PolicyBook, case_id: str, on: date, call_id: str | None = None
) -> CaseView:
    """The case as the call may see it: masked unless ID&V passed on `call_id`."""
    call = None if call_id is None else call_info(store, call_id, on)
    if call is not None and call.case_id != case_id:
        raise InputError("call", "that call is on another case")
    shown = call is not None and call.disclosed
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
        # In the order they were recorded: SQLite's row order (since migration 0004 the
        # person's numbers are found through the (person_id, number) index, which would
        # otherwise list them by number).
        in_order = select(Phone).where(col(Phone.person_id) == person.id)
        if session.get_bind().dialect.name == "sqlite":
            in_order = in_order.order_by(literal_column("phone.rowid"))
        phones = tuple((p.id, p.number, p.status) for p in session.execute(in_order).scalars())
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
        placed = agencies_by_debt(session, case.id)
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
                    debt.balance if shown else None,
                    debt.costs if shown else None,
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
                        if shown and route.open and route.calculator
                    },
                    placed.get(debt.id),
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
        holds = tuple(active_holds(policy.holds, case_holds(session, case.id), on))
        opener = Opener(session)
        opened = {e.id: opener.open(e.payload) for e in (*events, *elsewhere)} if shown else {}
    # Shown on a terminal: a control character stored from anywhere is shown, not obeyed.
    name = escaped(" ".join(p for p in (person.title, person.forename, person.surname) if p))
    line = (
        ""
        if address is None or not shown
        else ", ".join(
            part for part in (address.line1, address.line2, address.town, address.postcode) if part
        )
    )
    history = tuple(
        HistoryLine(
            f"{e.at:%d %b %H:%M}",
            e.officer_id,
            e.kind,
            _summary(e.kind, opened[e.id]) if shown else NOT_DISCLOSED,
        )
        for e in _newest_first(events, elsewhere)
    )
    return CaseView(
        case.id,
        case.reference,
        name if shown else mask(name),
        person.date_of_birth if shown else None,
        line,
        phones,
        tuple(debts),
        holds,
        vulnerabilities,
        history,
        call,
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
            escaped(" ".join(part for part in (title, forename, surname) if part)),
            postcode,
            officer,
        )
        for case_id, reference, title, forename, surname, postcode, officer in rows
    ]
