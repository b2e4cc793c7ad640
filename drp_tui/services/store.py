"""Opening the configured store (or, for a supervisor, the team hub's), and the current time as
services record it."""

from __future__ import annotations

from datetime import UTC, datetime

from drp_tui.settings import Settings
from drp_tui.store.engine import Store, open_store


def store_for(settings: Settings, hub: str | None = None) -> Store:
    """This desk's store, or with `hub` the team hub's tables: supervisors import and allocate
    there, and officers' desks follow at their next sync."""
    if hub is None:
        return open_store(settings.store_path)
    from drp_tui.sync.hub import connect, hub_url

    return connect(hub_url(hub)).as_store()


def now() -> datetime:
    return datetime.now(UTC)
