"""A case named by the reference officers type, and whether the one acting may work on it:
its officer, or a supervisor or above."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.writeoff import role_rank
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from drp_tui.store.models import Case, Officer


def case_by_reference(session: Session, reference: str, option: str = "--case") -> Case:
    case: Case | None = session.execute(
        select(Case).where(col(Case.reference) == reference.strip().upper())
    ).scalar_one_or_none()
    if case is None:
        raise InputError(option, f"no case with reference {reference!r}")
    return case


def acting_officer(session: Session, actor: Actor) -> Officer:
    officer = session.get(Officer, actor.officer_id)
    if officer is None:
        raise InputError("DRP_OFFICER", f"{actor.officer_id!r} is not an officer in this store")
    return officer


def supervises(officer: Officer) -> bool:
    return role_rank(officer.role) >= role_rank("supervisor")


def require_own_case(session: Session, actor: Actor, case: Case, who_may: str) -> Officer:
    """The acting officer, if `case` is theirs or they supervise; else NotPermitted ending
    with `who_may` (e.g. "its officer or a supervisor books")."""
    officer = acting_officer(session, actor)
    if case.officer_id != officer.id and not supervises(officer):
        raise NotPermitted(f"{case.reference} is not your case: {who_may}")
    return officer


def readable_case(
    store: Store, actor: Actor, reference: str, what: str, option: str = "--case"
) -> Case:
    """The case, when the one acting may read its records: its officer, or a supervisor."""
    with store.read() as session:
        case = case_by_reference(session, reference, option)
        require_own_case(session, actor, case, f"{what} is for its officer or a supervisor")
    return case


def require_reader_of(store: Store, reader_id: str, officer_id: str, what: str) -> Officer:
    """The officer whose `what` (diary, appointments) is read; refused unless it is the
    reader's own or the reader is a supervisor or above."""
    with store.read() as session:
        officer = session.get(Officer, officer_id)
        reader = session.get(Officer, reader_id)
    if officer is None:
        raise InputError(
            "--officer", f"{officer_id!r} is not an officer in this store (see 'drp officer list')"
        )
    if reader_id != officer_id and (reader is None or not supervises(reader)):
        raise NotPermitted(
            f"another officer's {what} is for supervisors; you are {reader_id}: leave out --officer"
        )
    return officer
