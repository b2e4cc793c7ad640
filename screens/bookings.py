"""Dialogs of the debtor screen: a complaint taken on the call (c), an appointment booked
with the debtor (b), and a broken arrangement reinstated on the follow-up (R). Each returns
what the officer chose; the debtor screen records it through the service
(services/complaints.py, services/appointments.py, services/reinstatement.py), which judges it
again. The appointment form offers only free slots inside office hours, from the service."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Input, Select, Static

from drp_tui.domain.appointments import KINDS
from drp_tui.domain.complaints import CHANNELS, STAGES
from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.services.appointments import Booking, BookingForm
from drp_tui.services.caseview import DebtLine
from drp_tui.services.complaints import NewComplaint
from drp_tui.services.reinstatement import ReinstateOffer
from screens.actions import debt_label, field
from screens.dialog import Dialog, buttons
from screens.widgets import TextField

ALL_DEBTS = "*"


def _said(value: str) -> str:
    return value.replace("_", " ").capitalize()


class ComplaintModal(Dialog[NewComplaint | None]):
    """A complaint as the debtor makes it on the call: when it was received, how, at which
    stage, what it is about and which debts it concerns. Never turned away: the service sets
    its reply due from policy and whether recovery pauses."""

    def __init__(self, reference: str, debts: Sequence[DebtLine], shown: bool, today: date) -> None:
        super().__init__()
        self.reference = reference
        self.debts = debts
        self.shown = shown
        self.today = today

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(f"[b]Record a complaint[/b] on {self.reference}")
            yield from field(
                "Received",
                TextField(value=self.today.isoformat(), id="received", compact=True),
            )
            yield from field(
                "Channel",
                Select(
                    [(_said(c), c) for c in CHANNELS],
                    value="phone",
                    allow_blank=False,
                    id="channel",
                    compact=True,
                ),
            )
            yield from field(
                "Stage",
                Select(
                    [(_said(s), s) for s in STAGES],
                    value="stage_1",
                    allow_blank=False,
                    id="stage",
                    compact=True,
                ),
            )
            yield from field(
                "Debts",
                Select(
                    [("All the case's debts", ALL_DEBTS)]
                    + [
                        (f"{debt_label(d, self.shown)} · {d.type_name}", d.reference)
                        for d in self.debts
                    ],
                    value=ALL_DEBTS,
                    allow_blank=False,
                    id="complaint-debts",
                    compact=True,
                ),
            )
            yield from field(
                "About", TextField(placeholder="what the complaint is about", id="summary")
            )
            yield Static("", id="message", classes="message")
            yield from buttons("Record")

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)
    def confirmed(self) -> None:
        summary = self.query_one("#summary", Input).value.strip()
        try:
            received = parse_date(self.query_one("#received", Input).value, "Received")
            if received > self.today:
                raise InputError("Received", "is in the future")
            if not summary:
                raise InputError("About", "say what the complaint is about")
        except InputError as problem:
            self.say(str(problem))
            return
        debts = str(self.query_one("#complaint-debts", Select).value)
        self.dismiss(
            NewComplaint(
                self.reference,
                received,
                str(self.query_one("#channel", Select).value),
                summary,
                str(self.query_one("#stage", Select).value),
                () if debts == ALL_DEBTS else (debts,),
            )
        )


class AppointmentModal(Dialog[Booking | None]):
    """An appointment with the debtor in one of the officer's free slots: by telephone, or
    face to face at one of the council's places with the reason it is right."""

    def __init__(self, reference: str, form: BookingForm) -> None:
        super().__init__()
        self.reference = reference
        self.form = form

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                f"[b]Book an appointment[/b] on {self.reference} "
                f"({self.form.minutes} minutes, in {self.form.officer_id}'s calendar)"
            )
            yield from field(
                "Kind",
                Select(
                    [(_said(k), k) for k in KINDS],
                    value="telephone",
                    allow_blank=False,
                    id="kind",
                    compact=True,
                ),
            )
            yield from field(
                "When",
                Select(
                    [(self._when(s), s.isoformat()) for s in self.form.slots],
                    value=self.form.slots[0].isoformat(),
                    allow_blank=False,
                    id="when",
                    compact=True,
                ),
            )
            yield from field(
                "Place",
                Select(
                    [(p, p) for p in self.form.places],
                    prompt="face to face: where",
                    id="place",
                    compact=True,
                ),
            )
            yield from field("Reason", TextField(placeholder="what it is for", id="reason"))
            yield from field(
                "Why F2F",
                TextField(placeholder="face to face: the vulnerability, or they asked", id="why"),
            )
            yield Static("", id="message", classes="message")
            yield from buttons("Book")

    @staticmethod
    def _when(start: datetime) -> str:
        return f"{start:%a} {start.day} {start:%b %H:%M}"

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)
    def confirmed(self) -> None:
        kind = str(self.query_one("#kind", Select).value)
        place_select = self.query_one("#place", Select)
        reason = self.query_one("#reason", Input).value.strip()
        why = self.query_one("#why", Input).value.strip()
        if not reason:
            self.say("Reason: say what the appointment is for")
            return
        place = ""
        if kind == "face_to_face":
            if place_select.is_blank():
                self.say("Place: choose where the face-to-face appointment is held")
                return
            if len(why.split()) < 3:
                self.say(
                    "Why F2F: say why face to face is right (the vulnerability, or that the "
                    "debtor asked)"
                )
                return
            place = str(place_select.value)
        starts = datetime.fromisoformat(str(self.query_one("#when", Select).value))
        self.dismiss(
            Booking(
                self.reference,
                kind,
                starts,
                reason,
                place,
                why if kind == "face_to_face" else "",
                officer_id=self.form.officer_id,
            )
        )


class ReinstateModal(Dialog[str | None]):
    """The case's broken arrangement reinstated, as policy allows: the way chosen (the missed
    amount caught up today, or spread over the instalments to come), its new schedule shown."""

    def __init__(self, offer: ReinstateOffer) -> None:
        super().__init__()
        self.offer = offer
        self.ways = [way for way, why in offer.refusals.items() if why is None]

    def compose(self) -> ComposeResult:
        offer = self.offer
        with Vertical(classes="dialog"):
            yield Static(
                Text.assemble(
                    ("Reinstate the broken arrangement", "bold"),
                    f" on {offer.reference}: broke {offer.breached_on:%d %b %Y}"
                    + (f" ({offer.reason})" if offer.reason else "")
                    + f"; £{offer.missed:,.2f} missed of £{offer.total:,.2f} still owed",
                )
            )
            yield from field(
                "Way",
                Select(
                    [(WAYS[w], w) for w in self.ways],
                    value=self.ways[0],
                    allow_blank=False,
                    id="way",
                    compact=True,
                ),
            )
            yield Static("", id="reinstate-schedule", classes="message")
            yield Static("", id="message", classes="message")
            yield from buttons("Reinstate")

    def on_mount(self) -> None:
        self._show(self.ways[0])

    @on(Select.Changed, "#way")
    def way_chosen(self, event: Select.Changed) -> None:
        self._show(str(event.value))

    def _show(self, way: str) -> None:
        schedule = self.offer.schedules[way]
        lines = (
            []
            if schedule is None
            else [f"  {due:%a %d %b %Y}  £{amount:,.2f}" for due, amount in schedule.instalments]
        )
        self.query_one("#reinstate-schedule", Static).update(Text("\n".join(lines)))

    @on(Button.Pressed, "#confirm")
    def confirmed(self) -> None:
        self.dismiss(str(self.query_one("#way", Select).value))


WAYS = {
    "catch_up": "Catch up the missed amount today, then as before",
    "spread": "Spread the missed amount over the instalments to come",
}
