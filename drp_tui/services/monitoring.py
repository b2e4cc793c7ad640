"""Arrangement and promise monitoring: compare what was due with what was paid, allowing the
policy's tolerance in days, and mark arrangements breached or completed and promises kept or
broken. Each change is an event, and the cases affected are rescored so they rise up the
queue with the reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlmodel import Session, col

from drp_tui.domain.money import ZERO
from drp_tui.domain.policy import in_force
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.queue import rescore
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Arrangement, Debt, Instalment, Payment, Promise


@dataclass
class MonitoringResult:
    on: date
    breached: list[str] = field(default_factory=list)  # arrangement ids
    completed: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # promise ids
    broken: list[str] = field(default_factory=list)


def check_arrangements(
    store: Store, policy: PolicyBook, actor: Actor, on: date
) -> MonitoringResult:
    rules = in_force(policy.arrangements, on)
    cutoff = on - timedelta(days=rules.missed_payment_tolerance_days)
    result = MonitoringResult(on)
    touched: set[str] = set()
    with store.write() as session:
        for arrangement in (
            session.execute(select(Arrangement).where(col(Arrangement.status) == "live"))
            .scalars()
            .all()
        ):
            instalments = (
                session.execute(
                    select(Instalment)
                    .where(col(Instalment.arrangement_id) == arrangement.id)
                    .order_by(col(Instalment.number))
                )
                .scalars()
                .all()
            )
            missed = [i for i in instalments if i.due_on <= cutoff and i.paid < i.amount]
            if all(i.paid >= i.amount for i in instalments):
                _change(session, actor, arrangement, "completed", "every instalment paid")
                result.completed.append(arrangement.id)
            elif len(missed) >= rules.missed_instalments_to_breach:
                dues = ", ".join(i.due_on.isoformat() for i in missed)
                _change(
                    session,
                    actor,
                    arrangement,
                    "breached",
                    f"{len(missed)} instalments missed (due {dues})",
                )
                result.breached.append(arrangement.id)
            else:
                continue
            touched.add(arrangement.case_id)
        for promise in (
            session.execute(
                select(Promise).where(col(Promise.status) == "open", col(Promise.due_on) <= cutoff)
            )
            .scalars()
            .all()
        ):
            paid = _paid_between(
                session,
                promise.case_id,
                promise.created_at.date(),
                promise.due_on + timedelta(days=rules.missed_payment_tolerance_days),
            )
            promise.status = "kept" if paid >= promise.amount else "broken"
            (result.kept if promise.status == "kept" else result.broken).append(promise.id)
            append_event(
                session,
                officer_id=actor.officer_id,
                kind=f"promise.{promise.status}",
                at=actor.now(),
                case_id=promise.case_id,
                event_id=actor.ids(),
                payload={
                    "promise": promise.id,
                    "promised_by": promise.officer_id,
                    "amount": f"{promise.amount:.2f}",
                    "due_on": promise.due_on.isoformat(),
                    "paid": f"{paid:.2f}",
                },
            )
            touched.add(promise.case_id)
    if touched:
        rescore(store, policy, actor.now(), sorted(touched))
    return result


def _change(
    session: Session, actor: Actor, arrangement: Arrangement, status: str, reason: str
) -> None:
    arrangement.status = status
    arrangement.status_reason = reason
    arrangement.status_changed_at = actor.now()
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=f"arrangement.{status}",
        at=actor.now(),
        case_id=arrangement.case_id,
        event_id=actor.ids(),
        payload={"arrangement": arrangement.id, "reason": reason},
    )


def _paid_between(session: Session, case_id: str, start: date, end: date) -> Decimal:
    total = session.execute(
        select(func.coalesce(func.sum(Payment.amount), 0))
        .join(Debt, col(Debt.id) == col(Payment.debt_id))
        .where(
            col(Debt.case_id) == case_id,
            col(Payment.received_on) >= start,
            col(Payment.received_on) <= end,
        )
    ).scalar_one()
    return Decimal(total) if total else ZERO
