"""What the officer's workstation needs from the rest of drp, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.affordability import (
    Affordability,
    CouncilOffer,
    GuidelineTable,
    assess,
    council_offer,
    statement_from_data,
)
from drp_tui.domain.apply_order import policy_order
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import ZERO
from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.domain.schedule import Schedule
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import ArrangementPreview, apply_order, preview_arrangement
from drp_tui.services.assessments import (
    SavedStatement,
    latest_assessment,
    save_assessment,
    saved_statement,
)
from drp_tui.services.caseview import (
    CaseView,
    DebtLine,
    SearchHit,
    case_view,
    record_idv,
    search_cases,
)
from drp_tui.services.casework import (
    Actor,
    Outcome,
    add_note,
    mark_phone,
    place_with_agency,
    record_outcome,
    record_refusal,
    view_case,
)
from drp_tui.services.outcomes import build_outcome
from drp_tui.services.policy import PolicyBook, guidelines_for, policy_for
from drp_tui.services.queue import QueueEntry, local_time, officer_queue
from drp_tui.services.reports import OfficerFigures, performance
from drp_tui.services.store import store_for
from drp_tui.services.writeoffs import request_writeoff
from drp_tui.settings import Settings
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Officer


@dataclass(frozen=True)
class Workstation:
    store: Store
    policy: PolicyBook
    officer: Officer
    clock: Callable[[], datetime]
    guidelines: GuidelineTable | None = None

    def now(self) -> datetime:
        return local_time(self.policy, self.clock())

    def queue(self) -> list[QueueEntry]:
        return officer_queue(self.store, self.policy, self.officer.id, self.clock())

    def actor(self) -> Actor:
        return Actor(self.officer.id, clock=self.clock)

    def open_case(self, case_id: str, reason: str) -> CaseView:
        """The case, with its opening recorded in the audit trail."""
        self.record_view(case_id, reason)
        return self.case(case_id)

    def record_view(self, case_id: str, reason: str) -> None:
        """The audit of a case being opened, before anything of it is shown."""
        view_case(self.store, self.actor(), case_id, reason)

    def case(self, case_id: str) -> CaseView:
        return case_view(self.store, self.policy, case_id, self.now().date())

    def verify(self, case_id: str, checks: frozenset[str], third_party: bool) -> str:
        return record_idv(
            self.store, self.actor(), case_id=case_id, passed_checks=checks, third_party=third_party
        )

    def outcome_codes(self) -> list[OutcomeCode]:
        return self.policy.outcomes.offered(self.now().date())

    def build_outcome(
        self, code: OutcomeCode, fields: dict[str, str], *, verified: bool, phone_ids: list[str]
    ) -> Outcome:
        return build_outcome(
            self.policy,
            code,
            fields,
            now=self.now(),
            idv_result="passed" if verified else "not_attempted",
            phone_ids=phone_ids,
        )

    def record_outcome(self, case_id: str, started_at: datetime, outcome: Outcome) -> None:
        record_outcome(
            self.store,
            self.actor(),
            self.policy.holds,
            case_id=case_id,
            started_at=started_at,
            outcome=outcome,
        )

    def arrangement_order(self, debts: Sequence[DebtLine]) -> list[DebtLine]:
        """The debts in the order an arrangement over them pays them, under policy."""
        return policy_order(debts, apply_order(self.policy, self.now().date()))

    def preview_arrangement(
        self,
        debts: Sequence[DebtLine],
        fields: dict[str, str],
        monthly_offer: Decimal | None = None,
    ) -> ArrangementPreview:
        return preview_arrangement(
            self.policy, fields, debts=debts, today=self.now().date(), monthly_offer=monthly_offer
        )

    def make_arrangement(
        self,
        case_id: str,
        debt_ids: Sequence[str],
        schedule: Schedule,
        frequency: str,
        override_reason: str | None,
    ) -> None:
        make_arrangement(
            self.store,
            self.actor(),
            self.policy.holds,
            case_id=case_id,
            debt_ids=debt_ids,
            schedule=schedule,
            frequency=frequency,
            apply_order=apply_order(self.policy, self.now().date()),
            override_reason=override_reason,
        )

    def assess(self, statement: dict[str, Any]) -> Affordability:
        """Affordability of a statement as entered (InputError names the line to fix)."""
        return assess(
            statement_from_data(statement),
            savings_rules=self.policy.savings,
            on=self.now().date(),
            guidelines=self.guidelines,
        )

    def council_offer(self, result: Affordability, debts: Sequence[DebtLine]) -> CouncilOffer:
        """What the council may ask for on this case's debts, each a priority debt or not as
        its debt type says, and what that leaves the other non-priority creditors."""
        on = self.now().date()
        recovery = self.policy.recovery
        owed = {True: ZERO, False: ZERO}  # by whether the debt type is a priority debt
        for debt in debts:
            owed[recovery.debt_type(debt.debt_type, on).priority] += debt.balance
        return council_offer(
            result,
            priority_balance=owed[True],
            non_priority_balance=owed[False],
        )

    def save_assessment(
        self, case_id: str, statement: dict[str, Any], result: Affordability
    ) -> SavedStatement:
        """The statement saved, or the latest one kept if it is the same (one save, one
        event)."""
        row = save_assessment(
            self.store,
            self.actor(),
            case_id=case_id,
            statement=statement,
            result=affordability_summary(result),
            surplus=result.surplus,
            available_for_priority=result.available_for_priority,
        )
        return self._local(saved_statement(row))

    def latest_assessment(self, case_id: str) -> SavedStatement | None:
        """The case's newest saved statement, its time in the council's local time."""
        saved = latest_assessment(self.store, case_id)
        return None if saved is None else self._local(saved)

    def _local(self, saved: SavedStatement) -> SavedStatement:
        return replace(saved, created_at=local_time(self.policy, saved.created_at))

    def search(self, text: str) -> list[SearchHit]:
        return search_cases(self.store, text)

    def record_refusal(self, case_id: str, action: str, message: str) -> None:
        """An action a hold forbids was attempted: kept as an event."""
        record_refusal(self.store, self.actor(), case_id, action, message)

    def mark_phone(self, case_id: str, phone_id: str, status: str) -> None:
        mark_phone(self.store, self.actor(), case_id=case_id, phone_id=phone_id, status=status)

    def agencies(self) -> list[Agency]:
        with self.store.read() as session:
            return list(session.execute(select(Agency).order_by(col(Agency.name))).scalars())

    def refer(self, case_id: str, debt_id: str, agency_id: str) -> None:
        """Place a debt with an agency (refused, and the attempt recorded, on a hold)."""
        place_with_agency(
            self.store,
            self.actor(),
            self.policy.holds,
            debt_id=debt_id,
            agency_id=agency_id,
            placed_on=self.now().date(),
        )

    def writeoff_reasons(self) -> Mapping[str, str]:
        return self.policy.writeoff.reason_codes(self.now().date())

    def request_writeoff(
        self, debt_reference: str, reason_code: str, amount: Decimal, note: str
    ) -> None:
        request_writeoff(
            self.store,
            self.policy,
            self.actor(),
            debt_reference=debt_reference,
            reason_code=reason_code,
            amount=amount,
            note=note,
        )

    def add_note(self, case_id: str, text: str) -> None:
        add_note(self.store, self.actor(), case_id=case_id, text=text)

    def today(self) -> OfficerFigures:
        """The officer's figures so far today (from the event log)."""
        day = self.now().date()
        report = performance(self.store, day, day)
        mine = [f for f in report.officers if f.officer == self.officer.id]
        return (
            mine[0]
            if mine
            else OfficerFigures(
                self.officer.id,
                self.officer.name,
                self.officer.team,
                target=self.officer.daily_call_target,
            )
        )


def open_workstation(settings: Settings, store: Store | None = None) -> Workstation:
    """The officer's workstation on the configured store (or on `store`, already opened)."""
    if not settings.officer:
        raise InputError(
            "DRP_OFFICER",
            "set DRP_OFFICER to your officer id to open the "
            "workstation (or run 'drp demo' to try it)",
        )
    store = store or store_for(settings)
    with store.read() as session:
        officer = session.get(Officer, settings.officer)
    if officer is None:
        raise InputError("DRP_OFFICER", f"{settings.officer!r} is not an officer in {store.path}")
    return Workstation(
        store, policy_for(settings), officer, settings.current_time, guidelines_for(settings, None)
    )


def affordability_summary(result: Affordability) -> dict[str, Any]:
    """The figures an assessment keeps (money as two-decimal strings)."""
    return {
        "total_income": f"{result.total_income:.2f}",
        "total_expenditure": f"{result.total_expenditure:.2f}",
        "surplus": f"{result.surplus:.2f}",
        "savings_contribution": f"{result.savings_contribution:.2f}",
        "available_for_priority": f"{result.available_for_priority:.2f}",
        "other_priority_payments": f"{result.priority_payments:.2f}",
        "left_for_this_creditor": f"{result.left_for_this_creditor:.2f}",
        "available_for_non_priority": f"{result.available_for_non_priority:.2f}",
        "non_priority_shares": [
            {"creditor": s.creditor, "amount": f"{s.amount:.2f}"}
            for s in result.non_priority_shares
        ],
        "guidelines": result.guideline_checks.table,
        "guideline_notice": result.guideline_checks.notice,
    }
