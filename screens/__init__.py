"""Textual screens: show state, collect input, call services."""

from pathlib import Path, PurePath

# Every screen's stylesheet, for the app to read as it starts. Textual reads a screen's
# CSS_PATH the first time the screen is shown, and then parses every stylesheet again and
# restyles every widget of every screen: half a second of the first `a`, Enter and `r`.
STYLESHEETS: list[str | PurePath] = sorted(Path(__file__).resolve().parent.glob("*.tcss"))
