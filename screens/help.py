"""F1: every key, screen by screen, read from the screens' own bindings so it never drifts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import ModalScreen
from textual.widgets import Static

from drp_tui.settings import default_config_path
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal
from screens.choice import ChoiceField
from screens.debtor import DebtorScreen
from screens.dialog import PromptModal
from screens.diary import DiaryModal
from screens.history import HistoryBox
from screens.idv import IdvModal
from screens.letters import LetterModal
from screens.outcome import OutcomeModal
from screens.queue import QueueScreen
from screens.search import SearchModal

SCREENS: tuple[tuple[str, type[DOMNode]], ...] = (
    ("Queue", QueueScreen),
    ("Diary", DiaryModal),
    ("Case", DebtorScreen),
    ("Case history", HistoryBox),
    ("ID&V", IdvModal),
    ("Outcome", OutcomeModal),
    ("Arrangement", ArrangementModal),
    ("Affordability", AffordabilityScreen),
    ("A frequency or other choice (or type the first letter of one)", ChoiceField),
    ("Note or reason", PromptModal),
    ("Search", SearchModal),
    ("Letter or email", LetterModal),
)


def key_name(key: str) -> str:
    """As printed on the keyboard: `ctrl+s` is Ctrl+S, `alt+up` Alt+↑."""
    if "," in key:
        return " or ".join(key_name(one) for one in key.split(","))
    names = {
        "escape": "Esc",
        "enter": "Enter",
        "slash": "/",
        "space": "Space",
        "up": "↑",
        "down": "↓",
        "left": "←",
        "right": "→",
    }
    *modifiers, last = key.split("+")
    if modifiers and len(last) == 1:
        last = last.upper()
    return "+".join([m.capitalize() for m in modifiers] + [names.get(last, last)])


def bindings_of(screen: type[DOMNode]) -> list[Binding]:
    return [b for b in screen.BINDINGS if isinstance(b, Binding)]


def binding_ids() -> set[str]:
    """Every binding id a keymap may name."""
    from drp_tui.app import DrpApp

    ids = {b.id for _, screen in SCREENS for b in bindings_of(screen)}
    ids |= {b.id for b in DrpApp.BINDINGS if isinstance(b, Binding)}
    return {i for i in ids if i}


def help_text(keymap: Mapping[str, str]) -> str:
    lines = [
        "[b]Keys[/b]  (everywhere: F1 this help, Ctrl+P the current screen's actions and "
        "the colour theme, Tab / Shift+Tab move between fields)"
    ]
    for title, screen in SCREENS:
        keys = "   ".join(
            f"[b]{key_name(keymap.get(b.id or '', b.key))}[/b] {b.description}"
            for b in bindings_of(screen)
        )
        lines.append(f"\n[u]{title}[/u]\n{keys}")
    lines.append(
        f"\nKeys can be changed in {escape(str(default_config_path()))}: under "
        + escape("[keymap]")
        + ' a binding id and its keys, e.g. "debtor.idv" = "v". Ids: '
        + ", ".join(sorted(binding_ids()))
    )
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    CSS_PATH = "help.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "dismiss", "Close", id="help.close"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = keymap

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text(self.keymap))
