"""Making an arrangement: one schedule over one or more debts of the case, linked to each in
the order its payments are applied (the policy's, or another with a recorded reason), the
change and its event in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.apply_order import ORDER_ERROR, cover, order_finding, over_balance_finding
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import HoldPolicy
from drp_tui.domain.schedule import Schedule
from drp_tui.services.arrangements import frequency_of, offer_findings
from drp_tui.services.assessments import assessed_offer
from drp_tui.services.casework import Actor, _event, _refuse_if_with_agency, on_call
from drp_tui.store.engine import Store
from drp_tui.store.models import Arrangement, ArrangementDebt, Case, Debt, Instalment


def covered_debts(session: Session, case: Case, debt_ids: Sequence[str]) -> list[Debt]:
    """The case's debts by id, in the order given (refused if any is not the case's)."""
    if not debt_ids:
        raise InputError("debts", "an arrangement covers at least one debt")
    if len(set(debt_ids)) != len(debt_ids):
        raise InputError("debts", "a debt is listed twice")
    debts = {
        d.id: d for d in session.execute(select(Debt).where(col(Debt.id).in_(debt_ids))).scalars()
    }
    for debt_id in debt_ids:
        found = debts.get(debt_id)
        if found is None or found.case_id != case.id:
            raise InputError("debts", f"{debt_id} is not a debt on this case")
    return [debts[debt_id] for debt_id in debt_ids]


def make_arrangement(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    case_id: str,
    call_id: str,
    debt_ids: Sequence[str],
    schedule: Schedule,
    frequency: str,
    apply_order: Sequence[str],
    override_reason: str | None = None,
) -> Arrangement:
    """An arrangement over `debt_ids`, paid in that order: the policy's `apply_order` unless
    `override_reason` says why not. Its total covers each debt in full before the next. Made
    on a call whose ID&V (or third party's authority) allows it and no hold forbids it, and
    never on a debt with an agency. Instalments above the council's offer in the case's latest
    saved assessment are kept as a warning in its event."""
    if not schedule.possible or schedule.errors:
        problems = "; ".join(f.message for f in schedule.errors) or "no instalments"
        raise InputError("arrangement", f"cannot be made: {problems}")

    def work(session: Session, case: Case) -> Arrangement:
        debts = covered_debts(session, case, debt_ids)
        for debt in debts:
            _refuse_if_with_agency(session, case.id, debt.id, "arrangement")
        finding = order_finding(debts, apply_order, override_reason)
        if finding is not None and finding.code == ORDER_ERROR:
            raise InputError("order", finding.message)
        amounts = cover(schedule.total, [d.balance for d in debts])
        arrangement = Arrangement(
            id=actor.ids(),
            case_id=case.id,
            debt_id=debts[0].id,  # the first debt paid, for what reads one debt
            officer_id=actor.officer_id,
            total=schedule.total,
            frequency=frequency,
            override_reason=override_reason,
            created_at=actor.now(),
        )
        session.add(arrangement)
        session.flush()
        links = _link(session, arrangement, debts, amounts)
        for number, item in enumerate(schedule.instalments, start=1):
            session.add(
                Instalment(
                    id=actor.ids(),
                    arrangement_id=arrangement.id,
                    number=number,
                    due_on=item.due,
                    amount=item.amount,
                )
            )
        session.flush()
        warnings = [f.message for f in schedule.warnings]
        over = over_balance_finding(schedule.total, [d.balance for d in debts])
        for extra in (finding, over):
            if extra is not None and extra.message not in warnings:
                warnings.append(extra.message)
        offer = assessed_offer(session, case.id)
        if offer is not None and schedule.instalments:
            for above in offer_findings(schedule, frequency_of({"frequency": frequency}), offer):
                if above.message not in warnings:
                    warnings.append(above.message)
        _event(
            session,
            actor,
            "arrangement.made",
            case.id,
            arrangement=arrangement.id,
            debt=debts[0].id,
            debts=[
                {"debt": link.debt_id, "position": link.position, "amount": f"{link.amount:.2f}"}
                for link in links
            ],
            total=f"{schedule.total:.2f}",
            frequency=frequency,
            instalments=[[i.due.isoformat(), f"{i.amount:.2f}"] for i in schedule.instalments],
            override_reason=override_reason,
            warnings=warnings,
        )
        return arrangement

    result: Arrangement = on_call(store, actor, holds, case_id, call_id, "arrangement", work)
    return result


def _link(
    session: Session, arrangement: Arrangement, debts: Sequence[Debt], amounts: Sequence[Decimal]
) -> list[ArrangementDebt]:
    links = [
        ArrangementDebt(
            arrangement_id=arrangement.id, debt_id=debt.id, position=position, amount=amount
        )
        for position, (debt, amount) in enumerate(zip(debts, amounts, strict=True), start=1)
    ]
    session.add_all(links)
    session.flush()
    return links
