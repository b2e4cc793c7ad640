"""Identity and verification: which details the caller confirmed (DOMAIN.md decision 10)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Static

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


class IdvModal(ModalScreen[IdvChoice | None]):
    CSS_PATH = "idv.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="idv.cancel"),
    ]

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

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
