"""Money in against a debt: a payment lowers the balance and pays a live arrangement's
instalments, oldest first, with its event in the same transaction."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.money import ZERO
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Arrangement, ArrangementDebt, Debt, Instalment, Payment


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
    append_event(
        session,
        officer_id=actor.officer_id,
        kind="payment.recorded",
        at=actor.now(),
        case_id=debt.case_id,
        event_id=actor.ids(),
        payload={
            "payment": payment.id,
            "debt": debt.id,
            "amount": f"{amount:.2f}",
            "received_on": received_on.isoformat(),
            "source": source,
            "agency": agency_id,
            "reference": reference,
        },
    )
    return payment


def live_arrangement_for(session: Session, debt_id: str) -> Arrangement | None:
    """The oldest live arrangement covering the debt: the one its payments pay."""
    covering = select(col(ArrangementDebt.arrangement_id)).where(
        col(ArrangementDebt.debt_id) == debt_id
    )
    found: Arrangement | None = (
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
    return found


def _apply_to_instalments(session: Session, debt_id: str, amount: Decimal) -> None:
    live = live_arrangement_for(session, debt_id)
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
