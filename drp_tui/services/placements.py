"""Debts with enforcement agents and collection agencies: a referral (one agency at a time,
with the case's vulnerabilities confirmed), an agency's return, the council's recall, and
which debts are with an agency (not to be asked for on a call).

A debt has at most one open placement: the service refuses a second, and the store's partial
unique index (migration 0003) refuses one that gets past it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import HoldPolicy
from drp_tui.domain.money import ZERO
from drp_tui.services.casework import Actor, Refused, guard, record_refusal
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Agency, Case, Debt, Placement, Vulnerability


def open_placement(session: Session, debt_id: str) -> Placement | None:
    found: Placement | None = session.execute(
        select(Placement).where(col(Placement.debt_id) == debt_id, col(Placement.status) == "open")
    ).scalar_one_or_none()
    return found


def agencies_by_debt(session: Session, case_id: str) -> dict[str, str]:
    """The case's debts that are with an agency now: debt id -> the agency's name."""
    rows = session.execute(
        select(col(Placement.debt_id), col(Agency.name))
        .join(Agency, col(Agency.id) == col(Placement.agency_id))
        .join(Debt, col(Debt.id) == col(Placement.debt_id))
        .where(col(Debt.case_id) == case_id, col(Placement.status) == "open")
    ).all()
    return {str(debt_id): str(name) for debt_id, name in rows}


def refuse_if_with_agency(session: Session, case_id: str, debt_id: str | None, what: str) -> None:
    """Refuse asking for a debt that is with an agency (the agency collects it, not the
    council), or, with no debt named, a case whose every owing debt is with one."""
    placed = agencies_by_debt(session, case_id)
    if not placed:
        return
    if debt_id is not None:
        if debt_id in placed:
            raise Refused(
                f"{what}: that debt is with {placed[debt_id]}; the council does not ask for "
                "it while it is placed (recall it, or record its return, first)"
            )
        return
    owing = set(
        session.execute(
            select(col(Debt.id)).where(col(Debt.case_id) == case_id, col(Debt.balance) > ZERO)
        ).scalars()
    )
    if owing and owing <= placed.keys():
        raise Refused(f"{what}: every debt on this case is with an agency")


def vulnerabilities_of(session: Session, case_id: str) -> list[str]:
    """The vulnerabilities recorded for the case's person, as categories."""
    case = session.get(Case, case_id)
    if case is None:
        raise InputError("case", f"no case {case_id}")
    return [
        v.category
        for v in session.execute(
            select(Vulnerability)
            .where(col(Vulnerability.person_id) == case.person_id)
            .order_by(col(Vulnerability.category))
        ).scalars()
    ]


def place_with_agency(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    debt_id: str,
    agency_id: str,
    placed_on: date,
    confirmation: str = "",
) -> Placement:
    """Refer a debt to an agency. Refused (and the attempt recorded) while a hold forbids
    escalation, while the debt is with an agency already, or on a case with vulnerabilities
    recorded unless the officer confirms why the referral is still right (`confirmation`,
    kept in the agency.placed event with the vulnerabilities)."""
    with store.read() as session:
        debt = session.get(Debt, debt_id)
        if debt is None:
            raise InputError("debt", f"no debt {debt_id}")
        if session.get(Agency, agency_id) is None:
            raise InputError("agency", f"no agency {agency_id}")
        case_id = debt.case_id
    try:
        with store.write() as session:
            case = session.get(Case, case_id)
            assert case is not None
            guard(session, actor, holds, case, "escalate", "agency placement")
            return _place(session, actor, case, debt_id, agency_id, placed_on, confirmation)
    except Refused as refused:
        record_refusal(store, actor, case_id, "escalate", refused.message)
        raise


def _place(
    session: Session,
    actor: Actor,
    case: Case,
    debt_id: str,
    agency_id: str,
    placed_on: date,
    confirmation: str,
) -> Placement:
    already = open_placement(session, debt_id)
    if already is not None:
        agency = session.get(Agency, already.agency_id)
        name = agency.name if agency is not None else already.agency_id
        raise Refused(
            f"agency placement: the debt is already with {name} since "
            f"{already.placed_on.isoformat()}; recall it or record its return first"
        )
    vulnerabilities = vulnerabilities_of(session, case.id)
    if vulnerabilities and not confirmation.strip():
        raise Refused(
            "agency placement: this case has vulnerabilities recorded "
            f"({', '.join(vulnerabilities)}); confirm why the referral is still right"
        )
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
    payload: dict[str, object] = {
        "placement": placement.id,
        "debt": debt_id,
        "agency": agency_id,
        "amount": f"{debt.balance:.2f}",
        "placed_on": placed_on.isoformat(),
    }
    if vulnerabilities:
        payload["vulnerabilities"] = vulnerabilities
    if confirmation.strip():
        payload["confirmation"] = confirmation.strip()
    append_event(
        session,
        officer_id=actor.officer_id,
        kind="agency.placed",
        at=actor.now(),
        case_id=case.id,
        event_id=actor.ids(),
        payload=payload,
    )
    return placement


def _close(
    store: Store,
    actor: Actor,
    placement_of: str,
    debt_id: str,
    agency_id: str | None,
    on: date,
    reason: str,
) -> Placement:
    """Close the debt's open placement (with `agency_id`, if given) as returned or recalled."""
    status = "returned" if placement_of == "agency.returned" else "recalled"
    with store.write() as session:
        placement = open_placement(session, debt_id)
        if placement is None or (agency_id is not None and placement.agency_id != agency_id):
            raise InputError(
                "--debt",
                "that debt is not placed with that agency"
                if agency_id is not None
                else "that debt is not with an agency",
            )
        today = actor.now().date()
        if not placement.placed_on <= on <= today:
            raise InputError(
                "--on",
                f"{on.isoformat()} is not between its placing on "
                f"{placement.placed_on.isoformat()} and today",
            )
        placement.status, placement.returned_on = status, on
        placement.return_reason = reason.strip()
        debt = session.get(Debt, debt_id)
        assert debt is not None
        append_event(
            session,
            officer_id=actor.officer_id,
            kind=placement_of,
            at=actor.now(),
            case_id=debt.case_id,
            event_id=actor.ids(),
            payload={
                "placement": placement.id,
                "debt": debt_id,
                "agency": placement.agency_id,
                "amount": f"{debt.balance:.2f}",
                f"{status}_on": on.isoformat(),
                "reason": reason.strip(),
            },
        )
        return placement


def return_placement(
    store: Store, actor: Actor, *, debt_id: str, agency_id: str, returned_on: date, reason: str
) -> Placement:
    """An agency hands a debt back (nulla bona, gone away, exhausted): the placement closes
    and the debt is the council's to work again."""
    if not reason.strip():
        raise InputError("--reason", "say why the agency returned it (e.g. nulla bona)")
    return _close(store, actor, "agency.returned", debt_id, agency_id, returned_on, reason)


def recall_placement(
    store: Store, actor: Actor, *, debt_id: str, recalled_on: date, reason: str
) -> Placement:
    """The council takes a debt back from its agency (a vulnerability found, a complaint, to
    place it elsewhere): the placement closes and the debt is the council's to work again."""
    if not reason.strip():
        raise InputError("--reason", "say why the debt is recalled (e.g. vulnerability found)")
    return _close(store, actor, "agency.recalled", debt_id, None, recalled_on, reason)
