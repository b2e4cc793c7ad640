"""What the officer's workstation needs from the rest of drp, built once at start-up."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from pathlib import Path
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
from drp_tui.domain.calls import CALL_ACTIONS, call_refusal, outcome_refusal
from drp_tui.domain.diary import DiaryEntry
from drp_tui.domain.money import ZERO
from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.domain.writeoff import WriteOffReasons, role_rank
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import (
    ArrangementPreview,
    ArrangementRequest,
    apply_order,
    frequency_of,
    preview_arrangement,
)
from drp_tui.services.assessments import (
    AssessmentRequest,
    SavedStatement,
    assessed_offer,
    latest_assessment,
    save_assessment,
    saved_statement,
)
from drp_tui.services.authority import (
    Authority,
    AuthorityRequest,
    record_authority,
    recording_refusal,
    third_party_risks,
)
from drp_tui.services.authority import in_force as authorities_in_force
from drp_tui.services.calls import (
    CallInfo,
    Outcome,
    interrupt_open_calls,
    leave_call,
    open_call,
    record_idv,
    record_outcome,
)
from drp_tui.services.caseview import (
    CaseView,
    DebtLine,
    SearchHit,
    case_view,
    search_cases,
)
from drp_tui.services.casework import (
    Actor,
    add_note,
    mark_phone,
    record_refusal,
)
from drp_tui.services.diary import diary
from drp_tui.services.letters import (
    Choice,
    Library,
    Prepared,
    choices,
    load_library,
    prepare,
    templates_dir,
)
from drp_tui.services.letters import send as send_letter
from drp_tui.services.opening import CaseOpening, open_unless_withdrawn, view_before_shown
from drp_tui.services.outcomes import build_outcome
from drp_tui.services.placements import place_with_agency
from drp_tui.services.policy import PolicyBook, guidelines_for, policy_for
from drp_tui.services.queue import QueueEntry, local_time, officer_queue
from drp_tui.services.renewals import overdue_renewals
from drp_tui.services.reports import OfficerFigures, performance
from drp_tui.services.store import store_for
from drp_tui.services.writeoffs import request_writeoff, unmet_record
from drp_tui.settings import LONDON, Settings
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Officer


@dataclass(frozen=True)
class Workstation:
    store: Store
    policy: PolicyBook
    officer: Officer
    clock: Callable[[], datetime]
    guidelines: GuidelineTable | None = None
    templates: Path | None = None  # a council's own letter templates (settings)
    smtp_url: str | None = None

    def now(self) -> datetime:
        return local_time(self.policy, self.clock())

    def queue(self, case_ids: Sequence[str] | None = None) -> list[QueueEntry]:
        """The officer's queue; with `case_ids`, only those cases' entries (still queued)."""
        return officer_queue(
            self.store, self.policy, self.officer.id, self.clock(), case_ids=case_ids
        )

    def calling_check(self, case_id: str) -> QueueEntry | None:
        """One of the officer's cases as the queue would judge calling it now, whether or not
        a hold keeps it out of the queue (the diary opens such a case as a call)."""
        found = officer_queue(
            self.store, self.policy, self.officer.id, self.clock(), case_ids=[case_id], held=True
        )
        return found[0] if found else None

    def actor(self) -> Actor:
        return Actor(self.officer.id, clock=self.clock)

    def open_case(self, case_id: str, reason: str) -> CaseView:
        """A new call on the case (its opening audited), and the case as that call sees it:
        masked until ID&V passes on it."""
        call = self.open_call(case_id, reason)
        return self.case(case_id, call.id)

    def open_call(self, case_id: str, reason: str) -> CallInfo:
        """A new call, its opening in the audit trail before anything of the case is shown."""
        return open_call(self.store, self.actor(), case_id, reason)

    def open_call_unless(self, case_id: str, reason: str, opening: CaseOpening) -> CallInfo | None:
        """open_call, unless the officer withdraws `opening` first (services/opening.py)."""
        return open_unless_withdrawn(self.store, self.actor(), case_id, reason, opening)

    def view_call(self, call_id: str, opening: CaseOpening | None = None) -> bool:
        """The case of a call opened unseen is to be shown: its viewing audited first, once;
        False if `opening` was withdrawn meanwhile (services/opening.view_before_shown)."""
        return view_before_shown(self.store, self.actor(), call_id, opening)

    def interrupted_calls(self) -> list[CallInfo]:
        """This officer's calls left open when drp closed or was killed: marked interrupted
        (masked, to be finished with their outcome only), called once at start."""
        return interrupt_open_calls(self.store, self.actor())

    def letters(self) -> Library:
        return load_library(templates_dir(self.templates), self.policy.holds.kinds)

    def letter_choices(self, reference: str) -> list[Choice]:
        """Each template and channel, with why it may not go to this case now."""
        return choices(
            self.store, self.policy, self.letters(), self.actor(), reference, self.smtp_url
        )

    def preview_letter(self, reference: str, template_id: str, channel: str) -> Prepared:
        return prepare(
            self.store, self.policy, self.letters(), self.actor(),
            case_reference=reference, template_id=template_id, channel=channel,
        )  # fmt: skip

    def send_letter(self, reference: str, template_id: str, channel: str) -> str:
        """Text or email it, or queue it for printing, recorded on the case; what to tell the
        officer."""
        prepared = self.preview_letter(reference, template_id, channel)
        return send_letter(
            self.store, self.policy, self.actor(), self.letters(), self.smtp_url, prepared
        )

    def diary(self) -> list[DiaryEntry]:
        """What is due today on this officer's cases (the diary), in the order to work it."""
        return diary(self.store, self.policy, self.officer.id, self.officer.id, self.now().date())

    def case(self, case_id: str, call_id: str | None = None) -> CaseView:
        """The case as the call sees it (masked without a call or before its ID&V)."""
        return case_view(self.store, self.policy, case_id, self.now().date(), call_id)

    def verify(
        self,
        call_id: str,
        checks: frozenset[str],
        third_party: bool,
        authority_id: str | None = None,
    ) -> str:
        return record_idv(
            self.store,
            self.actor(),
            call_id=call_id,
            passed_checks=checks,
            third_party=third_party,
            authority_id=authority_id,
        )

    def authorities(self, case_id: str) -> list[Authority]:
        """The third parties with recorded authority for the case's debtor, in force today."""
        return authorities_in_force(self.store, case_id, self.now().astimezone(LONDON).date())

    def third_party_risks(self, case_id: str) -> tuple[str, ...]:
        """Vulnerabilities on the case that make a third party on the line a risk."""
        return third_party_risks(self.store, case_id)

    def authority_refusal(self, case_id: str, call_id: str) -> str | None:
        """Why a third party's authority may not be recorded on this call (None: it may)."""
        return recording_refusal(self.store, self.actor(), case_id, call_id)

    def record_authority(self, case_id: str, call_id: str, ask: AuthorityRequest) -> None:
        record_authority(
            self.store,
            self.actor(),
            case_id=case_id,
            name=ask.name,
            relationship=ask.relationship,
            scope=ask.scope,
            until=ask.until,
            consent=ask.consent,
            consent_ref=ask.consent_ref,
            call_id=call_id,
            risk_confirmed=ask.risk_confirmed,
        )

    def leave_call(self, call_id: str) -> bool:
        """True if the call was left as not dialled; False if it needs an outcome."""
        return leave_call(self.store, self.actor(), call_id)

    def refusal(self, view: CaseView, action: str) -> str | None:
        """Why `action` (domain.calls.CALL_ACTIONS) may not be taken on the call on screen, or
        None: asked before a form opens, and asked again by the service that saves it."""
        return call_refusal(action, standing=view.standing, holds=view.holds)

    def refuse(self, view: CaseView, action: str, message: str) -> None:
        """Record an attempt the rules refused before its form opened."""
        rule = CALL_ACTIONS[action]
        self.record_refusal(view.case_id, rule.hold_action or action, message)

    def outcome_codes(self, view: CaseView) -> list[OutcomeCode]:
        """The codes this call may end with: those its ID&V and holds allow (the service
        checks again when the outcome is saved)."""
        call = view.call
        return [
            code
            for code in self.policy.outcomes.offered(self.now().date())
            if outcome_refusal(
                code,
                standing=view.standing if call is None else call.established,
                holds=view.holds,
                cut_off=call is not None and call.status == "interrupted",
            )
            is None
        ]

    def build_outcome(
        self, code: OutcomeCode, fields: dict[str, str], *, phone_ids: list[str]
    ) -> Outcome:
        return build_outcome(self.policy, code, fields, now=self.now(), phone_ids=phone_ids)

    def record_outcome(self, call_id: str, outcome: Outcome) -> None:
        record_outcome(
            self.store,
            self.actor(),
            self.policy.holds,
            self.policy.outcomes,
            call_id=call_id,
            outcome=outcome,
            limits=self.policy.arrangements,
        )

    def arrangement_order(self, debts: Sequence[DebtLine]) -> list[DebtLine]:
        """The debts in the order an arrangement over them pays them, under policy."""
        return policy_order(debts, apply_order(self.policy, self.now().date()))

    def preview_arrangement(
        self,
        debts: Sequence[DebtLine],
        fields: Mapping[str, str],
        monthly_offer: Decimal | None = None,
    ) -> ArrangementPreview:
        return preview_arrangement(
            self.policy, fields, debts=debts, today=self.now().date(), monthly_offer=monthly_offer
        )

    def make_arrangement(self, request: ArrangementRequest) -> ArrangementPreview:
        """The arrangement the builder showed, built again from what was typed (InputError if
        it no longer can be) and saved on the call; what was saved."""
        made = self.preview_arrangement(request.debts, request.fields, request.monthly_offer)
        make_arrangement(
            self.store,
            self.actor(),
            self.policy.holds,
            case_id=request.case_id,
            call_id=request.call_id,
            debt_ids=[d.id for d in request.debts],
            schedule=made.schedule,
            frequency=frequency_of(request.fields),
            apply_order=apply_order(self.policy, self.now().date()),
            override_reason=request.fields.get("override", "").strip() or None,
        )
        return made

    def assess(self, statement: dict[str, Any]) -> Affordability:
        """Affordability of a statement as entered (InputError names the line to fix)."""
        return assess(
            statement_from_data(statement),
            savings_rules=self.policy.savings,
            on=self.now().date(),
            guidelines=self.guidelines,
            figure_checks=self.policy.figure_checks,
        )

    def council_offer(self, result: Affordability, debts: Sequence[DebtLine]) -> CouncilOffer:
        """What the council may ask for on this case's debts, each a priority debt or not as
        its debt type says, and what that leaves the other non-priority creditors."""
        on = self.now().date()
        recovery = self.policy.recovery
        owed = {True: ZERO, False: ZERO}  # by whether the debt type is a priority debt
        for debt in debts:
            owed[recovery.debt_type(debt.debt_type, on).priority] += debt.balance or ZERO
        return council_offer(
            result,
            priority_balance=owed[True],
            non_priority_balance=owed[False],
        )

    def save_assessment(self, request: AssessmentRequest) -> SavedStatement:
        """The statement assessed again and saved, or the latest one kept if it is the same
        (one save, one event), with the council's offer on the request's debts kept for the
        builder and the arrangement to compare with. InputError names a line to fix."""
        result = self.assess(request.statement)
        summary = affordability_summary(result)
        if request.debts:
            offer = self.council_offer(result, request.debts)
            summary["council_offer"] = f"{offer.amount:.2f}"
        row = save_assessment(
            self.store,
            self.actor(),
            case_id=request.case_id,
            statement=request.statement,
            result=summary,
            surplus=result.surplus,
            available_for_priority=result.available_for_priority,
        )
        return self._local(saved_statement(row))

    def assessed_offer(self, case_id: str) -> Decimal | None:
        """The council's monthly offer from the case's latest saved assessment, if any."""
        with self.store.read() as session:
            return assessed_offer(session, case_id)

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

    def refer(self, case_id: str, debt_id: str, agency_id: str, confirmation: str = "") -> None:
        """Place a debt with an agency (refused, and the attempt recorded, on a hold, on a
        debt already with one, or on a vulnerable person's case without a confirmation)."""
        place_with_agency(
            self.store,
            self.actor(),
            self.policy.holds,
            debt_id=debt_id,
            agency_id=agency_id,
            placed_on=self.now().date(),
            confirmation=confirmation,
        )

    def writeoff_reasons(self) -> WriteOffReasons:
        """The write-off reasons in force, with the evidence each needs."""
        return self.policy.writeoff.reasons_on(self.now().date())

    def writeoff_unmet_record(self, debt_id: str, reason_code: str) -> str | None:
        """Why the record does not bear out `reason_code` for the debt (None: it does)."""
        return unmet_record(
            self.store, self.policy, debt_id, reason_code, self.now().date(), self.officer.id
        )

    def request_writeoff(
        self,
        debt_reference: str,
        reason_code: str,
        amount: Decimal,
        note: str,
        evidence: Mapping[str, str],
    ) -> None:
        request_writeoff(
            self.store,
            self.policy,
            self.actor(),
            debt_reference=debt_reference,
            reason_code=reason_code,
            amount=amount,
            note=note,
            evidence=evidence,
        )

    def add_note(self, case_id: str, text: str) -> None:
        add_note(self.store, self.actor(), case_id=case_id, text=text)

    def renewal_banner(self) -> str | None:
        """For a supervisor (or above), one line naming the policy tables whose next row is
        overdue today; None for an officer, or when nothing is overdue."""
        if role_rank(self.officer.role) < role_rank("supervisor"):
            return None
        overdue = overdue_renewals(self.policy, self.now().date())
        if not overdue:
            return None
        tables = ", ".join(
            f"{s.table.kind}{f' ({s.table.group})' if s.table.group else ''} "
            f"due {s.due_on.isoformat() if s.due_on else '?'}"
            for s in overdue
        )
        return f"Policy tables overdue for renewal: {tables}. See 'drp policy due'."

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
    """The officer's workstation on the configured store (or on `store`, already opened), as
    the officer mapped to this login (services/identity)."""
    from drp_tui.services.identity import resolve

    store = store or store_for(settings)
    acting = resolve(settings, store, duty="desk", command="the workstation")
    return Workstation(
        store,
        policy_for(settings),
        acting.officer,
        acting.clock,
        guidelines_for(settings, None),
        settings.templates_dir,
        settings.smtp_url,
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
