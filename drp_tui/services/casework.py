"""Use cases on a case: contact, promises, arrangements, payments, agency placements,
vulnerabilities, Breathing Space. Each checks what it must (holds first), changes state and
appends its event in one transaction, so the change and its audit record land together or
not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import Hold, HoldPolicy, refusal
from drp_tui.domain.money import ZERO
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Agency,
    Arrangement,
    ArrangementDebt,
    BreathingSpace,
    Case,
    ContactAttempt,
    Debt,
    Instalment,
    Payment,
    Person,
    Phone,
    Placement,
    Promise,
    Vulnerability,
    new_id,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and where time and new ids come from (fixed in tests and the demo)."""

    officer_id: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    ids: Callable[[], str] = new_id

    def now(self) -> datetime:
        return self.clock()


class Refused(Exception):
    """An action a hold forbids. The attempt has been recorded as an event."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise InputError("case", f"no case {case_id}")
    return case


def holds_for(session: Session, case: Case) -> list[Hold]:
    """The holds recorded on a case, in the domain's terms."""
    holds = [
        Hold(bs.kind, start=bs.start, end=bs.end, treatment_end=bs.treatment_end)
        for bs in session.execute(
            select(BreathingSpace).where(col(BreathingSpace.person_id) == case.person_id)
        ).scalars()
    ]
    person = session.get(Person, case.person_id)
    if person is not None and person.deceased_on is not None:
        holds.append(Hold("deceased", start=person.deceased_on))
    if case.hold_kind in ("dispute", "vulnerability_review"):
        holds.append(Hold(case.hold_kind, start=date.min, end=case.hold_until))
    return holds


def guard(
    session: Session, actor: Actor, holds: HoldPolicy, case: Case, action: str, what: str
) -> None:
    """Refuse `action` if a hold forbids it today (the caller records the attempt)."""
    found = refusal(holds, holds_for(session, case), action, actor.now().date())
    if found is None:
        return
    raise Refused(f"{what}: {found.message}")


def record_refusal(store: Store, actor: Actor, case_id: str, action: str, message: str) -> None:
    with store.write() as session:
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="action.refused",
            at=actor.now(),
            case_id=case_id,
            event_id=actor.ids(),
            payload={"action": action, "reason": message},
        )


def _guarded(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    case_id: str,
    action: str,
    what: str,
    work: Callable[[Session, Case], Any],
) -> Any:
    """Run `work` in a write transaction after the hold check; a refusal is recorded and
    re-raised."""
    try:
        with store.write() as session:
            case = _case(session, case_id)
            guard(session, actor, holds, case, action, what)
            return work(session, case)
    except Refused as refused:
        record_refusal(store, actor, case_id, action, refused.message)
        raise


def _event(
    session: Session, actor: Actor, event_kind: str, case_id: str | None, /, **payload: Any
) -> None:
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=event_kind,
        at=actor.now(),
        case_id=case_id,
        event_id=actor.ids(),
        payload=payload,
    )


def view_case(store: Store, actor: Actor, case_id: str, reason: str) -> None:
    """Every opening of a case is audited, with why (queue, search, a reason given)."""
    with store.write() as session:
        _event(session, actor, "case.viewed", _case(session, case_id).id, reason=reason)


def _set_next_action(case: Case, callback_at: datetime | None, called_at: datetime) -> None:
    """A new callback becomes the next action; a callback that was due is done once called."""
    if callback_at is not None:
        case.next_action_due = callback_at
    elif case.next_action_due is not None and case.next_action_due <= called_at:
        case.next_action_due = None


def _add_promise(
    session: Session, actor: Actor, case: Case, amount: Decimal, due_on: date, debt_id: str | None
) -> Promise:
    promise = Promise(
        id=actor.ids(),
        case_id=case.id,
        debt_id=debt_id,
        officer_id=actor.officer_id,
        amount=amount,
        due_on=due_on,
        created_at=actor.now(),
    )
    session.add(promise)
    session.flush()
    _event(
        session,
        actor,
        "promise.made",
        case.id,
        promise=promise.id,
        amount=f"{amount:.2f}",
        due_on=due_on.isoformat(),
    )
    return promise


def _add_breathing_space(
    session: Session,
    actor: Actor,
    case: Case,
    kind: str,
    start: date,
    reference: str,
    end: date | None = None,
) -> BreathingSpace:
    record = BreathingSpace(
        id=actor.ids(),
        person_id=case.person_id,
        kind=kind,
        reference=reference,
        start=start,
        end=end,
    )
    session.add(record)
    case.hold_kind, case.hold_reason = kind, f"Breathing Space {reference}".strip()
    session.flush()
    _event(
        session,
        actor,
        "breathing_space.recorded",
        case.id,
        record=record.id,
        kind=kind,
        start=start.isoformat(),
        reference=reference,
    )
    return record


def _mark_deceased(session: Session, actor: Actor, case: Case, died_on: date, source: str) -> None:
    person = session.get(Person, case.person_id)
    assert person is not None
    person.deceased_on = died_on
    _event(session, actor, "death.recorded", case.id, died_on=died_on.isoformat(), source=source)


def _set_hold(
    session: Session,
    actor: Actor,
    case: Case,
    kind: str | None,
    reason: str,
    until: date | None = None,
) -> None:
    case.hold_kind, case.hold_reason, case.hold_until = kind, reason or None, until
    _event(
        session,
        actor,
        "hold.set" if kind else "hold.lifted",
        case.id,
        hold=kind,
        reason=reason,
        until=None if until is None else until.isoformat(),
    )


def make_promise(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    case_id: str,
    amount: Decimal,
    due_on: date,
    debt_id: str | None = None,
) -> Promise:
    if amount <= 0:
        raise InputError("amount", "a promise must be for more than £0.00")

    def work(session: Session, case: Case) -> Promise:
        return _add_promise(session, actor, case, amount, due_on, debt_id)

    result: Promise = _guarded(
        store, actor, holds, case_id, "demand_payment", "promise to pay", work
    )
    return result


def record_payment(
    store: Store,
    actor: Actor,
    *,
    debt_id: str,
    amount: Decimal,
    received_on: date,
    source: str = "host",
    agency_id: str | None = None,
    reference: str = "",
) -> Payment:
    """A payment against a debt, in its own transaction (see `apply_payment`)."""
    with store.write() as session:
        return apply_payment(
            session,
            actor,
            debt_id=debt_id,
            amount=amount,
            received_on=received_on,
            source=source,
            agency_id=agency_id,
            reference=reference,
        )


def apply_payment(
    session: Session,
    actor: Actor,
    *,
    debt_id: str,
    amount: Decimal,
    received_on: date,
    source: str = "host",
    agency_id: str | None = None,
    reference: str = "",
) -> Payment:
    """A payment against a debt, inside the caller's transaction: the balance falls, and a
    live arrangement's instalments are paid oldest first."""
    if amount <= 0:
        raise InputError("amount", "a payment must be more than £0.00")
    debt = session.get(Debt, debt_id)
    if debt is None:
        raise InputError("debt", f"no debt {debt_id}")
    payment = Payment(
        id=actor.ids(),
        debt_id=debt.id,
        amount=amount,
        received_on=received_on,
        source=source,
        agency_id=agency_id,
        reference=reference,
    )
    session.add(payment)
    debt.balance = debt.balance - amount
    _apply_to_instalments(session, debt.id, amount)
    session.flush()
    _event(
        session,
        actor,
        "payment.recorded",
        debt.case_id,
        payment=payment.id,
        debt=debt.id,
        amount=f"{amount:.2f}",
        received_on=received_on.isoformat(),
        source=source,
        agency=agency_id,
        reference=reference,
    )
    return payment


def _apply_to_instalments(session: Session, debt_id: str, amount: Decimal) -> None:
    covering = select(col(ArrangementDebt.arrangement_id)).where(
        col(ArrangementDebt.debt_id) == debt_id
    )
    live = (
        session.execute(
            select(Arrangement)
            .where(
                col(Arrangement.status) == "live",
                # Linked to the debt, or made for it alone before arrangements had links.
                col(Arrangement.id).in_(covering) | (col(Arrangement.debt_id) == debt_id),
            )
            .order_by(col(Arrangement.created_at))
        )
        .scalars()
        .first()
    )
    if live is None:
        return
    remaining = amount
    for instalment in session.execute(
        select(Instalment)
        .where(col(Instalment.arrangement_id) == live.id)
        .order_by(col(Instalment.number))
    ).scalars():
        if remaining <= ZERO:
            break
        owing = instalment.amount - instalment.paid
        if owing > ZERO:
            paid = min(owing, remaining)
            instalment.paid = instalment.paid + paid
            remaining -= paid


def place_with_agency(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    debt_id: str,
    agency_id: str,
    placed_on: date,
) -> Placement:
    with store.write() as session:
        debt = session.get(Debt, debt_id)
        if debt is None:
            raise InputError("debt", f"no debt {debt_id}")
        if session.get(Agency, agency_id) is None:
            raise InputError("agency", f"no agency {agency_id}")
        case_id = debt.case_id

    def work(session: Session, case: Case) -> Placement:
        debt = session.get(Debt, debt_id)
        assert debt is not None
        placement = Placement(
            id=actor.ids(),
            debt_id=debt_id,
            agency_id=agency_id,
            placed_on=placed_on,
            amount=debt.balance,
        )
        session.add(placement)
        session.flush()
        _event(
            session,
            actor,
            "agency.placed",
            case.id,
            placement=placement.id,
            debt=debt_id,
            agency=agency_id,
            amount=f"{debt.balance:.2f}",
            placed_on=placed_on.isoformat(),
        )
        return placement

    result: Placement = _guarded(store, actor, holds, case_id, "escalate", "agency placement", work)
    return result


def return_placement(
    store: Store, actor: Actor, *, debt_id: str, agency_id: str, returned_on: date, reason: str
) -> Placement:
    """An agency hands a debt back (nulla bona, gone away, exhausted): the placement closes
    and the debt is the council's to work again."""
    if not reason.strip():
        raise InputError("--reason", "say why the agency returned it (e.g. nulla bona)")
    with store.write() as session:
        placement: Placement | None = (
            session.execute(
                select(Placement).where(
                    col(Placement.debt_id) == debt_id,
                    col(Placement.agency_id) == agency_id,
                    col(Placement.status) == "open",
                )
            )
            .scalars()
            .first()
        )
        if placement is None:
            raise InputError("--debt", "that debt is not placed with that agency")
        placement.status, placement.returned_on = "returned", returned_on
        placement.return_reason = reason.strip()
        debt = session.get(Debt, debt_id)
        assert debt is not None
        _event(
            session,
            actor,
            "agency.returned",
            debt.case_id,
            placement=placement.id,
            debt=debt_id,
            agency=agency_id,
            amount=f"{debt.balance:.2f}",
            returned_on=returned_on.isoformat(),
            reason=reason.strip(),
        )
        return placement


def record_vulnerability(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    category: str,
    consent: bool,
    notes: str = "",
    review_on: date | None = None,
) -> Vulnerability:
    if not consent:
        raise InputError(
            "consent",
            "record a vulnerability only with the person's consent; "
            "otherwise note that support was offered",
        )
    with store.write() as session:
        case = _case(session, case_id)
        vulnerability = Vulnerability(
            id=actor.ids(),
            person_id=case.person_id,
            category=category,
            consent=consent,
            notes=notes,
            review_on=review_on,
            recorded_by=actor.officer_id,
            recorded_at=actor.now(),
        )
        session.add(vulnerability)
        session.flush()
        _event(
            session,
            actor,
            "vulnerability.recorded",
            case.id,
            vulnerability=vulnerability.id,
            category=category,
            review_on=None if review_on is None else review_on.isoformat(),
        )
        return vulnerability


def record_breathing_space(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    kind: str,
    start: date,
    reference: str = "",
    end: date | None = None,
) -> BreathingSpace:
    if kind not in ("breathing_space", "mental_health_crisis"):
        raise InputError("kind", "must be breathing_space or mental_health_crisis")
    with store.write() as session:
        return _add_breathing_space(
            session, actor, _case(session, case_id), kind, start, reference, end
        )


def record_death(
    store: Store, actor: Actor, *, case_id: str, died_on: date, source: str = ""
) -> None:
    """A debtor has died: the case is held (no contact asking for payment, no escalation)
    until the estate is dealt with."""
    with store.write() as session:
        _mark_deceased(session, actor, _case(session, case_id), died_on, source)


def set_hold(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    kind: str | None,
    reason: str,
    until: date | None = None,
) -> None:
    """Put a dispute or vulnerability-review hold on a case, or lift it (kind None)."""
    if kind not in (None, "dispute", "vulnerability_review"):
        raise InputError("hold", "must be dispute or vulnerability_review")
    if kind is not None and not reason.strip():
        raise InputError("reason", "say why the case is on hold")
    with store.write() as session:
        _set_hold(session, actor, _case(session, case_id), kind, reason, until)


@dataclass(frozen=True)
class Outcome:
    """What the officer chose at the end of a call, with the fields its code needs."""

    code: str
    right_party: bool
    idv_result: str = "not_attempted"
    amount: Decimal | None = None
    on: date | None = None
    callback_at: datetime | None = None
    phone_id: str | None = None
    reason: str = ""
    notes: str = ""
    debt_id: str | None = None  # the debt a promise is for, when known


def record_outcome(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    case_id: str,
    started_at: datetime,
    outcome: Outcome,
    ended_at: datetime | None = None,
) -> ContactAttempt:
    """The call and everything its outcome implies, in one transaction: a promise (refused
    while a hold forbids asking for payment), a callback, a phone marked wrong, a dispute
    hold, Breathing Space, a death."""
    try:
        with store.write() as session:
            case = _case(session, case_id)
            ended = ended_at or actor.now()
            if outcome.code == "PTP":
                guard(session, actor, holds, case, "demand_payment", "promise to pay")
            attempt = ContactAttempt(
                id=actor.ids(),
                case_id=case.id,
                officer_id=actor.officer_id,
                phone_id=outcome.phone_id,
                started_at=started_at,
                ended_at=ended,
                outcome_code=outcome.code,
                right_party=outcome.right_party,
                idv_result=outcome.idv_result,
                notes=outcome.notes,
                abandon_reason=outcome.reason if outcome.code == "ABANDONED" else None,
            )
            session.add(attempt)
            _outcome_effects(session, actor, case, outcome)
            case.updated_at = actor.now()
            session.flush()
            _event(
                session,
                actor,
                "contact.recorded",
                case.id,
                attempt=attempt.id,
                outcome=outcome.code,
                right_party=outcome.right_party,
                idv=outcome.idv_result,
                phone=outcome.phone_id,
                callback_at=None
                if outcome.callback_at is None
                else outcome.callback_at.isoformat(),
                abandon_reason=attempt.abandon_reason,
                reason=outcome.reason or None,
                seconds=int((ended - started_at).total_seconds()),
            )
            return attempt
    except Refused as refused:
        record_refusal(store, actor, case_id, "demand_payment", refused.message)
        raise


def _outcome_effects(session: Session, actor: Actor, case: Case, outcome: Outcome) -> None:
    if outcome.code == "PTP":
        if outcome.amount is None or outcome.amount <= 0 or outcome.on is None:
            raise InputError("promise", "needs an amount and a date")
        _add_promise(session, actor, case, outcome.amount, outcome.on, outcome.debt_id)
    _set_next_action(case, outcome.callback_at, actor.now())
    if outcome.code in ("WRONG", "UNOBT") and outcome.phone_id is not None:
        phone = session.get(Phone, outcome.phone_id)
        if phone is not None:
            phone.status = "wrong" if outcome.code == "WRONG" else "disconnected"
    if outcome.code == "DISPUTE":
        _set_hold(session, actor, case, "dispute", outcome.reason)
    if outcome.code == "BS" and outcome.on is not None:
        _add_breathing_space(session, actor, case, "breathing_space", outcome.on, outcome.reason)
    if outcome.code == "DECEASED":
        _mark_deceased(session, actor, case, outcome.on or actor.now().date(), outcome.reason)


PHONE_STATUSES = ("good", "wrong", "disconnected")


def mark_phone(store: Store, actor: Actor, *, case_id: str, phone_id: str, status: str) -> None:
    """A number found wrong or disconnected (or working again), outside any call outcome."""
    if status not in PHONE_STATUSES:
        raise InputError(
            "status", f"{status!r} is not a phone status; use {', '.join(PHONE_STATUSES)}"
        )
    with store.write() as session:
        case = _case(session, case_id)
        phone = session.get(Phone, phone_id)
        if phone is None or phone.person_id != case.person_id:
            raise InputError("phone", "is not a number held for this case")
        if phone.status == status:
            return
        was, phone.status = phone.status, status
        _event(session, actor, "phone.marked", case.id, phone=phone.id, status=status, was=was)


def add_note(store: Store, actor: Actor, *, case_id: str, text: str) -> None:
    """A note on the case, kept in the audit trail."""
    if not text.strip():
        raise InputError("note", "write something first")
    with store.write() as session:
        _event(session, actor, "note.added", _case(session, case_id).id, text=text.strip())
