"""The `drp` command's sub-commands, each imported and built the first time it is asked for.

Typer builds a command from its function's signature each time the command tree is built, and
importing every command's module pulls in the policy book, pydantic-settings, Jinja2 and rich
markdown. Building all ~100 commands for `drp queue show` cost about half a second of every run
(and of every test that runs a command). Listing the commands (help, a mistyped name) needs
only their names; help builds them all."""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Mapping, MutableMapping
from typing import Any

import typer

from drp_tui.cli.helptext import unwrap_help


def _build(name: str, where: str) -> Any:
    module_name, attribute = where.split(":")
    found = getattr(importlib.import_module(module_name), attribute)
    command: Any
    if isinstance(found, typer.Typer):
        command = typer.main.get_group(found)
    else:  # a command function of its own
        single = typer.Typer(add_completion=False)
        single.command(name)(found)
        command = typer.main.get_command(single)
    command.name = name
    unwrap_help(command)
    return command


class LazyCommands(MutableMapping[str, Any]):
    """A group's commands by name, from `where` ("module:attribute": a Typer app or a command
    function), in that order."""

    def __init__(self, where: Mapping[str, str]) -> None:
        self._where = dict(where)
        self._built: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._built:
            if name not in self._where:
                raise KeyError(name)
            self._built[name] = _build(name, self._where[name])
        return self._built[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._built[name] = command
        self._where.setdefault(name, "")

    def __delitem__(self, name: str) -> None:
        del self._where[name]
        self._built.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)
