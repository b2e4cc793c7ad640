"""A choice among a few fixed values in one line of a form, made from the keyboard."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget


class ChoiceField(Widget, can_focus=True):
    """One of a few values, shown as its label: ← and → step through them, and a letter
    picks the value whose label (or value) it starts (w for week; f again goes on from
    fortnight to four weeks). The affordability form has one on each of its twenty-two
    lines: a Select there is five widgets with a menu overlay, so opening the form built and
    styled a hundred widgets more, and choosing took a menu.
    Digits are not choices: one typed into the wrong field must not change a frequency."""

    DEFAULT_CSS = """
    ChoiceField {
        width: 13;
        height: 1;
        padding: 0 1;
        background: $surface;
        &:focus {
            background: $accent 45%;
            text-style: bold;
        }
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "step(-1)", "Previous choice", show=False),
        Binding("right,space", "step(1)", "Next choice", show=False),
        Binding("enter", "app.focus_next", "Next field", show=False),  # as in the builder
    ]

    value: reactive[str] = reactive("", init=False)

    class Changed(Message):
        """The value changed (as Select.Changed: `control` is the field)."""

        def __init__(self, field: ChoiceField, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> ChoiceField:
            return self.field

    def __init__(
        self, choices: Sequence[tuple[str, str]], value: str, *, id: str | None = None
    ) -> None:
        """`choices` are (label, value) pairs, in the order ← and → step through them."""
        super().__init__(id=id)
        self.labels = {choice: label for label, choice in choices}
        self.set_reactive(ChoiceField.value, self.validate_value(value))  # no Changed yet

    def validate_value(self, value: str) -> str:
        if value not in self.labels:
            raise ValueError(f"{value!r} is not one of {list(self.labels)}")
        return value

    def watch_value(self, value: str) -> None:
        self.post_message(self.Changed(self, value))

    def render(self) -> Text:
        """◂ month ▸ while it has focus, so the officer sees it steps."""
        label = self.labels[self.value]
        shown = f"◂{label:^9}▸" if self.has_focus else f" {label:<9} "
        return Text(shown, no_wrap=True, overflow="ellipsis")

    def on_focus(self) -> None:
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def action_step(self, by: int) -> None:
        order = list(self.labels)
        self.value = order[(order.index(self.value) + by) % len(order)]

    def on_key(self, event: events.Key) -> None:
        letter = (event.character or "").lower()
        if not letter.isalpha():
            return
        starting = [
            v for v, label in self.labels.items()
            if label.lower().startswith(letter) or v.startswith(letter)
        ]  # fmt: skip
        if not starting:
            return
        event.stop()
        event.prevent_default()
        # The same letter again goes on to the next choice it starts (f: fortnightly, then
        # four-weekly), as in a menu.
        at = starting.index(self.value) + 1 if self.value in starting else 0
        self.value = starting[at % len(starting)]
