"""Subject access (UK GDPR Art. 15): everything this store holds about one person, as one
JSON document (`drp sar PERSON_REF`, supervisors only, issue 20).

The person is named by their host reference (the council system's person reference, as in
the extract) or by their case reference. The export holds every column of every row about
them: their own details, addresses and phones; their case; each debt they owe (their own, or
jointly) with its payments, placements and write-off requests; arrangements with their
instalments and debts; promises; calls and contact attempts with their outcomes and notes;
affordability assessments; vulnerabilities, Breathing Space and the people they authorised;
and the events about their case (this desk's, and those pulled from the hub; on the team hub,
`--hub`, those every desk pushed). Making an export is itself recorded (`sar.exported`,
naming the person's id only).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import inspect, or_, select
from sqlmodel import Session, SQLModel, col

from drp_tui.domain.errors import InputError
from drp_tui.services.casework import Actor
from drp_tui.services.officers import require_supervisor
from drp_tui.services.privacy import require_hub_owner
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Address,
    Appointment,
    Arrangement,
    ArrangementDebt,
    Assessment,
    BreathingSpace,
    Call,
    Case,
    Complaint,
    ContactAttempt,
    Debt,
    DebtParty,
    Event,
    Instalment,
    Payment,
    Person,
    Phone,
    Placement,
    Promise,
    SyncedEvent,
    ThirdPartyAuthority,
    Vulnerability,
    WriteOffRequest,
)
from drp_tui.store.personal import Opener
from drp_tui.store.rawsql import run

FORMAT = "drp subject access export 1"


def _rows(session: Session, model: type[SQLModel], *where: Any) -> list[dict[str, Any]]:
    found = session.execute(select(model).where(*where)).scalars().all()
    return [row.model_dump(mode="json") for row in found]


def find_person(session: Session, reference: str) -> Person:
    wanted = reference.strip()
    if not wanted:
        raise InputError("PERSON_REF", "give the person's host reference or case reference")
    people: list[Person] = list(
        session.execute(select(Person).where(col(Person.host_ref) == wanted)).scalars()
    )
    case = session.execute(
        select(Case).where(col(Case.reference) == wanted.upper())
    ).scalar_one_or_none()
    if not people:
        person = None if case is None else session.get(Person, case.person_id)
        if person is None:
            raise InputError("PERSON_REF", f"no person or case with reference {wanted!r}")
        return person
    if case is not None and {p.id for p in people} != {case.person_id}:
        # Never guess which one (an erasure cannot be undone).
        raise InputError(
            "PERSON_REF",
            f"{wanted!r} is one person's host reference and another person's case reference: "
            "give the host reference of the one meant, or their own case reference",
        )
    if len(people) > 1:
        systems = ", ".join(sorted(p.host_system for p in people))
        raise InputError(
            "PERSON_REF",
            f"{wanted!r} is a person in several host systems ({systems}): give their case "
            "reference instead",
        )
    return people[0]


def subject_access(store: Store, actor: Actor, reference: str) -> dict[str, Any]:
    require_supervisor(store, actor.officer_id, "drp sar")
    require_hub_owner(store, "drp sar")  # (a desk login on the hub reads only its own cases)
    with store.write() as session:
        person = find_person(session, reference)
        export = _gather(session, person)
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="sar.exported",
            at=actor.now(),
            case_id=None if export["case"] is None else export["case"]["id"],
            event_id=actor.ids(),
            payload={"person": person.id},
        )
    export["made_at"] = actor.now().isoformat()
    export["made_by"] = actor.officer_id
    return export


def _gather(session: Session, person: Person) -> dict[str, Any]:
    pid = person.id
    case = session.execute(select(Case).where(col(Case.person_id) == pid)).scalar_one_or_none()
    case_id = None if case is None else case.id
    joint = select(col(DebtParty.debt_id)).where(col(DebtParty.person_id) == pid)
    debt_where = or_(col(Debt.case_id) == case_id, col(Debt.id).in_(joint))
    debts = _rows(session, Debt, debt_where)
    debt_ids = [d["id"] for d in debts]
    arrangements = _rows(session, Arrangement, col(Arrangement.case_id) == case_id)
    for arrangement in arrangements:
        arrangement["debts"] = _rows(
            session, ArrangementDebt, col(ArrangementDebt.arrangement_id) == arrangement["id"]
        )
        arrangement["instalments"] = _rows(
            session, Instalment, col(Instalment.arrangement_id) == arrangement["id"]
        )
    return {
        "format": FORMAT,
        "person": person.model_dump(mode="json"),
        "addresses": _rows(session, Address, col(Address.person_id) == pid),
        "phones": _rows(session, Phone, col(Phone.person_id) == pid),
        "case": None if case is None else case.model_dump(mode="json"),
        "debts": debts,
        "joint_debts": _rows(session, DebtParty, col(DebtParty.person_id) == pid),
        "payments": _rows(session, Payment, col(Payment.debt_id).in_(debt_ids)),
        "placements": _rows(session, Placement, col(Placement.debt_id).in_(debt_ids)),
        "write_off_requests": _rows(
            session, WriteOffRequest, col(WriteOffRequest.debt_id).in_(debt_ids)
        ),
        "arrangements": arrangements,
        "promises": _rows(session, Promise, col(Promise.case_id) == case_id),
        "calls": _rows(session, Call, col(Call.case_id) == case_id),
        "contact_attempts": _rows(session, ContactAttempt, col(ContactAttempt.case_id) == case_id),
        "assessments": _rows(session, Assessment, col(Assessment.case_id) == case_id),
        "vulnerabilities": _rows(session, Vulnerability, col(Vulnerability.person_id) == pid),
        "breathing_space": _rows(session, BreathingSpace, col(BreathingSpace.person_id) == pid),
        "authorised_people": _rows(
            session, ThirdPartyAuthority, col(ThirdPartyAuthority.person_id) == pid
        ),
        "complaints": _rows(session, Complaint, col(Complaint.case_id) == case_id),
        "appointments": _rows(session, Appointment, col(Appointment.case_id) == case_id),
        "events": _events(session, case_id),
    }


def _events(session: Session, case_id: str | None) -> list[dict[str, Any]]:
    if case_id is None:
        return []
    here = session.execute(
        select(Event).where(col(Event.case_id) == case_id).order_by(col(Event.seq))
    ).scalars()
    pulled = session.execute(
        select(SyncedEvent).where(col(SyncedEvent.case_id) == case_id).order_by(col(SyncedEvent.at))
    ).scalars()
    opener = Opener(session)  # sealed fields opened; an erased person's read "[erased]"

    def shown(event: Event | SyncedEvent) -> dict[str, Any]:
        found = event.model_dump(mode="json")
        found["payload"] = opener.open(event.payload)
        return found

    return (
        [{k: v for k, v in shown(e).items() if k not in ("prev_hash", "hash")} for e in here]
        + [{**shown(e), "pulled_from_hub": True} for e in pulled]
        + _desk_events_on_hub(session, opener, case_id)
    )


# On the team hub (`drp sar --hub`): the events desks pushed about the case.
_HUB_EVENTS = (
    "SELECT id, officer_id, at, case_id, kind, payload, workstation_id FROM hubevent "
    "WHERE case_id = ? ORDER BY seq"
)


def _desk_events_on_hub(session: Session, opener: Opener, case_id: str) -> list[dict[str, Any]]:
    connection = session.connection()
    if not inspect(connection).has_table("hubevent"):
        return []  # a desk's store
    return [
        {
            "id": event_id,
            "officer_id": officer,
            "at": str(at),
            "case_id": case,
            "kind": kind,
            "payload": opener.open(json.loads(payload)),
            "from_workstation": workstation,
        }
        for event_id, officer, at, case, kind, payload, workstation in run(
            connection, _HUB_EVENTS, (case_id,)
        ).fetchall()
    ]
