"""The one place drp leans on Textual beyond its public API: the stock footer and text
field, changed where they made drp slow, and (for tests) the footer's key widgets. There is
no public way to do either: the footer's rebuild hook and the field's `virtual_size`
reactive are Textual's own. `TESTED_WITH` is the Textual major version these were checked
against; `check_textual` (run by tests/test_textual_adapter.py) fails loudly when another
release is installed, or the hooks have moved, so the next upgrade looks here first."""

from __future__ import annotations

import inspect
from collections.abc import Hashable
from typing import Any

import textual
from textual.geometry import Size
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Input

TESTED_WITH = 8  # textual's major version (pyproject pins textual>=8.2,<9)


def check_textual() -> list[str]:
    """What no longer holds for this module on the installed Textual; empty if all does."""
    problems = []
    major = int(textual.__version__.split(".")[0])
    if major != TESTED_WITH:
        problems.append(
            f"textual {textual.__version__}: screens/widgets.py was checked on {TESTED_WITH}.x"
        )
    hook = getattr(Footer, "bindings_changed", None)
    if hook is None or list(inspect.signature(hook).parameters) != ["self", "screen"]:
        problems.append("Footer.bindings_changed(self, screen) is gone or changed")
    if not isinstance(
        Input.__dict__.get("virtual_size", Widget.__dict__.get("virtual_size")), Reactive
    ):
        problems.append("Input.virtual_size is no longer a reactive")
    try:
        from textual.widgets._footer import FooterKey  # noqa: F401
    except ImportError:
        problems.append("textual.widgets._footer.FooterKey is gone")
    return problems


def footer_keys(footer: Footer) -> list[Any]:
    """The footer's widgets, one for each key it shows, with its `description` (for tests)."""
    from textual.widgets._footer import FooterKey

    return list(footer.query(FooterKey))


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


class TextField(Input):
    """Every text field in drp. It takes the officer's `cursor_blink` setting from the app
    as it mounts, before it can get focus: a field turned off only once focused blinked
    until the app heard of the focus, and a snapshot or Pilot test on a loaded machine
    could catch the cursor in that moment."""

    def on_mount(self) -> None:
        self.cursor_blink = bool(getattr(self.app, "cursor_blink", True))


class FormInput(TextField):
    """An Input for a form of many fields, each a fixed width in the CSS. The stock Input
    records the width of its text as a change of layout, so every keystroke laid out the
    whole screen again (about 200 widgets in the affordability form); the box does not
    change size with its text, so redrawing the field is enough. It still scrolls its text
    (the virtual size is kept, only the layout pass is skipped)."""

    virtual_size: Reactive[Size] = Reactive(Size(0, 0), layout=False)
