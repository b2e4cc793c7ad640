"""Search for a case (/). Another officer's case opens only with a reason, which is audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Static

from drp_tui.domain.errors import InputError
from drp_tui.services.caseview import SearchHit
from drp_tui.services.workstation import Workstation
from screens.jobs import RunsJobs
from screens.text import problem
from screens.widgets import TextField


@dataclass(frozen=True)
class Opening:
    case_id: str
    reason: str


class SearchModal(RunsJobs, ModalScreen[Opening | None]):
    CSS_PATH = "search.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="search.cancel"),
    ]

    def __init__(self, workstation: Workstation) -> None:
        super().__init__()
        self.workstation = workstation
        self.hits: list[SearchHit] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search"):
            yield Static("[b]Find a case[/b]: name, case or account reference, or postcode")
            yield TextField(placeholder="search, then Enter", id="query", compact=True)
            yield DataTable(id="hits", cursor_type="row")
            yield TextField(
                placeholder="why you are opening another officer's case", id="reason", compact=True
            )
            yield Static("", id="search-message")

    def on_mount(self) -> None:
        self.query_one("#hits", DataTable).add_columns("Case", "Name", "Postcode", "Officer")

    @on(Input.Submitted, "#query")
    def run_search(self) -> None:
        self.find(self.query_one("#query", Input).value)

    def find(self, text: str) -> None:
        """Search off the UI thread (a newer search replaces this one)."""

        def search() -> list[SearchHit] | InputError:
            try:
                return self.workstation.search(text)
            except InputError as exc:
                return exc

        self.read(search, self._found)

    def _found(self, found: list[SearchHit] | InputError) -> None:
        if isinstance(found, InputError):
            self._message(problem(found.message))
        else:
            self._show(found)

    def _message(self, text: str | Content) -> None:
        self.query_one("#search-message", Static).update(text)

    def _show(self, hits: list[SearchHit]) -> None:
        self.hits = hits
        table = self.query_one("#hits", DataTable)
        table.clear()
        for hit in hits:
            table.add_row(
                *(Text(c) for c in (hit.reference, hit.name, hit.postcode, hit.officer_id or "-")),
                key=hit.case_id,
            )
        self._message(f"{len(hits)} found" if hits else "nothing found")
        if hits:
            table.focus()

    @on(DataTable.RowSelected, "#hits")
    @on(Input.Submitted, "#reason")
    def choose(self) -> None:
        table = self.query_one("#hits", DataTable)
        if not self.hits or table.cursor_row < 0:
            return
        hit = self.hits[table.cursor_row]
        if hit.officer_id == self.workstation.officer.id:
            self.dismiss(Opening(hit.case_id, "search: own case"))
            return
        reason = self.query_one("#reason", Input).value.strip()
        if not reason:
            self._message(
                Content.from_markup(
                    "[yellow]$reference is not on your queue: give a reason (it is recorded), "
                    "then Enter.[/yellow]",
                    reference=hit.reference,
                )
            )
            self.query_one("#reason", Input).focus()
            return
        self.dismiss(Opening(hit.case_id, f"search: {reason}"))

    def action_cancel(self) -> None:
        self.dismiss(None)
