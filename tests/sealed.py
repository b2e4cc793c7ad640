"""Reading an event's payload as a reader of the store does: its personal fields opened with
the person's keys (they are sealed in the store, drp_tui/store/personal.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from drp_tui.store.engine import Store
from drp_tui.store.personal import Opener


def opened(store: Store, payload: str | Mapping[str, Any]) -> dict[str, Any]:
    found = json.loads(payload) if isinstance(payload, str) else payload
    with store.read() as session:
        return Opener(session).open(found)
