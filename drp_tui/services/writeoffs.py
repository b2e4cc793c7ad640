"""Write-off requests and approvals: an officer asks with a reason; someone else with enough
authority approves (the debt's balance falls) or refuses. Every step is an event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select, text
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor, record_refusal
from drp_tui.services.placements import open_placement
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Agency, Case, Debt, Officer, Person, Placement, WriteOffRequest


def find_debt(session: Session, reference: str) -> Debt:
    """A debt by its host reference (or drp id)."""
    found = (
        session.execute(
            select(Debt).where(
                (col(Debt.host_ref) == reference.strip()) | (col(Debt.id) == reference.strip())
            )
        )
        .scalars()
        .all()
    )
    if not found:
        raise InputError("--debt", f"no debt with reference {reference!r}")
    if len(found) > 1:
        systems = ", ".join(sorted(d.host_system for d in found))
        raise InputError(
            "--debt",
            f"{reference!r} is a reference in several host systems "
            f"({systems}); give the drp id instead",
        )
    debt: Debt = found[0]
    return debt


def _recorded_by(session: Session, kind: str, case_id: str, placement: str = "") -> str | None:
    """The officer who recorded the newest event of `kind` on the case (about `placement`,
    when given), here or pulled from another desk."""
    about = "AND json_extract(payload, '$.placement') = :placement" if placement else ""
    found = session.execute(
        text(
            f"SELECT officer_id, at FROM event WHERE kind = :kind AND case_id = :case {about} "
            "UNION ALL SELECT officer_id, at FROM syncedevent WHERE kind = :kind AND "
            f"case_id = :case {about} ORDER BY at DESC LIMIT 1"
        ),
        {"kind": kind, "case": case_id, "placement": placement},
    ).first()
    return None if found is None else str(found[0])


def _on_record(
    session: Session,
    debt: Debt,
    code: str,
    checks: tuple[str, ...],
    cleaned: Mapping[str, str],
    requester: str,
) -> tuple[str | None, dict[str, str]]:
    """What the record says for a reason's checks (kept with the request), or why it is
    refused: (refusal, found). The record must not be the requester's own say-so: a return
    or a death they recorded themselves does not bear out their request. InputError if the
    evidence given contradicts the record."""
    found: dict[str, str] = {}
    for check in checks:
        if check == "placement_returned":
            returned = session.execute(
                select(Placement, col(Agency.name))
                .join(Agency, col(Agency.id) == col(Placement.agency_id))
                .where(col(Placement.debt_id) == debt.id, col(Placement.status) == "returned")
                .order_by(col(Placement.returned_on).desc())
            ).first()
            if returned is None:
                return (
                    f"write-off: {code} needs the debt's return by its agency on record; this "
                    "debt has none (record it with `drp agency return`)",
                    found,
                )
            placement, agency = returned
            assert placement.returned_on is not None
            if _recorded_by(session, "agency.returned", debt.case_id, placement.id) == requester:
                return (
                    f"write-off: {code} needs the agency's return recorded by someone else; "
                    "you recorded it yourself (a supervisor or the agency's remittance "
                    "confirms it)",
                    found,
                )
            found |= {
                "returned_by": agency,
                "returned_on": placement.returned_on.isoformat(),
                "return_reason": placement.return_reason or "",
            }
        elif check == "death_recorded":
            case = session.get(Case, debt.case_id)
            person = None if case is None else session.get(Person, case.person_id)
            if person is None or person.deceased_on is None:
                return (
                    f"write-off: {code} needs the death recorded on the case first (the "
                    "outcome DECEASED records it)",
                    found,
                )
            if _recorded_by(session, "death.recorded", debt.case_id) == requester:
                return (
                    f"write-off: {code} needs the death recorded by someone else; you "
                    "recorded it yourself (a supervisor confirms it)",
                    found,
                )
            said = cleaned.get("date_of_death")
            if said is not None and said != person.deceased_on.isoformat():
                raise InputError(
                    "--evidence",
                    f"date_of_death {said} is not the date of death on record, "
                    f"{person.deceased_on.isoformat()}",
                )
            found["deceased_on"] = person.deceased_on.isoformat()
    return None, found


def unmet_record(
    store: Store, policy: PolicyBook, debt_id: str, reason_code: str, on: date, requester: str
) -> str | None:
    """Why a write-off of `debt_id` for `reason_code` would be refused on what drp holds
    (None: the record bears it out), asked before the request is sent."""
    checks = policy.writeoff.reasons_on(on).on_record.get(reason_code, ())
    with store.read() as session:
        debt = session.get(Debt, debt_id)
        if debt is None:
            raise InputError("--debt", f"no debt {debt_id}")
        return _on_record(session, debt, reason_code, checks, {}, requester)[0]


def request_writeoff(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    debt_reference: str,
    reason_code: str,
    amount: Decimal | None,
    note: str = "",
    evidence: Mapping[str, str] | None = None,
) -> WriteOffRequest:
    """Ask for a write-off with a reason from policy, the evidence that reason lists and a
    note; refused (NotPermitted, the attempt recorded) while the debt is with an agency."""
    reasons = policy.writeoff.reasons_on(actor.now().date())
    codes = reasons.codes
    if reason_code not in codes:
        raise InputError(
            "--reason", f"{reason_code!r} is not a write-off reason; use one of {', '.join(codes)}"
        )
    cleaned = reasons.check_request(reason_code, note, evidence or {})
    with store.read() as session:
        debt = find_debt(session, debt_reference)
        placement = open_placement(session, debt.id)
        agency = None if placement is None else session.get(Agency, placement.agency_id)
        refusal, on_record = _on_record(
            session,
            debt,
            reason_code,
            reasons.on_record.get(reason_code, ()),
            cleaned,
            actor.officer_id,
        )
    if placement is not None:
        refusal = (
            f"write-off: the debt is with {agency.name if agency else placement.agency_id} since "
            f"{placement.placed_on.isoformat()}; recall it or record its return first"
        )
    if refusal is not None:
        record_refusal(store, actor, debt.case_id, "writeoff", refusal)
        raise NotPermitted(refusal)
    with store.write() as session:
        debt = find_debt(session, debt_reference)
        value = debt.balance if amount is None else amount
        if value <= 0 or value > debt.balance:
            # No figure: the workstation shows this to a call that may not see the balance.
            raise InputError("--amount", "must be more than £0.00 and at most the debt's balance")
        request = WriteOffRequest(
            id=actor.ids(),
            debt_id=debt.id,
            reason_code=reason_code,
            amount=value,
            requested_by=actor.officer_id,
            requested_at=actor.now(),
        )
        session.add(request)
        session.flush()
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="writeoff.requested",
            at=actor.now(),
            case_id=debt.case_id,
            event_id=actor.ids(),
            payload={
                "request": request.id,
                "debt": debt.id,
                "amount": f"{value:.2f}",
                "reason": reason_code,
                "note": note.strip(),
                "evidence": cleaned,
            }
            | ({"on_record": on_record} if on_record else {}),
        )
        return request


def _pending(session: Session, request_id: str) -> WriteOffRequest:
    wanted = request_id.strip().lower()
    if len(wanted) < 8 or not all(c in "0123456789abcdef-" for c in wanted):
        raise InputError(
            "REQUEST", f"give the request's id as listed (8 characters), not {request_id!r}"
        )
    found = (
        session.execute(
            select(WriteOffRequest).where(
                col(WriteOffRequest.id).startswith(wanted, autoescape=True)
            )
        )
        .scalars()
        .all()
    )
    if len(found) != 1:
        raise InputError("REQUEST", f"no single write-off request starting {request_id!r}")
    request: WriteOffRequest = found[0]
    if request.status != "requested":
        raise InputError("REQUEST", f"request {request.id[:8]} is already {request.status}")
    return request


def decide_writeoff(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    *,
    request_id: str,
    approve: bool,
    reason: str = "",
) -> WriteOffRequest:
    with store.write() as session:
        request = _pending(session, request_id)
        if request.requested_by == actor.officer_id:
            raise NotPermitted(
                "you cannot decide your own write-off request; another officer with authority must"
            )
        officer = session.get(Officer, actor.officer_id)
        if officer is None:
            raise NotPermitted(f"{actor.officer_id!r} is not an officer in this store")
        if approve:
            policy.writeoff.check_approval(officer.role, request.amount, actor.now().date())
            debt = session.get(Debt, request.debt_id)
            assert debt is not None
            # Things may have moved since it was asked for: checked again at approval.
            placement = open_placement(session, debt.id)
            if placement is not None:
                raise NotPermitted(
                    f"write-off {request.id[:8]}: the debt has been with an agency since "
                    f"{placement.placed_on.isoformat()}; recall it or record its return first"
                )
            if request.amount > debt.balance:
                raise InputError(
                    "REQUEST",
                    f"request {request.id[:8]} is for £{request.amount:,.2f} but the debt now "
                    f"owes £{debt.balance:,.2f}: refuse it and ask again",
                )
            debt.balance = debt.balance - request.amount
        elif not reason.strip():
            raise InputError("--reason", "say why the write-off is refused")
        request.status = "approved" if approve else "refused"
        request.approved_by, request.approved_at = actor.officer_id, actor.now()
        debt_row = session.get(Debt, request.debt_id)
        append_event(
            session,
            officer_id=actor.officer_id,
            kind=f"writeoff.{request.status}",
            at=actor.now(),
            case_id=None if debt_row is None else debt_row.case_id,
            event_id=actor.ids(),
            payload={"request": request.id, "amount": f"{request.amount:.2f}", "reason": reason},
        )
        return request


@dataclass(frozen=True)
class WriteOffRow:
    id: str
    case: str
    debt: str
    amount: Decimal
    reason: str
    requested_by: str
    status: str
    decided_by: str | None


def list_writeoffs(store: Store, status: str | None = None) -> list[WriteOffRow]:
    with store.read() as session:
        query = (
            select(WriteOffRequest, col(Debt.host_ref), col(Case.reference))
            .join(Debt, col(Debt.id) == col(WriteOffRequest.debt_id))
            .join(Case, col(Case.id) == col(Debt.case_id))
            .order_by(col(WriteOffRequest.requested_at))
        )
        if status:
            query = query.where(col(WriteOffRequest.status) == status)
        return [
            WriteOffRow(
                r.id[:8],
                case_ref,
                debt_ref,
                r.amount,
                r.reason_code,
                r.requested_by,
                r.status,
                r.approved_by,
            )
            for r, debt_ref, case_ref in session.execute(query).all()
        ]
