"""The one look and behaviour of drp's small dialogs: centred, bordered, Esc goes back."""

from __future__ import annotations

import sys
from typing import Any, ClassVar, TypeVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widget import Widget
from textual.widgets import Button, Input, Select, Static
from textual.worker import Worker, WorkerState

from drp_tui.domain.errors import InputError, NoFigureError, NotPermitted, PolicyError
from drp_tui.store.errors import StoreError
from screens.text import problem as problem_text
from screens.widgets import TextField

ResultT = TypeVar("ResultT")


class Dialog(ModalScreen[ResultT]):
    DEFAULT_CSS = """
    Dialog {
        align: center middle;
    }
    Dialog > .dialog {
        width: 72;
        max-width: 100%;
        height: auto;
        max-height: 100%;
        border: thick $primary;
        background: $surface;
        padding: 0 1;
    }
    Dialog .field {
        height: auto;
    }
    Dialog .field Label {
        width: 12;
        padding: 0 1 0 0;
    }
    Dialog .field Input, Dialog .field Select {
        width: 1fr;
    }
    Dialog .message {
        height: auto;
    }
    Dialog .buttons {
        height: auto;
        margin-top: 1;
    }
    Dialog .buttons Button {
        margin-right: 1;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Back", id="dialog.cancel"),
    ]

    @on(Button.Pressed, "#back")
    def action_cancel(self) -> None:
        self.dismiss(None)

    def say(self, problem: str) -> None:
        """Show what to fix under the form, as written (it may quote what was typed)."""
        self.query_one("#message", Static).update(problem_text(problem))

    @on(Input.Changed)
    @on(Select.Changed)
    def field_changed(self) -> None:
        """What was said to fix was about the form as it was: it goes once a field changes
        (the next Save says again whatever is still wrong)."""
        for message in self.query("#message").results(Static):
            message.update("")


def last_field(screen: Screen[Any], field: Widget) -> bool:
    """Whether `field` is the last text field the officer can reach on `screen` (Enter there
    submits the form; Enter in another moves on to the next field)."""
    fields = [widget for widget in screen.focus_chain if isinstance(widget, Input)]
    return bool(fields) and fields[-1] is field


def buttons(confirm: str) -> ComposeResult:
    with Horizontal(classes="buttons"):
        yield Button(confirm, variant="primary", id="confirm", compact=True)
        yield Button("Back", id="back", compact=True)


class PromptModal(Dialog[str | None]):
    """One line of text the officer must give: a note, or the reason for an exception."""

    def __init__(self, title: str | Content, placeholder: str, confirm: str = "Save") -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.confirm = confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(self.title_text)
            yield TextField(placeholder=self.placeholder, id="text")
            yield Static("", id="message", classes="message")
            yield from buttons(self.confirm)

    @on(Input.Submitted)
    @on(Button.Pressed, "#confirm")
    def confirmed(self) -> None:
        text = self.query_one("#text", Input).value.strip()
        if not text:
            self.say("Write something first.")
            return
        self.dismiss(text)


def error_text(error: BaseException | None) -> str:
    """What went wrong, in a line: drp's own errors say it already; a database error is
    shown by the database's message alone (SQLAlchemy's text would show the SQL and its
    values, which may be personal data)."""
    if isinstance(error, InputError | PolicyError | NoFigureError | NotPermitted | StoreError):
        return str(error)
    database_message = getattr(error, "orig", None)
    if database_message is not None:
        return f"the store said '{database_message}'"
    return f"{type(error).__name__}: {error}"


class ErrorDialog(Dialog[None]):
    """Something failed: what happened, that nothing was lost, and what to do next."""

    DEFAULT_CSS = """
    ErrorDialog > .dialog {
        border: thick $error;
    }
    """

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="error-dialog"):
            yield Static(Content.from_markup("[b red]$title[/b red]", title=self.title_text))
            yield Static(self.text, markup=False)  # an error's text may quote data
            with Horizontal(classes="buttons"):
                yield Button("OK", variant="error", id="back", compact=True)

    def on_mount(self) -> None:
        back = self.query("#back").results(Button)
        for button in back:
            button.focus()
            return
        # Shown as the app closes (Textual mounts nothing on a closing screen): the failure
        # is told on the terminal, as report_failure does once the app has closed, instead of
        # the app failing on the way out. Seen once under heavy load in a stress run.
        print(f"drp: {self.title_text}: {' '.join(self.text.split())}", file=sys.stderr)


def show_failure(app: App[Any], error: BaseException | None) -> None:
    """Something the officer asked for failed: say what, and that nothing was lost."""
    app.push_screen(
        ErrorDialog(
            "That did not work",
            f"{error_text(error)}\n\nNothing was saved and nothing is lost: the case is as it "
            "was before. Try again; if it happens again, tell your supervisor what you were "
            "doing.",
        )
    )


class ShowsFailures:
    """For screens that run store work in workers. A worker's state messages go to the
    screen that started it and do not bubble, so each such screen reports its own
    failures; each write is one transaction, so a failed one has changed nothing."""

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state == WorkerState.ERROR:
            assert isinstance(self, Screen)
            show_failure(self.app, event.worker.error)
