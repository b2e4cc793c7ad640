"""The debtor screen's smaller actions, each a dialog then a write on the case: ID&V (i), a
note (t), a phone number marked (m), a debt referred to an agency (e), a write-off asked for
(w), a third party's authority given by the debtor on this call (g), a letter or email from a
template (l). Each is judged on the case as the screen's writes in flight leave it
(`after_jobs`)."""

from __future__ import annotations

from functools import partial

from textual.binding import ActiveBinding

from drp_tui.services.authority import AuthorityRequest
from drp_tui.services.casework import Refused
from drp_tui.store.models import Agency
from screens.actions import (
    PhoneMark,
    PhoneModal,
    Referral,
    ReferralModal,
    WriteOffAsk,
    WriteOffModal,
    referral_routes,
)
from screens.authority import AuthorityModal
from screens.debtor_part import DebtorPart
from screens.dialog import PromptModal
from screens.idv import IdvChoice, IdvModal
from screens.jobs import after_jobs
from screens.letters import LetterChoice, LetterModal


class CaseActions(DebtorPart):
    """Mixed into DebtorScreen (screens/debtor_part.py declares what it gives)."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """The keys offered (the footer): not ID&V where the rules refuse it whatever is
        done (a call cut off when drp closed); pressed anyway, it is refused at once."""
        bindings = super().active_bindings
        view = self.view
        if view is None or self.workstation.refusal(view, "idv") is None:
            return bindings
        return {key: bound for key, bound in bindings.items() if bound.binding.action != "idv"}

    @after_jobs
    def action_idv(self) -> None:
        if self.view is None or self._refused_up_front("idv"):
            return
        offered = IdvModal(
            self.workstation.authorities(self.case_id),
            risks=self.workstation.third_party_risks(self.case_id),
        )
        self.app.push_screen(offered, self._record_idv)

    def _record_idv(self, choice: IdvChoice | None) -> None:
        if choice is None or self.call is None:
            return
        job = partial(
            self.workstation.verify,
            self.call.id,
            choice.checks,
            choice.third_party,
            choice.authority_id,
        )
        then = partial(self._verified, self.case_id, choice.authority_id is not None)
        self.write(job, then, "the ID&V check")

    def _verified(self, case_id: str, chose_authority: bool, result: str) -> None:
        said = "third party with recorded authority" if result == "authorised" else result
        if result == "third_party" and chose_authority:
            said = "third party: fewer than two checks answered, so no authority is used"
        self.notify(
            f"ID&V {said.replace('_', ' ')}",
            severity="information" if result in ("passed", "authorised") else "warning",
        )
        if case_id == self.case_id:
            self.reload(case_id)

    @after_jobs
    def action_authority(self) -> None:
        if self.view is None or self.call is None:
            return
        call_id = self.call.id
        refusal = self.workstation.authority_refusal(self.case_id, call_id)
        if refusal is not None:
            said = f"third-party authority: {refusal}"
            job = partial(self.workstation.record_refusal, self.case_id, "authority", said)
            self.change(job, "the record of the refused attempt")
            self._refused(Refused(said))
            return
        risks = self.workstation.third_party_risks(self.case_id)
        self.app.push_screen(AuthorityModal(risks), partial(self._record_authority, call_id))

    def _record_authority(self, call_id: str, ask: AuthorityRequest | None) -> None:
        if ask is not None:
            job = partial(self.workstation.record_authority, self.case_id, call_id, ask)
            said = f"recorded: {ask.name} may {', '.join(ask.scope)}"
            self.change(job, "the third party's authority", said)

    @after_jobs
    def action_letter(self) -> None:
        """A letter or email from a template, previewed with the case's figures: only once
        the account is disclosed on this call (the preview shows it)."""
        if self.view is None:
            return
        if not self.view.verified:
            self.notify(
                "Pass ID&V (i) first: the letter's preview shows the account.", severity="warning"
            )
            return
        reference = self.view.reference
        self.app.push_screen(
            LetterModal(self.workstation, reference), partial(self._send_letter, reference)
        )

    def _send_letter(self, reference: str, choice: LetterChoice | None) -> None:
        if choice is not None:
            job = partial(
                self.workstation.send_letter, reference, choice.template_id, choice.channel
            )
            self.change(job, "the letter", lambda said: f"{str(said)[:1].upper()}{str(said)[1:]}.")

    @after_jobs
    def action_note(self) -> None:
        self.app.push_screen(
            PromptModal(
                "[b]Note[/b] (kept in the case history and the audit trail)",
                "what happened, what was agreed",
            ),
            self._save_note,
        )

    def _save_note(self, text: str | None) -> None:
        if text:
            self.change(partial(self.workstation.add_note, self.case_id, text), "the note")

    @after_jobs
    def action_phone(self) -> None:
        if self.view is None:
            return
        if not self.view.phones:
            self.notify("No phone numbers are held for this case.", severity="warning")
            return
        self.app.push_screen(PhoneModal(self.view.phones), self._mark_phone)

    def _mark_phone(self, mark: PhoneMark | None) -> None:
        if mark is not None:
            job = partial(self.workstation.mark_phone, self.case_id, mark.phone_id, mark.status)
            self.change(job, "the phone number's status")

    @after_jobs
    def action_refer(self) -> None:
        if self.view is None or self._refused_up_front("referral"):
            return
        routes = referral_routes(self.view)
        if not routes:
            self.notify(
                "No debt on this case may go to an agency now: an enforcement agent needs a "
                "liability order (or warrant), a collection agency a reminder first, and a "
                "debt with an agency already must be recalled or returned first.",
                severity="warning",
                timeout=8,
            )
            return
        view = self.view

        def chosen(agencies: list[Agency]) -> None:  # read off the UI thread, shown on it
            modal = ReferralModal(routes, agencies, view.verified, view.vulnerabilities)
            self.app.push_screen(modal, self._refer)

        self.read(self.workstation.agencies, chosen)

    def _refer(self, referral: Referral | None) -> None:
        if referral is not None:
            job = partial(
                self.workstation.refer,
                self.case_id,
                referral.debt_id,
                referral.agency_id,
                referral.confirmation,
            )
            self.change(job, "the referral", f"Referred to {referral.agency_name}.")

    @after_jobs
    def action_writeoff(self) -> None:
        if self.view is None or not self.view.debts:
            return
        debts = [
            d
            for d in self.view.debts
            if (d.balance is None or d.balance > 0) and d.with_agency is None
        ]
        if not debts:
            self.notify("No debt here to write off: each is paid or with an agency.")
            return
        self.app.push_screen(
            WriteOffModal(
                debts,
                self.workstation.writeoff_reasons(),
                self.view.verified,
                self.workstation.writeoff_unmet_record,
            ),
            self._writeoff,
        )

    def _writeoff(self, ask: WriteOffAsk | None) -> None:
        if ask is not None:
            job = partial(
                self.workstation.request_writeoff,
                ask.debt_reference,
                ask.reason_code,
                ask.amount,
                ask.note,
                ask.evidence,
            )
            self.change(
                job,
                "the write-off request",
                "Write-off requested; a supervisor or manager will decide.",
            )
