"""Screens built once and shown again and again (the case, the affordability form, the
arrangement builder)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


class KeptStyles(Screen[Any]):
    """Textual styles every widget of a screen again each time it comes back: a sixth of
    the time from Enter to the next case, most of the time `a` took to show the form. That
    is needed only if the app's CSS changed (a new theme) while the screen was put away;
    what a kept screen shows next is new content, not new styles. Mixed in before Textual's
    Screen, so its handler runs before Textual's, which reads the flag."""

    restyle = False  # the app's theme changed while this screen was put away

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        event.refresh_styles, self.restyle = self.restyle, False

    def _theme_changed(self, _: object) -> None:
        self.restyle = True
