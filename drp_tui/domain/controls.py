"""Characters that act on a terminal or reorder what it shows, and never belong in a name,
address or reference: C0 controls other than tab, line feed and carriage return (which a CSV's
own structure uses), DEL, C1 controls (U+009B is a terminal's CSI), and the bidirectional
marks, embeddings, overrides and isolates."""

from __future__ import annotations

import re

from drp_tui.domain.errors import InputError

CONTROL = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def escaped(text: str) -> str:
    """The text with each such character written as a visible escape (`\\x1b`, `\\u202e`),
    for showing stored text on a terminal."""
    return CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def plain(text: str, option: str) -> str:
    """Text a person typed, as kept: one line, no terminal control or bidi characters
    (refused, naming `option`, never kept or quietly dropped)."""
    if CONTROL.search(text):
        raise InputError(option, "holds a control character; type it again as plain text")
    return " ".join(text.split())
