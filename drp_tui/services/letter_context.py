"""What a template is filled in with for a case (services/letters.py): the council, the
debtor, the debts, and the arrangement, promise, missed instalment or broken arrangement the
case has, as the wording shows them (pounds with pence, days written out)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.services.casework import Actor
from drp_tui.store.models import (
    Address,
    Arrangement,
    Case,
    Debt,
    Instalment,
    Officer,
    Person,
    Promise,
)


def _pounds(amount: Any) -> str:
    return f"£{amount:,.2f}"


def _day(on: date) -> str:
    return f"{on:%A} {on.day} {on:%B %Y}"


def case_context(
    session: Session, case: Case, council: Mapping[str, Any], actor: Actor, today: date
) -> dict[str, Any]:
    person = session.get_one(Person, case.person_id)
    address = (
        session.execute(
            select(Address).where(col(Address.person_id) == person.id, col(Address.current))
        )
        .scalars()
        .first()
    )
    lines = (
        ()
        if address is None
        else tuple(
            line for line in (address.line1, address.line2, address.town, address.postcode) if line
        )
    )
    debts = session.execute(select(Debt).where(col(Debt.case_id) == case.id)).scalars().all()
    owing = [d for d in debts if d.balance > 0]
    officer = session.get(Officer, actor.officer_id)
    full_name = " ".join(p for p in (person.title, person.forename, person.surname) if p)
    return {
        "council": dict(council),
        "today": _day(today),
        "case": {"reference": case.reference},
        "officer": {"name": officer.name if officer else actor.officer_id},
        "debtor": {
            "full_name": full_name,
            "title": person.title,
            "forename": person.forename,
            "surname": person.surname,
            "email": person.email,
            "address_lines": lines,
        },
        "debts": [
            {
                "type": d.debt_type.replace("_", " "),
                "period": d.period,
                "balance": _pounds(d.balance),
            }
            for d in owing
        ],
        "total_balance": _pounds(sum((d.balance for d in owing), start=0)),
        "arrangement": _arrangement(session, case),
        "promise": _promise(session, case, today),
        "missed": _missed(session, case, today),
        "broken": _broken(session, case),
    }


def _arrangement(session: Session, case: Case) -> dict[str, Any] | None:
    arrangement = (
        session.execute(
            select(Arrangement)
            .where(col(Arrangement.case_id) == case.id, col(Arrangement.status) == "live")
            .order_by(col(Arrangement.created_at).desc())
        )
        .scalars()
        .first()
    )
    if arrangement is None:
        return None
    instalments = (
        session.execute(
            select(Instalment)
            .where(col(Instalment.arrangement_id) == arrangement.id)
            .order_by(col(Instalment.number))
        )
        .scalars()
        .all()
    )
    return {
        "total": _pounds(arrangement.total),
        "frequency": arrangement.frequency,
        "instalments": [
            {"number": i.number, "due": _day(i.due_on), "amount": _pounds(i.amount)}
            for i in instalments
        ],
    }


def _broken(session: Session, case: Case) -> dict[str, Any] | None:
    """The latest arrangement on the case, if it was broken (breached) and none since."""
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
        return None
    return {"total": _pounds(latest.total), "reason": latest.status_reason}


def _promise(session: Session, case: Case, today: date) -> dict[str, Any] | None:
    promise = (
        session.execute(
            select(Promise)
            .where(col(Promise.case_id) == case.id, col(Promise.status) == "open")
            .order_by(col(Promise.created_at).desc())
        )
        .scalars()
        .first()
    )
    if promise is None:
        return None
    return {"amount": _pounds(promise.amount), "due": _day(promise.due_on)}


def _missed(session: Session, case: Case, today: date) -> dict[str, Any] | None:
    """The latest instalment of a live arrangement that fell due unpaid."""
    missed = (
        session.execute(
            select(Instalment)
            .join(Arrangement, col(Arrangement.id) == col(Instalment.arrangement_id))
            .where(
                col(Arrangement.case_id) == case.id,
                col(Arrangement.status) == "live",
                col(Instalment.due_on) < today,
                col(Instalment.paid) < col(Instalment.amount),
            )
            .order_by(col(Instalment.due_on).desc())
        )
        .scalars()
        .first()
    )
    if missed is None:
        return None
    return {
        "due": _day(missed.due_on),
        "amount": _pounds(missed.amount),
        "short": _pounds(missed.amount - missed.paid),
    }
