"""Errors a user can act on."""

from __future__ import annotations


class InputError(ValueError):
    """A value a person typed (or a file supplied) that drp cannot use.

    `field` names what was wrong in the words the user sees (a CLI option, a form label or a
    JSON key) so the message can say exactly where to look.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class PolicyError(Exception):
    """A policy table that is missing, malformed or inconsistent.

    The message names the file and, where there is one, the row at fault.
    """

    def __init__(self, path: str, message: str, row: int | None = None) -> None:
        where = path if row is None else f"{path}, row {row}"
        super().__init__(f"{where}: {message}")
        self.path = path
        self.row = row
        self.message = message


class NoFigureError(LookupError):
    """The policy tables hold no figure for the date or case asked about."""


class NotPermitted(Exception):
    """The person using drp may not do this (for example, an officer running a supervisor
    command). The message says who may."""
