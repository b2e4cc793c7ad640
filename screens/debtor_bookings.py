"""The debtor screen's complaint (c), appointment (b), reinstatement of a broken arrangement (R)
and consent to texts (s): the service is asked first whether it can be done (so no form leads
to a refusal), then the dialog, then the write through the service, which judges it again
(services/complaints.py, services/appointments.py, services/reinstatement.py,
services/sms.py)."""

from __future__ import annotations

from functools import partial

from drp_tui.services.appointments import Booking, BookingForm, book, booking_form
from drp_tui.services.complaints import NewComplaint, add_complaint, recording_refusal
from drp_tui.services.reinstatement import ReinstateOffer, reinstate, reinstatement_offer
from drp_tui.services.sms import ConsentForm, consent_form, record_consent
from screens.bookings import AppointmentModal, ComplaintModal, ReinstateModal
from screens.consent import SmsConsent, SmsConsentModal
from screens.debtor_part import DebtorPart
from screens.jobs import after_jobs


class CaseBookings(DebtorPart):
    """Mixed into DebtorScreen (screens/debtor_part.py declares what it gives)."""

    def _cannot(self, what: str, why: str) -> None:
        self.notify(f"No {what}: {why}", severity="warning", timeout=8, markup=False)

    @after_jobs
    def action_complaint(self) -> None:
        if self.view is None:
            return
        view, ws = self.view, self.workstation
        today = ws.now().date()

        def asked(why: str | None) -> None:
            if why is not None:
                self._cannot("complaint can be recorded", why)
                return
            modal = ComplaintModal(view.reference, view.debts, view.verified, today)
            self.app.push_screen(modal, self._record_complaint)

        self.read(partial(recording_refusal, ws.store, ws.policy, ws.actor(), today), asked)

    def _record_complaint(self, new: NewComplaint | None) -> None:
        if new is not None:
            ws = self.workstation
            job = partial(add_complaint, ws.store, ws.policy, ws.actor(), new)
            self.change(
                job,
                "the complaint",
                lambda c: (
                    f"Complaint recorded: reply due by {c.reply_due:%a %d %b %Y}"
                    + ("; recovery pauses while it is open." if c.pauses_recovery else ".")
                ),
            )

    @after_jobs
    def action_appointment(self) -> None:
        if self.view is None:
            return
        reference, ws = self.view.reference, self.workstation

        def asked(form: BookingForm | str) -> None:
            if isinstance(form, str):
                self._cannot("appointment can be booked", form)
                return
            self.app.push_screen(AppointmentModal(reference, form), self._book_appointment)

        self.read(partial(booking_form, ws.store, ws.policy, ws.actor(), self.case_id), asked)

    def _book_appointment(self, booking: Booking | None) -> None:
        if booking is not None:
            ws = self.workstation
            job = partial(book, ws.store, ws.policy, ws.actor(), booking)
            self.change(
                job,
                "the appointment",
                lambda a: (
                    f"Booked: {a.kind.replace('_', ' ')} appointment "
                    f"{booking.starts:%a %d %b %H:%M} ({a.place})."
                ),
            )

    @after_jobs
    def action_reinstate(self) -> None:
        """The broken arrangement reinstated on this call, as policy allows: asked of the call
        (ID&V, holds) and of the service (the rule) before the form opens."""
        if self.view is None or self.call is None or self._refused_up_front("arrangement"):
            return
        reference, call_id, ws = self.view.reference, self.call.id, self.workstation

        def asked(offer: ReinstateOffer | str) -> None:
            if isinstance(offer, str):
                self._cannot("reinstatement", f"{offer}; negotiate a new arrangement (r)")
                return
            if all(why is not None for why in offer.refusals.values()):
                whys = dict.fromkeys(why for why in offer.refusals.values() if why)
                self._cannot("reinstatement", "; ".join(whys))
                return
            self.app.push_screen(ReinstateModal(offer), partial(self._reinstate, call_id))

        self.read(partial(reinstatement_offer, ws.store, ws.policy, ws.actor(), reference), asked)

    def _reinstate(self, call_id: str, way: str | None) -> None:
        if way is not None and self.view is not None:
            ws = self.workstation
            job = partial(
                reinstate, ws.store, ws.policy, ws.actor(),
                case_reference=self.view.reference, way=way, call_id=call_id,
            )  # fmt: skip
            self.change(
                job,
                "the reinstated arrangement",
                lambda a: f"Arrangement reinstated: £{a.total:,.2f} to pay.",
            )

    @after_jobs
    def action_sms_consent(self) -> None:
        """Consent to texts given or withdrawn by the debtor on this call: after ID&V (it is
        the debtor's to give, not whoever answered), on a mobile the service offers."""
        if self.view is None:
            return
        if not self.view.verified or self.call is None:
            self.notify(
                "Pass ID&V (i) first: consent to texts is the debtor's to give.",
                severity="warning",
            )
            return
        ws, call_id = self.workstation, self.call.id

        def asked(form: ConsentForm | str) -> None:
            if isinstance(form, str):
                self._cannot("consent to texts can be recorded", form)
                return
            self.app.push_screen(SmsConsentModal(form), self._record_sms_consent)

        self.read(partial(consent_form, ws.store, ws.actor(), self.case_id, call_id), asked)

    def _record_sms_consent(self, choice: SmsConsent | None) -> None:
        if choice is not None and self.call is not None:
            ws = self.workstation
            job = partial(
                record_consent, ws.store, ws.actor(),
                case_reference=choice.reference, number=choice.number, given=choice.given,
                call_id=self.call.id,
            )  # fmt: skip
            self.change(job, "the consent to texts", lambda said: f"{said}.")
