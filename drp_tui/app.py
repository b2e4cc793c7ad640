"""The Textual app: the composition root. It builds nothing itself; `create_app` takes the
workstation's services and the first screen is the officer's queue."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App
from textual.binding import Binding, BindingType

from drp_tui.services.workstation import Workstation, open_workstation
from drp_tui.settings import Settings
from screens.queue import QueueScreen


class DrpApp(App[None]):
    TITLE = "drp"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
    ]

    def __init__(self, workstation: Workstation) -> None:
        super().__init__()
        self.workstation = workstation

    def on_mount(self) -> None:
        self.push_screen(QueueScreen(self.workstation))

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())


def create_app(settings: Settings) -> DrpApp:
    """The one way the app is built: by `drp`, `drp demo` and the tests."""
    return DrpApp(open_workstation(settings))
