"""Erasure of one person (`drp erase PERSON_REF`, supervisors, issue 20): crypto-shredding.

What the event log says about the person (notes, names, addresses, vulnerabilities: the
fields store/personal.py seals) is sealed with the person's keys; erasing destroys those
keys, so it can no longer be read in this store, in the hub's copy of the events or in any
export or subject access export made after, while every event and its hash stays and `drp
audit verify` still finds the chain intact. Their details in the tables go as well (the
same removal a desk makes after a sync, services/privacy.py). Done on the team hub
(`--hub`), the erased keys reach every desk holding the person's case at its next sync; done
on a desk's store, it changes that store only. The erasure is itself recorded
(`person.erased`, naming the person's id only).

Erasure does not apply while the council still needs the details to recover what is owed
(UK GDPR art. 17(3)(b), (e)): it is refused, nothing changed, while the person is party to a
debt (their case's or one they are jointly liable for) that still owes, or one under a live
arrangement or with an agency, or while their case is held for a dispute or a vulnerability
review or has an open complaint pausing recovery (`still_needed`). A Breathing Space or a
death pauses the recovery of what is owed: once nothing is, it does not stop the erasure (a
Breathing Space and the case's hold naming it go with it: services/privacy.py ERASE_WRITTEN).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, or_, select
from sqlmodel import Session, col

from drp_tui.domain.errors import NotPermitted
from drp_tui.domain.money import format_money
from drp_tui.services.casework import Actor
from drp_tui.services.holds import CASE_HOLDS
from drp_tui.services.officers import require_supervisor
from drp_tui.services.privacy import (
    checkpoint,
    erase_people,
    erase_written,
    require_hub_owner,
)
from drp_tui.services.sar import find_person
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Agency,
    Arrangement,
    ArrangementDebt,
    Case,
    Complaint,
    Debt,
    DebtParty,
    Person,
    PersonKey,
    Placement,
)


class ErasureRefused(NotPermitted):
    """The person's details are still needed to recover a debt (exit 1, nothing changed)."""


@dataclass(frozen=True)
class Erased:
    person_id: str
    keys: int  # keys destroyed now

    def as_json(self) -> dict[str, Any]:
        return {"person": self.person_id, "keys_destroyed": self.keys, "erased": True}


def erase_person(store: Store, actor: Actor, reference: str) -> Erased:
    require_supervisor(store, actor.officer_id, "drp erase")
    require_hub_owner(store, "drp erase")
    with store.write() as session:
        person = find_person(session, reference)
        why = still_needed(session, person, actor.now().date())
        if why is not None:
            raise ErasureRefused(f"{reference.strip()} cannot be erased: {why}")
        connection = session.connection()
        keys = session.execute(
            select(func.count())
            .select_from(PersonKey)
            .where(col(PersonKey.person_id) == person.id, col(PersonKey.key).is_not(None))
        ).scalar_one()
        erase_people(connection, [person.id], actor.now())
        case = session.execute(
            select(col(Case.id)).where(col(Case.person_id) == person.id).limit(1)
        ).scalar_one_or_none()
        erase_written(connection, [person.id])
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="person.erased",
            at=actor.now(),
            case_id=case,
            event_id=actor.ids(),
            payload={"person": person.id, "keys": keys},
        )
    checkpoint(store)  # (the old key not left in the WAL's frames or the table's file)
    return Erased(person.id, int(keys))


def still_needed(session: Session, person: Person, today: date) -> str | None:
    """Why the person's details are still needed to recover a debt, and what to do about it
    (None: they may be erased)."""
    cases = select(col(Case.id)).where(col(Case.person_id) == person.id)
    party = select(col(DebtParty.debt_id)).where(col(DebtParty.person_id) == person.id)
    debts = list(
        session.execute(
            select(Debt)
            .where(or_(col(Debt.case_id).in_(cases), col(Debt.id).in_(party)))
            .order_by(col(Debt.host_ref))
        ).scalars()
    )
    owing = [d for d in debts if d.balance > 0]
    if owing:
        more = f" (and {len(owing) - 1} more)" if len(owing) > 1 else ""
        return (
            f"debt {owing[0].host_ref} still owes {format_money(owing[0].balance)}{more}, and "
            "the council needs their details to recover it; clear the debt (a payment) or "
            "write it off first"
        )
    ids = [d.id for d in debts]
    covered = select(col(ArrangementDebt.arrangement_id)).where(
        col(ArrangementDebt.debt_id).in_(ids)
    )
    live = (
        session.execute(
            select(Arrangement).where(
                col(Arrangement.status) == "live",
                or_(
                    col(Arrangement.case_id).in_(cases),
                    col(Arrangement.debt_id).in_(ids),
                    col(Arrangement.id).in_(covered),
                ),
            )
        )
        .scalars()
        .first()
    )
    if live is not None:
        return (
            "an arrangement on their debts is still live; 'drp arrangements check' completes "
            "it once every instalment is paid"
        )
    placed = session.execute(
        select(col(Debt.host_ref), col(Agency.name))
        .join(Placement, col(Placement.debt_id) == col(Debt.id))
        .join(Agency, col(Agency.id) == col(Placement.agency_id))
        .where(col(Debt.id).in_(ids), col(Placement.status) == "open")
    ).first()
    if placed is not None:
        return (
            f"debt {placed[0]} is with {placed[1]} for recovery; recall it first "
            "(drp agency recall)"
        )
    held = session.execute(
        select(col(Case.reference), col(Case.hold_kind)).where(
            col(Case.person_id) == person.id,
            col(Case.hold_kind).in_(CASE_HOLDS),
            or_(col(Case.hold_until).is_(None), col(Case.hold_until) >= today),
        )
    ).first()
    if held is not None:
        what = str(held[1]).replace("_", " ")
        return f"case {held[0]} is on hold for a {what}; resolve it and lift the hold first"
    complaint = session.execute(
        select(col(Case.reference))
        .join(Complaint, col(Complaint.case_id) == col(Case.id))
        .where(
            col(Case.person_id) == person.id,
            col(Complaint.status) == "open",
            col(Complaint.pauses_recovery),
        )
    ).first()
    if complaint is not None:
        return (
            f"a complaint on case {complaint[0]} is still open; close it first "
            "(drp complaint update --outcome)"
        )
    return None
