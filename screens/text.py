"""Text on screen that carries data. Names, addresses, references and needs come from host
extracts, notes and typed values from officers' keyboards; dropped into markup as they are,
a "[" in them would restyle the line or stop the screen drawing at all. So data goes into
drp's markup as template variables (`Content.from_markup("[b]$name[/b]", name=...)`), into
tables and choices as `rich.text.Text`, and messages that quote it come from here."""

from __future__ import annotations

from textual.content import Content

LINE = Content("\n")


def problem(text: str) -> Content:
    """What to fix, in red, as written (it often quotes what was typed)."""
    return Content.from_markup("[red]$text[/red]", text=text)


def caution(text: str) -> Content:
    """A warning that does not stop the officer, in yellow, as written."""
    return Content.from_markup("[yellow]$text[/yellow]", text=text)
