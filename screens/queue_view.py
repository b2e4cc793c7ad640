"""What the queue screen shows, built from plain values (no widgets): today's figures line,
the filters' choices and the rows they leave."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from textual.content import Content

from drp_tui.domain.recovery import RecoveryPolicy
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


Choices = list[tuple[str, str]]


def filter_choices(
    entries: Sequence[QueueEntry], recovery: RecoveryPolicy, on: date
) -> tuple[Choices, Choices]:
    """The debt types and the stages in these entries, each as (label, value)."""
    # Entries share their sets (officer_queue keeps one of each): look at each once.
    types = sorted({t for kinds in {e.debt_types for e in entries} for t in kinds})
    stages = sorted({s for kinds in {e.stages for e in entries} for s in kinds})
    return (
        [(recovery.debt_type(t, on).name, t) for t in types],
        [(s.replace("_", " "), s) for s in stages],
    )


def filtered(
    entries: Sequence[QueueEntry], debt_type: str | None, stage: str | None
) -> list[QueueEntry]:
    """The entries of `debt_type` and at `stage` (either None: any)."""
    return [
        e
        for e in entries
        if (debt_type is None or debt_type in e.debt_types) and (stage is None or stage in e.stages)
    ]


def kept_row(shown: Sequence[QueueEntry], case_id: str | None) -> int:
    """The row of the case highlighted before the rows were redrawn, if it may still be
    called now; else the top (a case just called has moved down: the top is next)."""
    return next((n for n, e in enumerate(shown) if e.case_id == case_id and e.callable_now), 0)
