"""The debtor screen's complaint (c) and appointment (b): the service is asked first whether
one can be recorded or booked (so no form leads to a refusal), then the dialog, then the write
through the service, which judges it again (services/complaints.py, services/appointments.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from textual.screen import Screen

from drp_tui.services.appointments import Booking, BookingForm, book, booking_form
from drp_tui.services.caseview import CaseView
from drp_tui.services.complaints import NewComplaint, add_complaint, recording_refusal
from drp_tui.services.workstation import Workstation
from screens.bookings import AppointmentModal, ComplaintModal
from screens.jobs import after_jobs

T = TypeVar("T")


class CaseBookings(Screen[str | None]):
    """Mixed into DebtorScreen, which gives what is declared here."""

    workstation: Workstation
    case_id: str
    view: CaseView | None

    def change(
        self, job: Callable[[], object], what: str, done: str | Callable[[Any], str] = ""
    ) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def read(self, work: Callable[[], T], then: Callable[[T], None]) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

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
