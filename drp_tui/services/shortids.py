"""Rows named by the first characters of their id, as listings show them (8 or more)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from drp_tui.domain.errors import InputError
from drp_tui.store.engine import Store

SHOWN = 8


def full_id(store: Store, column: Any, prefix: str, noun: str, listing: str) -> str:
    """The one id in `column` starting with `prefix`; InputError naming `listing` otherwise."""
    cleaned = prefix.strip().lower()
    if len(cleaned) < SHOWN:
        raise InputError("ID", f"give at least the {SHOWN} characters '{listing}' shows")
    with store.read() as session:
        found = session.execute(select(column).where(column.startswith(cleaned)).limit(2)).all()
    if len(found) != 1:
        raise InputError("ID", f"{prefix!r} is {'not ' + noun if not found else 'ambiguous'}")
    return str(found[0][0])
