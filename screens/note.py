"""A note on the case."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Static


class NoteModal(ModalScreen[str | None]):
    CSS_PATH = "note.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="note.cancel"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(id="note"):
            yield Static("[b]Note[/b] (kept in the case history and the audit trail)")
            yield Input(placeholder="what happened, what was agreed", id="text")
            yield Static("", id="note-error")
            with Horizontal(id="note-buttons"):
                yield Button("Save", variant="primary", id="save", compact=True)
                yield Button("Back", id="back", compact=True)

    @on(Input.Submitted)
    @on(Button.Pressed, "#save")
    def save(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.query_one("#note-error", Static).update("[red]Write something first.[/red]")
            return
        self.dismiss(text)

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)
