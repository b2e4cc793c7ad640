"""Textual's stock widgets, changed only where they made drp slow."""

from __future__ import annotations

from collections.abc import Hashable

from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Footer, Input


class KeysFooter(Footer):
    """Textual's footer, rebuilt only when the keys it shows change. The stock one rebuilds
    itself (a dozen widgets mounted, the screen laid out again) whenever focus moves or a
    screen comes back, which was a frame's worth of work each time a case opened."""

    def __init__(self, *, show_command_palette: bool = True) -> None:
        super().__init__(show_command_palette=show_command_palette)
        self._shown: Hashable = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = tuple(
            (key, active.binding.description, active.binding.show, active.enabled)
            for key, active in screen.active_bindings.items()
        )
        if shown == self._shown:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._shown = shown  # the stock footer rebuilt itself for these


class FormInput(Input):
    """An Input for a form of many fields, each a fixed width in the CSS. The stock Input
    records the width of its text as a change of layout, so every keystroke laid out the
    whole screen again (about 200 widgets in the affordability form); the box does not
    change size with its text, so redrawing the field is enough. It still scrolls its text
    (the virtual size is kept, only the layout pass is skipped)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
