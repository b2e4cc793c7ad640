"""Help text that wraps to the terminal. Docstrings are wrapped at 100 columns in the source;
typer's Rich help keeps those line breaks in a group's list of commands, so a summary broke
mid-sentence however wide the terminal. Each paragraph is made one line here, and Rich wraps
it to the terminal's width. A paragraph starting with \\b (click's 'keep as written') is
left alone."""

from __future__ import annotations

import inspect
from typing import Any


def unwrapped(text: str) -> str:
    paragraphs = inspect.cleandoc(text).split("\n\n")
    return "\n\n".join(p if p.startswith("\b") else " ".join(p.split()) for p in paragraphs)


def unwrap_help(command: Any) -> None:
    """Every command's help under `command` (a click/typer command or group), in place."""
    if getattr(command, "help", None):
        command.help = unwrapped(command.help)
    for sub in getattr(command, "commands", {}).values():
        unwrap_help(sub)
