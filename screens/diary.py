"""The officer's diary (d from the queue): what is due today on their cases, in the order to
work it. Enter opens the case as the queue does: a call, with the same rules."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from drp_tui.domain.diary import DiaryEntry
from drp_tui.services.workstation import Workstation
from screens.search import Opening


class DiaryModal(ModalScreen[Opening | None]):
    CSS_PATH = "diary.tcss"
    AUTO_FOCUS = "#diary-entries"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="diary.cancel"),
        # The table takes Enter itself (RowSelected); this one is for F1, and for Enter
        # when the table is not focused.
        Binding("enter", "choose", "Open the case (a call)", show=False),
    ]

    def __init__(self, workstation: Workstation) -> None:
        super().__init__()
        self.workstation = workstation
        self.entries: list[DiaryEntry] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="diary"):
            yield Static("", id="diary-title")
            yield DataTable(id="diary-entries", cursor_type="row", zebra_stripes=True)
            yield Static("", id="diary-detail")
            yield Static("Enter: open the case (a call) · Esc: back", id="diary-keys")

    def on_mount(self) -> None:
        table = self.query_one("#diary-entries", DataTable)
        table.add_columns("When", "What", "Case", "Name", "Detail")
        # Read here, before the first paint, not in a worker: a key typed straight after
        # `d` (End, then Enter) must find the entries it moves through (the keys wait for
        # this screen to be idle, not for a worker). One officer's diary is a few indexed
        # queries (docs/BENCHMARKS.md).
        self._show(self.workstation.diary())

    def _show(self, entries: list[DiaryEntry]) -> None:
        self.entries = entries
        today = self.workstation.now().date()
        self.query_one("#diary-title", Static).update(
            Text.assemble(
                ("Diary", "bold"),
                f" for {today:%a %d %b %Y}: ",
                f"{len(entries)} due" if entries else "nothing due today",
            )
        )
        table = self.query_one("#diary-entries", DataTable)
        table.clear()
        for entry in entries:
            table.add_row(
                Text(entry.when(today), style="bold red" if entry.overdue(today) else ""),
                entry.label,
                entry.reference,
                Text(entry.name),
                Text(entry.detail),
            )

    @on(DataTable.RowHighlighted, "#diary-entries")
    def highlighted(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted entry in full: at 80 columns its detail is cut in the table."""
        if not 0 <= event.cursor_row < len(self.entries):
            return
        entry = self.entries[event.cursor_row]
        parts = [f"{entry.reference} {entry.name}: {entry.label}", entry.detail]
        self.query_one("#diary-detail", Static).update(Text(" — ".join(p for p in parts if p)))

    @on(DataTable.RowSelected, "#diary-entries")
    def action_choose(self) -> None:
        table = self.query_one("#diary-entries", DataTable)
        if not self.entries or table.cursor_row < 0:
            return
        entry = self.entries[table.cursor_row]
        self.dismiss(Opening(entry.case_id, entry.reason))

    def action_cancel(self) -> None:
        self.dismiss(None)
