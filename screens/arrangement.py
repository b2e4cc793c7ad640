"""The arrangement builder: the debts it covers (all of the case's, in the order policy pays
them), a schedule previewed as the officer types, with the policy's warnings and errors
beside it."""

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
from textual.widgets import Button, DataTable, Input, Label, SelectionList, Static
from textual.widgets.selection_list import Selection

from drp_tui.domain.apply_order import per_instalment
from drp_tui.domain.errors import InputError
from drp_tui.domain.schedule import FREQUENCIES, Frequency, Schedule
from drp_tui.services.arrangements import ArrangementPreview
from drp_tui.services.caseview import DebtLine
from screens.choice import ChoiceField
from screens.dialog import last_field
from screens.kept import KeptStyles
from screens.text import LINE, caution, problem
from screens.widgets import TextField


@dataclass(frozen=True)
class ArrangementPlan:
    """What the builder showed when confirmed: the debts in the order paid, the fields as
    typed (the save builds the schedule from them again), and the schedule they gave."""

    debts: tuple[DebtLine, ...]
    fields: dict[str, str]
    surplus: Decimal | None
    schedule: Schedule


Preview = Callable[[Sequence[DebtLine], dict[str, str], Decimal | None], ArrangementPreview]
INPUTS = {  # id: (label, placeholder)
    "total": ("Total", "£0.00"),
    "first": ("First due", "YYYY-MM-DD"),
    "instalment": ("Instalment", "£ each, or"),
    "count": ("How many", "number of payments, or"),
    "clear_by": ("Clear by", "YYYY-MM-DD"),
    "override": ("Override", "reason, to go past a policy limit or order"),
}


def debt_label(debt: DebtLine) -> Text:
    period = f" {debt.period}" if debt.period else ""
    return Text(f"{debt.type_name} {debt.reference}{period} £{debt.balance:,.2f}")


class ArrangementModal(KeptStyles, ModalScreen[ArrangementPlan | None]):
    CSS_PATH = "arrangement.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to the case", id="arrangement.cancel"),
        Binding("alt+up", "move(-1)", "Pay earlier", id="arrangement.earlier", show=False),
        Binding("alt+down", "move(1)", "Pay later", id="arrangement.later", show=False),
    ]

    def __init__(
        self,
        debts: Sequence[DebtLine],
        preview: Preview,
        first_default: str,
        surplus: Decimal | None = None,
    ) -> None:
        """`debts` in the order policy pays them; `surplus` the council's monthly offer
        from the affordability assessment, if the officer used it."""
        super().__init__()
        self.preview = preview
        self.debts: dict[str, DebtLine] = {}
        self.order: list[str] = []
        self.first_default = first_default
        self.surplus = surplus
        self.offered = ""  # the instalment filled in from the surplus, while untouched
        self.schedule: Schedule | None = None
        self.begin(debts, first_default, surplus)

    def begin(self, debts: Sequence[DebtLine], first_default: str, surplus: Decimal | None) -> None:
        """Start again for an open of `r`: built once for the case screen and kept (as the
        affordability form), it is a screen shown, not one built and styled from nothing.
        Nothing typed, unticked or chosen on an earlier open is kept."""
        self.debts = {d.id: d for d in debts}
        self.order = [d.id for d in debts]
        self.first_default, self.surplus = first_default, surplus
        self.offered, self.schedule = "", None
        if not self.is_mounted:
            return  # composed from these on mount
        with self.prevent(Input.Changed, ChoiceField.Changed, SelectionList.SelectedChanged):
            for key in INPUTS:
                self.query_one(f"#{key}", Input).value = ""
            self.query_one("#frequency", ChoiceField).value = "monthly"
            self.show_debts(set(self.order), highlighted=0)
        self.query_one("#arrangement", Vertical).scroll_home(animate=False)
        self.start()
        self.query_one("#debts", SelectionList).focus()

    def compose(self) -> ComposeResult:
        with Vertical(id="arrangement"):
            yield Static("[b]Arrangement[/b]", id="arrangement-title")
            with Horizontal(classes="field"):
                yield Label("Debts")
                yield SelectionList[str](
                    *(Selection(debt_label(self.debts[i]), i, True) for i in self.order),
                    id="debts",
                    compact=True,
                )
            yield Static("", id="order")
            with Horizontal(classes="field"):
                yield Label("Every")
                yield ChoiceField([(f, f) for f in FREQUENCIES], "monthly", id="frequency")
            for key, (label, placeholder) in INPUTS.items():
                with Horizontal(classes="field"):
                    yield Label(label)
                    yield TextField(placeholder=placeholder, id=key, compact=True)
            yield Static("", id="checks")
            yield DataTable(id="preview", show_cursor=False)
            with Horizontal(id="arrangement-buttons"):
                yield Button(
                    "Confirm", variant="primary", id="confirm", disabled=True, compact=True
                )
                yield Button("Back", id="back", compact=True)

    def on_mount(self) -> None:
        self.start()

    def start(self) -> None:
        """The figures an open starts from: the debts' total, the offer, the first date; the
        schedule's columns sized afresh (a kept table keeps the widths of the last one)."""
        self.query_one("#preview", DataTable).clear(columns=True).add_columns("#", "Due", "Amount")
        with self.prevent(Input.Changed):
            self.query_one("#total", Input).value = self.owed()
            self.offer_instalment()
            self.query_one("#first", Input).value = self.first_default
        self.refresh_preview()

    def chosen(self) -> list[DebtLine]:
        """The debts ticked, in the order shown (the order they are paid in)."""
        ticked = set(self.query_one("#debts", SelectionList).selected)
        return [self.debts[i] for i in self.order if i in ticked]

    def owed(self) -> str:
        return f"{sum((d.balance or Decimal(0) for d in self.chosen()), Decimal(0)):.2f}"

    def frequency(self) -> Frequency:
        value = self.query_one("#frequency", ChoiceField).value
        return next(f for f in FREQUENCIES if f == value)

    def offer_instalment(self) -> None:
        """The council's monthly offer as an instalment at the chosen frequency, unless the
        officer has typed their own."""
        if self.surplus is None:
            return
        instalment = self.query_one("#instalment", Input)
        if instalment.value not in ("", self.offered):
            return
        self.offered = f"{per_instalment(self.surplus, self.frequency()):.2f}"
        instalment.value = self.offered

    @on(SelectionList.SelectedChanged, "#debts")
    def debts_changed(self) -> None:
        self.query_one("#total", Input).value = self.owed()
        self.refresh_preview()

    @on(ChoiceField.Changed, "#frequency")
    def frequency_changed(self) -> None:
        self.offer_instalment()
        self.refresh_preview()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Alt+Up/Alt+Down reorder from the debts list, not while a figure is being typed."""
        return not (action == "move" and isinstance(self.focused, Input))

    def action_move(self, step: int) -> None:
        """Pay the highlighted debt earlier or later (past policy, an override reason)."""
        debts = self.query_one("#debts", SelectionList)
        at = debts.highlighted
        if at is None or not 0 <= at + step < len(self.order):
            return
        self.order[at], self.order[at + step] = self.order[at + step], self.order[at]
        self.show_debts(set(debts.selected), highlighted=at + step)
        self.refresh_preview()

    def show_debts(self, ticked: set[str], highlighted: int) -> None:
        debts = self.query_one("#debts", SelectionList)
        debts.clear_options()
        debts.add_options(Selection(debt_label(self.debts[i]), i, i in ticked) for i in self.order)
        debts.highlighted = highlighted

    def fields(self) -> dict[str, str]:
        """The form as typed, with the frequency chosen."""
        fields = {key: self.query_one(f"#{key}", Input).value for key in INPUTS}
        fields["frequency"] = self.frequency()
        return fields

    @on(Input.Changed)
    def refresh_preview(self) -> None:
        """Every keystroke: rebuild the schedule (tens of microseconds) and show it."""
        fields = self.fields()
        chosen = self.chosen()
        table = self.query_one("#preview", DataTable)
        checks = self.query_one("#checks", Static)
        confirm = self.query_one("#confirm", Button)
        table.clear()
        self.show_order(chosen, None)
        try:
            preview = self.preview(chosen, fields, self.surplus)
        except InputError as exc:
            self.schedule = None
            checks.update(problem(f"{exc.field}: {exc.message}"))
            confirm.disabled = True
            return
        self.show_order(chosen, preview)
        self.schedule = schedule = preview.schedule
        for number, item in enumerate(schedule.instalments, start=1):
            table.add_row(str(number), f"{item.due:%a %d %b %Y}", f"£{item.amount:,.2f}")
        lines = [problem(f.message) for f in schedule.errors]
        lines += [caution(f.message) for f in schedule.warnings]
        if schedule.possible:
            lines.insert(
                0, Content(f"{len(schedule.instalments)} payments totalling £{schedule.total:,.2f}")
            )
        checks.update(LINE.join(lines))
        confirm.disabled = not schedule.possible or bool(schedule.errors)

    def show_order(self, chosen: Sequence[DebtLine], preview: ArrangementPreview | None) -> None:
        covers = {d.id: amount for d, amount in preview.covers} if preview else {}
        parts = []
        for position, debt in enumerate(chosen, start=1):
            amount = covers.get(debt.id, debt.balance) or Decimal(0)
            part = (
                ""
                if amount == debt.balance
                else " (not reached)"
                if amount <= 0
                else f" (£{amount:,.2f} of it)"
            )
            parts.append(f"{position}. {debt.type_name} £{debt.balance:,.2f}{part}")
        self.query_one("#order", Static).update(
            Content("Paid in order: " + " · ".join(parts)) if parts else problem("no debt chosen")
        )

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter: on to the next field; in the last one (Override), confirm."""
        if last_field(self, event.input):
            self.confirm()
        else:
            self.focus_next()

    @on(Button.Pressed, "#confirm")
    def confirm(self) -> None:
        if self.schedule is None or not self.schedule.possible or self.schedule.errors:
            return
        self.dismiss(
            ArrangementPlan(tuple(self.chosen()), self.fields(), self.surplus, self.schedule)
        )

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)
