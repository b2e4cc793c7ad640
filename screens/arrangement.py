"""The arrangement builder: a schedule previewed as the officer types, with the policy's
warnings and errors beside it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from drp_tui.domain.errors import InputError
from drp_tui.domain.schedule import FREQUENCIES, Frequency, Schedule
from drp_tui.services.caseview import DebtLine
from screens.text import LINE, caution, problem


@dataclass(frozen=True)
class ArrangementPlan:
    debt_id: str
    frequency: Frequency
    schedule: Schedule
    override_reason: str | None


Preview = Callable[[DebtLine, dict[str, str]], Schedule]
INPUTS = {  # id: (label, placeholder)
    "total": ("Total", "£0.00"),
    "first": ("First due", "YYYY-MM-DD"),
    "instalment": ("Instalment", "£ each, or"),
    "count": ("How many", "number of payments, or"),
    "clear_by": ("Clear by", "YYYY-MM-DD"),
    "override": ("Override", "reason, to go past a policy limit"),
}


class ArrangementModal(ModalScreen[ArrangementPlan | None]):
    CSS_PATH = "arrangement.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to the case", id="arrangement.cancel"),
    ]

    def __init__(
        self,
        debts: Sequence[DebtLine],
        preview: Preview,
        first_default: str,
        surplus: Decimal | None = None,
    ) -> None:
        super().__init__()
        self.debts = {d.id: d for d in debts}
        self.preview = preview
        self.first_default = first_default
        self.surplus = surplus
        self.schedule: Schedule | None = None

    def compose(self) -> ComposeResult:
        with Vertical(id="arrangement"):
            yield Static("[b]Arrangement[/b]", id="arrangement-title")
            with Horizontal(classes="field"):
                yield Label("Debt")
                yield Select(
                    [
                        (Text(f"{d.type_name} {d.reference} £{d.balance:,.2f}"), d.id)
                        for d in self.debts.values()
                    ],
                    allow_blank=False,
                    id="debt",
                    compact=True,
                )
            with Horizontal(classes="field"):
                yield Label("Every")
                yield Select(
                    [(f, f) for f in FREQUENCIES],
                    value="monthly",
                    allow_blank=False,
                    id="frequency",
                    compact=True,
                )
            for key, (label, placeholder) in INPUTS.items():
                with Horizontal(classes="field"):
                    yield Label(label)
                    yield Input(placeholder=placeholder, id=key, compact=True)
            yield Static("", id="checks")
            yield DataTable(id="preview", show_cursor=False)
            with Horizontal(id="arrangement-buttons"):
                yield Button(
                    "Confirm", variant="primary", id="confirm", disabled=True, compact=True
                )
                yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        debt = next(iter(self.debts.values()))
        self.query_one("#total", Input).value = f"{debt.balance:.2f}"
        if self.surplus is not None:  # from the affordability assessment
            self.query_one("#instalment", Input).value = f"{self.surplus:.2f}"
        self.query_one("#first", Input).value = self.first_default
        self.query_one("#preview", DataTable).add_columns("#", "Due", "Amount")
        self.refresh_preview()

    @on(Select.Changed, "#debt")
    def debt_changed(self) -> None:
        debt = self.debts[str(self.query_one("#debt", Select).value)]
        self.query_one("#total", Input).value = f"{debt.balance:.2f}"

    @on(Input.Changed)
    @on(Select.Changed, "#frequency")
    def refresh_preview(self) -> None:
        """Every keystroke: rebuild the schedule (tens of microseconds) and show it."""
        fields = {key: self.query_one(f"#{key}", Input).value for key in INPUTS}
        fields["frequency"] = str(self.query_one("#frequency", Select).value)
        debt = self.debts[str(self.query_one("#debt", Select).value)]
        table = self.query_one("#preview", DataTable)
        checks = self.query_one("#checks", Static)
        confirm = self.query_one("#confirm", Button)
        table.clear()
        try:
            schedule = self.preview(debt, fields)
        except InputError as exc:
            self.schedule = None
            checks.update(problem(f"{exc.field}: {exc.message}"))
            confirm.disabled = True
            return
        self.schedule = schedule
        for number, item in enumerate(schedule.instalments, start=1):
            table.add_row(str(number), f"{item.due:%a %d %b %Y}", f"£{item.amount:,.2f}")
        lines = [problem(f.message) for f in schedule.errors]
        lines += [caution(f.message) for f in schedule.warnings]
        regular = schedule.instalments[0].amount if schedule.instalments else None
        if self.surplus is not None and regular is not None and regular > self.surplus:
            lines.append(
                caution(
                    f"instalments of £{regular:,.2f} are above the assessed surplus of "
                    f"£{self.surplus:,.2f} a month"
                )
            )
        if schedule.possible:
            lines.insert(
                0, Content(f"{len(schedule.instalments)} payments totalling £{schedule.total:,.2f}")
            )
        checks.update(LINE.join(lines))
        confirm.disabled = not schedule.possible or bool(schedule.errors)

    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        if self.schedule is None or not self.schedule.possible or self.schedule.errors:
            return
        frequency = str(self.query_one("#frequency", Select).value)
        assert frequency in FREQUENCIES
        override = self.query_one("#override", Input).value.strip() or None
        self.dismiss(
            ArrangementPlan(
                str(self.query_one("#debt", Select).value),
                frequency,
                self.schedule,
                override,
            )
        )

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)
