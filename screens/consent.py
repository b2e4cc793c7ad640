"""The debtor screen's consent to texts (s): on a call, after ID&V, the debtor gives or withdraws
consent to texts on one of their mobile numbers. The form offers the mobiles the service found
(services/sms.py `consent_form`), each with whether it is marked for texts now, and returns the
choice; the debtor screen records it through `record_consent`, as `drp letter sms-consent`
does, and the service judges it again."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Button, Select, Static

from drp_tui.services.sms import ConsentForm, Mobile
from screens.actions import field
from screens.dialog import Dialog, buttons

CHOICES = (("Given on this call", "given"), ("Withdrawn on this call", "withdrawn"))


@dataclass(frozen=True)
class SmsConsent:
    reference: str
    number: str
    given: bool


def state_of(mobile: Mobile) -> str:
    """Whether texts may go to `mobile` now, as the form says it."""
    if mobile.consented_at is None:
        said = "not marked for texts"
    else:
        said = f"marked for texts since {mobile.consented_at:%d %b %Y}"
    if mobile.status != "good":
        said += f"; the number is marked {mobile.status.replace('_', ' ')}"
    return f"{mobile.number}: {said}"


class SmsConsentModal(Dialog[SmsConsent | None]):
    """One of the debtor's mobiles and the consent to texts the debtor gives or withdraws."""

    def __init__(self, form: ConsentForm) -> None:
        super().__init__()
        self.form = form
        self.mobiles = {m.number: m for m in form.mobiles}

    def compose(self) -> ComposeResult:
        first = self.form.mobiles[0]
        with Vertical(classes="dialog"):
            yield Static(
                Text.assemble(
                    ("Consent to texts", "bold"),
                    f" on {self.form.reference}: only the debtor gives it, for a mobile they "
                    "use; drp texts only a good mobile marked for texts",
                )
            )
            yield from field(
                "Mobile",
                Select(
                    [(Text(m.number), m.number) for m in self.form.mobiles],
                    value=first.number,
                    allow_blank=False,
                    id="sms-number",
                    compact=True,
                ),
            )
            yield Static(Text(state_of(first)), id="sms-state", classes="message")
            yield from field(
                "Consent",
                Select(
                    CHOICES,
                    value=self._proposed(first),
                    allow_blank=False,
                    id="sms-given",
                    compact=True,
                ),
            )
            yield Static("", id="message", classes="message")
            yield from buttons("Record")

    @staticmethod
    def _proposed(mobile: Mobile) -> str:
        """The change the call is likely for: consent given if not marked, else withdrawn."""
        return "given" if mobile.consented_at is None else "withdrawn"

    @on(Select.Changed, "#sms-number")
    def number_chosen(self, event: Select.Changed) -> None:
        mobile = self.mobiles[str(event.value)]
        self.query_one("#sms-state", Static).update(Text(state_of(mobile)))
        self.query_one("#sms-given", Select).value = self._proposed(mobile)

    @on(Button.Pressed, "#confirm")
    def confirmed(self) -> None:
        mobile = self.mobiles[str(self.query_one("#sms-number", Select).value)]
        given = self.query_one("#sms-given", Select).value == "given"
        if given and mobile.status != "good":
            self.say(
                f"Mobile: {mobile.number} is marked {mobile.status.replace('_', ' ')}; mark it "
                "good first (m) if the debtor confirms it is theirs"
            )
            return
        self.dismiss(SmsConsent(self.form.reference, mobile.number, given))
