"""Affordability assessments kept on a case: saving one (once: the same statement saved again
is the assessment already kept, not a second one) and reading back the latest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import literal_column, select
from sqlmodel import Session, col

from drp_tui.services.casework import Actor, _case, _event
from drp_tui.store.engine import Store
from drp_tui.store.models import Assessment

if TYPE_CHECKING:
    from drp_tui.services.caseview import DebtLine


@dataclass(frozen=True)
class AssessmentRequest:
    """A statement to save on a case, as the form showed it (the shape `drp calc
    affordability` reads). Built on the UI thread; the save assesses it again with the same
    function the form's live figures come from, so what is kept is what it gives."""

    case_id: str
    statement: dict[str, Any]
    # The debts on screen: the council's offer on them is kept with the statement, for the
    # builder and the arrangement to compare instalments with.
    debts: tuple[DebtLine, ...] = ()


@dataclass(frozen=True)
class SavedStatement:
    """The latest statement on a case: what was entered, when (UTC) and by whom."""

    id: str
    statement: dict[str, Any]
    created_at: datetime
    officer_id: str
    surplus: Decimal
    available_for_priority: Decimal


def _latest(session: Session, case_id: str) -> Assessment | None:
    found: Assessment | None = (
        session.execute(
            select(Assessment)
            .where(col(Assessment.case_id) == case_id)
            # Two saved in the same instant (a clock held still): the one written last.
            .order_by(col(Assessment.created_at).desc(), literal_column("assessment.rowid").desc())
            .limit(1)
        )
        .scalars()
        .first()
    )
    return found


def latest_assessment(store: Store, case_id: str) -> SavedStatement | None:
    """The case's newest saved statement, or None if none was ever saved."""
    with store.read() as session:
        found = _latest(session, case_id)
        return None if found is None else saved_statement(found)


def assessed_offer(session: Session, case_id: str) -> Decimal | None:
    """The council's monthly offer from the case's latest saved assessment (what the
    debtor can afford towards its debts), or None if none was saved with one."""
    latest = _latest(session, case_id)
    offer = None if latest is None else latest.result.get("council_offer")
    return None if offer is None else Decimal(str(offer))


def saved_statement(assessment: Assessment) -> SavedStatement:
    return SavedStatement(
        assessment.id,
        assessment.statement,
        assessment.created_at,
        assessment.officer_id,
        assessment.surplus,
        assessment.available_for_priority,
    )


def save_assessment(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    statement: dict[str, Any],
    result: dict[str, Any],
    surplus: Decimal,
    available_for_priority: Decimal,
) -> Assessment:
    """An affordability assessment: what was entered and what it gave, as the officer saw it.
    One save is one event: if the case's latest assessment has the same statement and gave
    the same figures, that assessment is returned and nothing is written."""
    with store.write() as session:
        case = _case(session, case_id)
        latest = _latest(session, case.id)
        if (
            latest is not None
            and latest.statement == statement
            and latest.result == result
            and latest.surplus == surplus
            and latest.available_for_priority == available_for_priority
        ):
            return latest
        assessment = Assessment(
            id=actor.ids(),
            case_id=case.id,
            officer_id=actor.officer_id,
            created_at=actor.now(),
            statement=statement,
            result=result,
            surplus=surplus,
            available_for_priority=available_for_priority,
        )
        session.add(assessment)
        session.flush()
        _event(
            session,
            actor,
            "assessment.saved",
            case.id,
            assessment=assessment.id,
            surplus=f"{surplus:.2f}",
            amount=f"{available_for_priority:.2f}",
        )
        return assessment
