"""The Textual app: the composition root. It builds nothing itself; `create_app` takes the
workstation's services and the first screen is the officer's queue."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from time import monotonic
from typing import Any, ClassVar

from textual import events, on
from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.widgets import Input

from drp_tui.domain.errors import InputError
from drp_tui.idle_gc import TICK_SECONDS, IdleCollector
from drp_tui.read_ahead import QueueReadAhead
from drp_tui.services.workstation import Workstation, open_workstation
from drp_tui.settings import Settings
from screens import STYLESHEETS
from screens.dialog import error_text
from screens.keyorder import KeysInOrder
from screens.queue import QueueScreen


class DrpApp(KeysInOrder):
    TITLE = "drp"
    CSS_PATH = STYLESHEETS  # all read as the app starts (see screens/__init__.py)
    # The field with focus, plainly: a compact field (the affordability form's, the
    # builder's, the queue's filters) showed focus by one grey step of background.
    CSS = """
    Input.-textual-compact:focus, Select.-textual-compact:focus > SelectCurrent {
        background: $accent 45%;
        text-style: bold;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f1", "help", "Help", id="app.help"),
        # `/` on a case: the queue's search, once the call is left (the queue binds its own).
        Binding("slash", "search", "Search", show=False),
    ]

    def __init__(
        self,
        workstation: Workstation,
        keymap: Mapping[str, str] | None = None,
        read_ahead: QueueReadAhead | None = None,
        cursor_blink: bool = True,
        idle_clock: Callable[[], float] = monotonic,
    ) -> None:
        super().__init__()
        self.workstation = workstation
        self.keymap = dict(keymap or {})
        self.cursor_blink = cursor_blink
        self.queue_read_ahead = read_ahead
        self.idle_gc = IdleCollector()
        self.idle_clock = idle_clock  # seconds, for the idle collector; tests move their own
        self.unclosed: str | None = None  # the call Ctrl+Q could not close: again, quits

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        self.idle_gc.start(self.idle_clock())
        self.set_interval(TICK_SECONDS, self.collect_when_idle)
        self.push_screen(QueueScreen(self.workstation, self.queue_read_ahead))

    def on_unmount(self) -> None:
        self.idle_gc.stop()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.InputEvent):
            self.idle_gc.activity(self.idle_clock())
        await super().on_event(event)

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """drp's own fields take the setting as they mount (screens.widgets.TextField);
        this covers the one text field drp does not build, the command palette's."""
        if not self.cursor_blink and isinstance(event.widget, Input):
            event.widget.cursor_blink = False

    @on(QueueScreen.Loaded)
    def _queue_loaded(self) -> None:
        # Not collecting while the queue is drawn; and the first idle collection, which
        # freezes what is alive, then includes the queue.
        self.idle_gc.activity(self.idle_clock())

    def collect_when_idle(self) -> None:
        """A full garbage collection if the officer has been idle (every half second)."""
        self.idle_gc.tick(self.idle_clock())

    def action_help(self) -> None:
        from screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.keymap))

    def action_search(self) -> None:
        """Search from a case: the call is left as Esc leaves it (its outcome asked for if
        anything was recorded on it), then the queue opens its search."""
        from screens.debtor import DebtorScreen

        if isinstance(self.screen, DebtorScreen):
            self.screen.leave("search")

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Ctrl+P lists what the current screen can do, with its key, then help, the theme
        and quit."""
        for binding in screen.BINDINGS:
            if not isinstance(binding, Binding) or binding.action == "app.quit":
                continue
            if screen.check_action(binding.action, ()) is False:
                continue
            key = self.keymap.get(binding.id or "", binding.key)
            yield SystemCommand(
                binding.description,
                f"{binding.tooltip or binding.description} (key: {key})",
                partial(screen.run_action, binding.action),
            )
        yield SystemCommand("Help", "Every key, screen by screen (key: f1)", self.action_help)
        # Textual's own theme chooser (its default command, dropped with the others above).
        yield SystemCommand("Theme", "Change drp's colours", self.action_change_theme)
        yield SystemCommand("Quit", "Leave drp", self.action_quit)

    async def action_quit(self) -> None:
        """Ctrl+Q, q and the palette's Quit: a call still open is finished first (marked not
        dialled if nothing happened on it, otherwise its outcome is asked for); a case still
        opening does not open."""
        from screens.debtor import DebtorScreen

        calls = [s for s in self.screen_stack if isinstance(s, DebtorScreen) and s.on_call]
        if not calls:  # a case opening meanwhile (the next one) is withdrawn first
            queues = [s for s in self.screen_stack if isinstance(s, QueueScreen)]
            if queues:
                queues[0].withdraw(self.exit)
            else:
                self.exit()
            return
        call = calls[-1].call
        if call is not None and call.id == self.unclosed:
            self.exit()  # as the officer was told: the call comes back as cut off
            return
        while self.screen is not calls[-1]:
            self.pop_screen()  # a form over the call: quitting would lose it anyway
        calls[-1].leave("quit", None if call is None else partial(self._unclosed, call.id))

    def _unclosed(self, call_id: str, error: Exception) -> str:
        """Leaving the call to quit failed (the store busy, say): the next Ctrl+Q quits with
        it open, and it comes back as cut off when drp next starts."""
        self.unclosed = call_id
        return (
            f"Call not closed: {error_text(error)}. Ctrl+Q again quits; the call will show "
            "as cut off when drp next starts (record its outcome then)."
        )


def create_app(
    settings: Settings,
    workstation: Workstation | None = None,
    read_ahead: QueueReadAhead | None = None,
    idle_clock: Callable[[], float] = monotonic,
) -> DrpApp:
    """The one way the app is built: by `drp`, `drp demo` and the tests. `drp` passes the
    workstation it opened and the queue it is reading ahead (`drp_tui.cli.main.desk_app`);
    tests, a clock for the idle collector that they move themselves."""
    if settings.keymap:  # checking it loads every screen: the case screens wait for Enter
        _check_keymap(settings.keymap)
    return DrpApp(
        workstation or open_workstation(settings),
        settings.keymap,
        read_ahead,
        cursor_blink=settings.cursor_blink,
        idle_clock=idle_clock,
    )


def _check_keymap(keymap: Mapping[str, str]) -> None:
    from screens.help import binding_ids

    unknown = sorted(set(keymap) - binding_ids())
    if unknown:
        raise InputError(
            "keymap",
            f"{unknown[0]!r} is not a binding id; use one of {', '.join(sorted(binding_ids()))}",
        )
