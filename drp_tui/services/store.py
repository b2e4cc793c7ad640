"""Opening the configured store, and the current time as services record it."""

from __future__ import annotations

from datetime import UTC, datetime

from drp_tui.settings import Settings
from drp_tui.store.engine import Store, open_store


def store_for(settings: Settings) -> Store:
    return open_store(settings.store_path)


def now() -> datetime:
    return datetime.now(UTC)
