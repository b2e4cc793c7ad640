"""The case history on the debtor screen: read-only lines (a DataTable cost a third of the
time from Enter to the case on screen), cut at the pane's edge. With focus (Tab), ↑ ↓ pick
a line and Enter shows it whole: the detail column is cut at about 23 characters at 120
columns and gone at 80."""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import ScrollableContainer, Vertical
from textual.message import Message
from textual.widgets import Button, Static

from drp_tui.services.caseview import CaseView, HistoryLine
from screens.debtor_view import history_text
from screens.dialog import Dialog


class HistoryBox(ScrollableContainer, can_focus=True):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", "Earlier line", show=False),
        Binding("down", "move(1)", "Later line", show=False),
        Binding("enter", "open", "Line in full", show=False),
    ]

    class Open(Message):
        """Enter on a history line: show it whole."""

        def __init__(self, line: HistoryLine) -> None:
            super().__init__()
            self.line = line

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.lines: tuple[HistoryLine, ...] = ()
        self.view: CaseView | None = None
        self.row = 0

    def compose(self) -> ComposeResult:
        yield Static("", id="history-lines")

    def show(self, view: CaseView) -> None:
        self.view, self.lines, self.row = view, view.history, 0
        self._draw()
        self.scroll_home(animate=False)

    def _draw(self) -> None:
        if self.view is None:
            return
        text = history_text(self.view)
        if self.has_focus and self.lines:
            start = sum(len(line) + 1 for line in text.plain.split("\n")[: self.row + 1])
            end = start + len(text.plain.split("\n")[self.row + 1])
            text.stylize("reverse", start, end)
        lines = self.query_one("#history-lines", Static)
        lines.update(text)
        # As wide as its longest line, so a long detail scrolls into view (→).
        lines.styles.width = max(cell_len(line) for line in text.plain.splitlines())

    def on_focus(self, _: events.Focus) -> None:
        self._draw()

    def on_blur(self, _: events.Blur) -> None:
        self._draw()

    def action_move(self, step: int) -> None:
        if not self.lines:
            return
        self.row = max(0, min(len(self.lines) - 1, self.row + step))
        self._draw()
        y = self.row + 1  # the heading is the first line
        if y < self.scroll_y + 1 or y >= self.scroll_y + self.size.height:
            self.scroll_to(y=max(0, y - self.size.height // 2), animate=False)

    def action_open(self) -> None:
        if self.lines:
            self.post_message(self.Open(self.lines[self.row]))


class HistoryLineDialog(Dialog[None]):
    """One history line, whole: when, who, what and all of its detail."""

    def __init__(self, line: HistoryLine) -> None:
        super().__init__()
        self.line = line

    def compose(self) -> ComposeResult:
        line = self.line
        with Vertical(classes="dialog"):
            yield Static(Text.assemble((line.kind.replace(".", " "), "bold")))
            yield Static(Text(f"{line.at} · {line.officer}"))
            yield Static(Text(line.detail), id="history-detail")
            with Vertical(classes="buttons"):
                yield Button("OK", variant="primary", id="back", compact=True)

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()
