"""F1: every key, screen by screen, read from the screens' own bindings so it never drifts."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal
from screens.debtor import DebtorScreen
from screens.dialog import PromptModal
from screens.idv import IdvModal
from screens.outcome import OutcomeModal
from screens.queue import QueueScreen
from screens.search import SearchModal

SCREENS = (
    ("Queue", QueueScreen),
    ("Case", DebtorScreen),
    ("ID&V", IdvModal),
    ("Outcome", OutcomeModal),
    ("Arrangement", ArrangementModal),
    ("Affordability", AffordabilityScreen),
    ("Note or reason", PromptModal),
    ("Search", SearchModal),
)


def key_name(key: str) -> str:
    return {"escape": "Esc", "enter": "Enter", "slash": "/"}.get(key, key.replace("ctrl+", "Ctrl+"))


def help_text() -> str:
    lines = ["[b]Keys[/b]  (everywhere: F1 this help, Tab / Shift+Tab move between fields)"]
    for title, screen in SCREENS:
        bindings = [b for b in screen.BINDINGS if isinstance(b, Binding)]
        keys = "   ".join(f"[b]{key_name(b.key)}[/b] {b.description}" for b in bindings)
        lines.append(f"\n[u]{title}[/u]\n{keys}")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())
