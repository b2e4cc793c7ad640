"""Reinstating a broken arrangement (issue 21, the diary's follow-up): the council's rule in
arrangements.toml (domain/reinstate.py), on the case's latest arrangement when it broke. The
reinstatement is a new arrangement over the same debts for what is still owed, the missed
amount caught up first or spread over the instalments to come; the broken one stays broken
in the record. On a call it needs what making an arrangement needs (ID&V, no hold that
forbids it); off a call (`drp arrangements reinstate`) how the debtor agreed, and no hold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.apply_order import cover
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.policy import in_force
from drp_tui.domain.reinstate import Owed, Reinstated, reinstate_refusal, reinstated_schedule
from drp_tui.domain.schedule import ArrangementRules
from drp_tui.services.arrangement_store import _link
from drp_tui.services.caseaccess import case_by_reference, require_own_case
from drp_tui.services.casework import Actor, Refused, _event, guard, record_refusal, require_call
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Arrangement, ArrangementDebt, Case, Debt, Event, Instalment

WHO = "its officer or a supervisor reinstates"
MAX_AGREED = 500


@dataclass(frozen=True)
class ReinstateOffer:
    """What reinstating the case's broken arrangement would be, each way, or why not."""

    case_id: str
    reference: str
    arrangement_id: str
    breached_on: date
    reason: str
    missed: Decimal
    total: Decimal
    schedules: dict[str, Reinstated | None]  # way -> the new schedule (None: cannot be made)
    refusals: dict[str, str | None]  # way -> why not (None: it may)


def reinstatement_offer(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    case_reference: str,
    catch_up_by: date | None = None,
) -> ReinstateOffer | str:
    """The offer for the case, or why there is none (not the actor's case, no broken
    arrangement): asked before a form opens."""
    with store.read() as session:
        try:
            return _offer(session, policy, actor, case_reference, catch_up_by)
        except (NotPermitted, InputError) as exc:
            return exc.message if isinstance(exc, InputError) else str(exc)


def reinstate(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    case_reference: str,
    way: str,
    catch_up_by: date | None = None,
    call_id: str | None = None,
    agreed: str = "",
) -> Arrangement:
    """The broken arrangement reinstated `way` as a new arrangement: NotPermitted when the
    rule refuses it, Refused (recorded) when the call or a hold does, InputError for a way it
    cannot be done."""
    agreed = " ".join(agreed.split())
    if call_id is None and not agreed:
        raise InputError("--agreed", "say how the debtor agreed (off a call)")
    if len(agreed) > MAX_AGREED:
        raise InputError("--agreed", f"keep it under {MAX_AGREED} characters")
    case_id = ""
    try:
        with store.write() as session:
            offer = _offer(session, policy, actor, case_reference, catch_up_by)
            case_id = offer.case_id
            if way not in offer.refusals:
                raise InputError("--way", f"{way!r} is not catch_up or spread")
            why = offer.refusals[way]
            if why is not None:
                raise NotPermitted(f"not reinstated: {why}")
            schedule = offer.schedules[way]
            assert schedule is not None  # no refusal means it could be made
            case = session.get_one(Case, offer.case_id)
            if call_id is not None:
                require_call(session, actor, policy.holds, case, call_id, "arrangement")
            else:
                guard(session, actor, policy.holds, case, "make_arrangement", "reinstatement")
            return _make(session, actor, offer, way, schedule, call_id, agreed)
    except Refused as refused:
        record_refusal(store, actor, case_id, "make_arrangement", refused.message)
        raise


def _offer(
    session: Session,
    policy: PolicyBook,
    actor: Actor,
    case_reference: str,
    catch_up_by: date | None,
) -> ReinstateOffer:
    today = actor.now().date()
    case = case_by_reference(session, case_reference)
    require_own_case(session, actor, case, WHO)
    latest = (
        session.execute(
            select(Arrangement)
            .where(col(Arrangement.case_id) == case.id)
            .order_by(col(Arrangement.created_at).desc())
        )
        .scalars()
        .first()
    )
    if latest is None or latest.status != "breached":
        raise NotPermitted(f"{case.reference} has no broken arrangement to reinstate")
    changed = latest.status_changed_at
    breached_on = changed.date() if changed is not None else today
    rules: ArrangementRules = in_force(policy.arrangements, today)
    owed = [
        Owed(i.due_on, i.amount, i.paid)
        for i in session.execute(
            select(Instalment)
            .where(col(Instalment.arrangement_id) == latest.id)
            .order_by(col(Instalment.number))
        ).scalars()
    ]
    times = _times_reinstated(session, case.id, latest.id)
    schedules: dict[str, Reinstated | None] = {}
    refusals: dict[str, str | None] = {}
    for way in ("catch_up", "spread"):
        why = reinstate_refusal(rules, breached_on, today, times, way)
        try:
            schedules[way] = reinstated_schedule(owed, today, way, catch_up_by)
        except ValueError as exc:
            schedules[way] = None
            why = why or str(exc)
        refusals[way] = why
    made = next((s for s in schedules.values() if s is not None), None)
    return ReinstateOffer(
        case.id,
        case.reference,
        latest.id,
        breached_on,
        latest.status_reason,
        Decimal("0.00") if made is None else made.missed,
        Decimal("0.00") if made is None else made.total,
        schedules,
        refusals,
    )


def _times_reinstated(session: Session, case_id: str, arrangement_id: str) -> int:
    """How many reinstatements led to this arrangement (0: it was negotiated afresh)."""
    back: dict[str, str] = {}
    for payload in session.execute(
        select(col(Event.payload)).where(
            col(Event.case_id) == case_id, col(Event.kind) == "arrangement.reinstated"
        )
    ).scalars():
        back[str(payload["arrangement"])] = str(payload["reinstates"])
    times, current = 0, arrangement_id
    while current in back and times <= len(back):
        times, current = times + 1, back[current]
    return times


def _make(
    session: Session,
    actor: Actor,
    offer: ReinstateOffer,
    way: str,
    schedule: Reinstated,
    call_id: str | None,
    agreed: str,
) -> Arrangement:
    old = session.get_one(Arrangement, offer.arrangement_id)
    links = session.execute(
        select(ArrangementDebt)
        .where(col(ArrangementDebt.arrangement_id) == old.id)
        .order_by(col(ArrangementDebt.position))
    ).scalars()
    debt_ids = [link.debt_id for link in links] or ([old.debt_id] if old.debt_id else [])
    debts = [session.get_one(Debt, debt_id) for debt_id in debt_ids]
    new = Arrangement(
        id=actor.ids(),
        case_id=old.case_id,
        debt_id=old.debt_id,
        officer_id=actor.officer_id,
        total=schedule.total,
        frequency=old.frequency,
        override_reason=old.override_reason,
        created_at=actor.now(),
    )
    session.add(new)
    session.flush()
    if debts:
        _link(session, new, debts, cover(schedule.total, [d.balance for d in debts]))
    for number, (due, amount) in enumerate(schedule.instalments, start=1):
        session.add(
            Instalment(
                id=actor.ids(), arrangement_id=new.id, number=number, due_on=due, amount=amount
            )
        )
    session.flush()
    _event(
        session,
        actor,
        "arrangement.reinstated",
        old.case_id,
        arrangement=new.id,
        reinstates=old.id,
        way=way,
        missed=f"{schedule.missed:.2f}",
        total=f"{schedule.total:.2f}",
        instalments=[[due.isoformat(), f"{amount:.2f}"] for due, amount in schedule.instalments],
        call=call_id,
        agreed=agreed,
    )
    return new
