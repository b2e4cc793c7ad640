"""Send a letter or email from a call (l on the debtor screen): the council's templates, each
channel it goes by, those the case's holds or records rule out shown with why, and the
highlighted one previewed with the case's figures before it goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from drp_tui.domain.errors import InputError
from drp_tui.services.letters import Choice
from drp_tui.services.workstation import Workstation


@dataclass(frozen=True)
class LetterChoice:
    template_id: str
    channel: str


class LetterModal(ModalScreen[LetterChoice | None]):
    CSS_PATH = "letters.tcss"
    AUTO_FOCUS = "#letter-choices"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="letter.cancel"),
    ]

    def __init__(self, workstation: Workstation, reference: str) -> None:
        super().__init__()
        self.workstation = workstation
        self.reference = reference
        self.choices: list[Choice] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="letter"):
            yield Static(Text.assemble(("Send a letter or email", "bold"), f" to {self.reference}"))
            yield OptionList(id="letter-choices")
            with VerticalScroll(id="letter-preview-box"):
                yield Static("", id="letter-preview")
            yield Static("Enter: send (an email now; a letter to the print run) · Esc: back")

    def on_mount(self) -> None:
        # Read before the first paint, as the diary is: a key typed straight after `l` must
        # find the choices it moves through.
        self.choices = self.workstation.letter_choices(self.reference)
        options = self.query_one("#letter-choices", OptionList)
        for choice in self.choices:
            label = Text(f"{choice.name} — {choice.channel}")
            if choice.refusal:
                label.append(f"  ({choice.refusal})", style="dim")
            options.add_option(Option(label, disabled=choice.refusal is not None))
        first = next((n for n, c in enumerate(self.choices) if c.refusal is None), None)
        if first is not None:
            options.highlighted = first

    @on(OptionList.OptionHighlighted, "#letter-choices")
    def preview(self, event: OptionList.OptionHighlighted) -> None:
        choice = self.choices[event.option_index]
        try:
            prepared = self.workstation.preview_letter(
                self.reference, choice.template_id, choice.channel
            )
        except InputError as exc:
            text = Text(exc.message, style="yellow")
        else:
            text = Text(f"{prepared.rendered.subject}\n\n{prepared.rendered.body}")
        self.query_one("#letter-preview", Static).update(text)

    @on(OptionList.OptionSelected, "#letter-choices")
    def choose(self, event: OptionList.OptionSelected) -> None:
        choice = self.choices[event.option_index]
        self.dismiss(LetterChoice(choice.template_id, choice.channel))

    def action_cancel(self) -> None:
        self.dismiss(None)
