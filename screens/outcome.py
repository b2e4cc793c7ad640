"""The outcome of a call: the code, and the fields that code needs (DOMAIN.md §13)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from drp_tui.domain.errors import InputError
from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.services.calls import Outcome
from screens.dialog import last_field
from screens.text import problem
from screens.widgets import TextField

FIELDS = {
    "amount": ("Amount", "£0.00"),
    "date": ("Date", "YYYY-MM-DD"),
    "callback_at": ("Callback", "YYYY-MM-DD HH:MM"),
    "reason": ("Reason", ""),
}


class OutcomeModal(ModalScreen[Outcome | None]):
    CSS_PATH = "outcome.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back to the case", id="outcome.cancel"),
    ]

    def __init__(
        self,
        codes: Sequence[OutcomeCode],
        phones: Sequence[tuple[str, str, str]],
        build: Callable[[OutcomeCode, dict[str, str]], Outcome],
        prompt: str = "",
        preset: str | None = None,
    ) -> None:
        super().__init__()
        self.codes = {c.code: c for c in codes}
        self.phones = phones
        self.build = build
        self.prompt = prompt
        self.preset = preset

    def compose(self) -> ComposeResult:
        with Vertical(id="outcome"):
            yield Static(self.prompt or "[b]Outcome[/b] of this call", id="outcome-title")
            yield Select(
                [(f"{c.code} · {c.name}", c.code) for c in self.codes.values()],
                prompt="Choose the outcome",
                id="code",
            )
            for key, (label, placeholder) in FIELDS.items():
                with Horizontal(classes="field", id=f"row-{key}"):
                    yield Label(label)
                    yield TextField(placeholder=placeholder, id=key)
            with Horizontal(classes="field", id="row-phone"):
                yield Label("Number")
                yield Select(
                    [(Text(number), phone_id) for phone_id, number, _ in self.phones],
                    prompt="Which number?",
                    id="phone",
                )
            with Horizontal(classes="field", id="row-notes"):
                yield Label("Notes")
                yield TextField(id="notes")
            yield Static("", id="error")
            with Horizontal(id="outcome-buttons"):
                yield Button("Save", variant="primary", id="save")
                yield Button("Back", id="back")

    def on_mount(self) -> None:
        code = self.codes.get(self.preset or "")
        self._show_fields(code)
        if code is not None:  # chosen by its key (p): the cursor in its first field
            self.query_one("#code", Select).value = code.code
            first = next(key for key in (*FIELDS, "phone", "notes") if self._shown(key))
            self.query_one(f"#{first}").focus()

    def _shown(self, key: str) -> bool:
        return key == "notes" or bool(self.query_one(f"#row-{key}").display)

    @on(Select.Changed, "#code")
    def chosen(self, event: Select.Changed) -> None:
        code = None if event.select.is_blank() else self.codes.get(str(event.value))
        self._show_fields(code)

    def _show_fields(self, code: OutcomeCode | None) -> None:
        needs = set(code.needs) if code else set()
        for key in (*FIELDS, "phone"):
            self.query_one(f"#row-{key}").display = key in needs
        self.query_one("#error", Static).update("")

    @on(Input.Changed)
    def field_changed(self) -> None:
        """The error said was about the form as it was: it goes once a field changes."""
        self.query_one("#error", Static).update("")

    @on(Input.Submitted)
    def submitted(self, event: Input.Submitted) -> None:
        """Enter: on to the next field; in the last one (Notes), save."""
        if last_field(self, event.input):
            self.save()
        else:
            self.focus_next()

    @on(Button.Pressed, "#save")
    def save(self) -> None:
        select = self.query_one("#code", Select)
        value = select.value
        error = self.query_one("#error", Static)
        if select.is_blank():
            error.update(problem("Choose an outcome."))
            return
        code = self.codes[str(value)]
        fields = {key: self.query_one(f"#{key}", Input).value for key in (*FIELDS, "notes")}
        phone = self.query_one("#phone", Select)
        fields["phone"] = "" if phone.is_blank() else str(phone.value)
        try:
            outcome = self.build(code, fields)
        except InputError as exc:
            error.update(problem(f"{exc.field}: {exc.message}"))
            if exc.field in FIELDS:  # e.g. a promise past policy limits asks for a reason
                self.query_one(f"#row-{exc.field}").display = True
            return
        self.dismiss(outcome)

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)
