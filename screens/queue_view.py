"""What the queue screen shows, built from plain values (no widgets): today's figures line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from textual.content import Content

from drp_tui.services.queue import QueueEntry
from drp_tui.services.reports import OfficerFigures


def figures_line(f: OfficerFigures, now: datetime, entries: Sequence[QueueEntry], room: int) -> str:
    """Today's figures on one line: in full if `room` is wide enough, else shorter (a busy
    day's full line wrapped at 120 columns)."""
    callable_now = sum(1 for e in entries if e.callable_now)
    full = (
        f"{now:%a %d %b %Y %H:%M} · calls [b]{f.calls}[/b]/{f.target} · right party "
        f"[b]{f.right_party}[/b] · promises [b]{f.promises}[/b] (£{f.promised:,.2f}) · "
        f"arrangements [b]{f.arrangements}[/b] · queue {len(entries)}, "
        f"{callable_now} callable now"
    )
    short = (
        f"{now:%a %d %b %H:%M} · calls [b]{f.calls}[/b]/{f.target} · right party "
        f"[b]{f.right_party}[/b] · promises [b]{f.promises}[/b] £{f.promised:,.0f} · "
        f"arrangements [b]{f.arrangements}[/b] · queue {len(entries)} "
        f"({callable_now} callable)"
    )
    fits = [t for t in (full, short) if len(Content.from_markup(t).plain) <= room]
    return fits[0] if fits else full
