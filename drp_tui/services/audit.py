"""The audit trail: checking the event chain and reading a case's history."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.store.engine import Store
from drp_tui.store.events import ChainCheck, verify_chain
from drp_tui.store.models import Case, Event


def verify(store: Store) -> ChainCheck:
    with store.read() as session:
        events = session.execute(select(Event).order_by(col(Event.seq))).scalars()
        return verify_chain(events)


def case_history(store: Store, reference: str) -> tuple[Case, list[Event]]:
    with store.read() as session:
        case = session.execute(
            select(Case).where(col(Case.reference) == reference.strip().upper())
        ).scalar_one_or_none()
        if case is None:
            raise InputError("--case", f"no case with reference {reference!r}")
        events = (
            session.execute(
                select(Event).where(col(Event.case_id) == case.id).order_by(col(Event.seq))
            )
            .scalars()
            .all()
        )
        return case, list(events)
