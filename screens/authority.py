"""Record a third party's authority to speak for the debtor (g on the debtor screen): who,
how related, what they may do, until when, and the consent behind it — the debtor's own
word on this verified call, or a document's reference. On a case with domestic abuse
recorded, the officer says why it is safe. The service checks it all again when it saves."""

from __future__ import annotations

from collections.abc import Sequence

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Button, Input, Select, Static

from drp_tui.domain.authority import CONSENT, check_consent
from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.services.authority import AuthorityRequest, scope_from
from screens.actions import field
from screens.dialog import Dialog, buttons
from screens.widgets import TextField

FIELD_NAMES = {
    "name": "Name",
    "relationship": "Relationship",
    "may": "May",
    "until": "Until",
    "consent": "Consent",
    "consent_ref": "Reference",
    "call": "Consent",
}


class AuthorityModal(Dialog[AuthorityRequest | None]):
    DEFAULT_CSS = """
    AuthorityModal .field {
        margin-bottom: 1;
    }
    """

    def __init__(self, risks: Sequence[str] = ()) -> None:
        """`risks`: vulnerabilities on the case that make a third party a risk."""
        super().__init__()
        self.risks = tuple(risks)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(
                "[b]Third party authority[/b]: who the debtor lets speak for them, and what "
                "they may do"
            )
            yield from field(
                "Name", TextField(placeholder="e.g. Sam Smith", id="name", compact=True)
            )
            yield from field(
                "Relation",
                TextField(placeholder="e.g. partner, son", id="relationship", compact=True),
            )
            yield from field(
                "May",
                Select(
                    [
                        ("discuss: hear the account", "discuss"),
                        ("discuss and arrange payment", "discuss,arrange"),
                    ],
                    value="discuss",
                    allow_blank=False,
                    id="may",
                    compact=True,
                ),
            )
            yield from field(
                "Until", TextField(placeholder="last day (blank: no end)", id="until", compact=True)
            )
            yield from field(
                "Consent",
                Select(
                    [(f"{kind}: {said}", kind) for kind, said in CONSENT.items()],
                    value="verbal",
                    allow_blank=False,
                    id="consent",
                    compact=True,
                ),
            )
            yield from field(
                "Reference",
                TextField(placeholder="the document's reference", id="consent_ref", compact=True),
            )
            if self.risks:
                yield Static(
                    Content.from_markup(
                        "[b]⚠ $risks recorded[/b]: the third party may be the danger. Say why "
                        "this is safe (the debtor asked freely and alone, and how you know).",
                        risks=" and ".join(self.risks),
                    ),
                    classes="message",
                )
                yield from field("Why safe", TextField(id="risk", compact=True))
            yield Static("", id="message", classes="message")
            yield from buttons("Record")

    def _typed(self, widget_id: str) -> str:
        return self.query_one(f"#{widget_id}", Input).value

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)
    def confirmed(self) -> None:
        name, relationship = self._typed("name").strip(), self._typed("relationship").strip()
        risk = self._typed("risk") if self.risks else ""
        try:
            if not name:
                raise InputError("name", "say who the third party is")
            if not relationship:
                raise InputError("relationship", f"say how {name} is related to the debtor")
            scope = scope_from(str(self.query_one("#may", Select).value).split(","))
            typed_until = self._typed("until").strip()
            until = parse_date(typed_until, "until") if typed_until else None
            consent = str(self.query_one("#consent", Select).value)
            reference = self._typed("consent_ref")
            check_consent(consent, reference, debtor_verified_on_call=True)
            if self.risks and not risk.strip():
                raise InputError("risk", "say why this is safe")
        except InputError as problem:
            label = FIELD_NAMES.get(problem.field, "Why safe")
            self.say(f"{label}: {problem.message}")
            return
        self.dismiss(AuthorityRequest(name, relationship, scope, until, consent, reference, risk))
