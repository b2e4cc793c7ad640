"""Identity and verification: which details the caller confirmed (DOMAIN.md decision 10), or
that a third party is on the line, with or without recorded authority to speak for the
debtor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, OptionList, Static
from textual.widgets.option_list import Option

from drp_tui.services.authority import Authority
from drp_tui.services.caseview import CaseView

CHECK_LABELS = {
    "date_of_birth": "Date of birth",
    "postcode": "Postcode",
    "account_reference": "Account reference",
    "last_payment": "Last payment amount",
}


@dataclass(frozen=True)
class IdvChoice:
    checks: frozenset[str]
    third_party: bool = False
    authority_id: str | None = None  # the recorded authority the third party holds


class IdvModal(ModalScreen[IdvChoice | None]):
    CSS_PATH = "idv.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="idv.cancel"),
    ]

    def __init__(self, authorities: Sequence[Authority] = (), risks: Sequence[str] = ()) -> None:
        """`authorities`: the third parties with recorded authority in force today; `risks`:
        vulnerabilities on the case that make a third party a risk (domestic abuse)."""
        super().__init__()
        self.authorities = tuple(authorities)
        self.risks = tuple(risks)

    def compose(self) -> ComposeResult:
        with Vertical(id="idv"):
            yield Static(
                "[b]ID&V[/b] — tick what the caller confirmed (two or more passes).", id="idv-help"
            )
            for key, label in CHECK_LABELS.items():
                yield Checkbox(label, id=f"check-{key}")
            with Horizontal(id="idv-buttons"):
                yield Button("Record", variant="primary", id="record")
                yield Button("Third party", id="third-party")
                yield Button("Cancel", id="cancel")
            if not self.authorities:
                yield Static(
                    "No third party holds recorded authority.",
                    id="idv-no-authority",
                )
                return
            yield Static(
                "[b]Third party with authority[/b]: who is on the line? They answer the "
                "checks above on the debtor's details (two or more), as the debtor would.",
                id="idv-authority-help",
            )
            if self.risks:
                yield Static(
                    Content.from_markup(
                        "[b]⚠ $risks recorded[/b]: the person on the line may be the danger. "
                        "Disclose nothing you would not tell them; speak to the debtor alone.",
                        risks=" and ".join(self.risks),
                    ),
                    id="idv-risk",
                )
            yield OptionList(
                *(Option(Text(a.describe()), id=a.id) for a in self.authorities),
                id="idv-authorities",
            )

    def _ticked(self) -> frozenset[str]:
        return frozenset(
            key for key in CHECK_LABELS if self.query_one(f"#check-{key}", Checkbox).value
        )

    @on(Button.Pressed, "#record")
    def record(self) -> None:
        self.dismiss(IdvChoice(self._ticked()))

    @on(Button.Pressed, "#third-party")
    def third_party(self) -> None:
        self.dismiss(IdvChoice(frozenset(), third_party=True))

    @on(OptionList.OptionSelected, "#idv-authorities")
    def with_authority(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(IdvChoice(self._ticked(), third_party=True, authority_id=event.option.id))

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


def on_the_line(view: CaseView) -> Content:
    """Who speaks for the debtor on this call, when a third party with recorded authority
    does, for the debtor screen's person pane (the header says it too, but is cut at 80
    columns)."""
    authority = None if view.call is None else view.call.authority
    if authority is None:
        return Content("")
    return Content.from_markup(
        "\n[b]On the line[/b] $who, may $may", who=authority.who, may=authority.may
    )
