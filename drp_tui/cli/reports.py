"""`drp report`: management information from the event log."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer

from drp_tui.cli import output
from drp_tui.cli.params import choose, day
from drp_tui.domain.csvsafe import csv_text
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.reports import OfficerFigures
    from drp_tui.store.engine import Store

app = typer.Typer(help="Management information, computed from the event log.", no_args_is_help=True)
FORMATS = ("table", "csv", "json")
Format = Annotated[str, typer.Option("--format", help="table, csv or json.")]
FirstDay = Annotated[str | None, typer.Option("--from", help="First day (default: 30 days ago).")]
LastDay = Annotated[str | None, typer.Option("--to", help="Last day (default today).")]


def _rows(figures: list[OfficerFigures]) -> list[dict[str, Any]]:
    return [
        {
            "officer": f.officer,
            "name": f.name,
            "team": f.team,
            "calls": f.calls,
            "call_target": f.target,
            "right_party_contacts": f.right_party,
            "right_party_rate": round(f.right_party_rate, 3),
            "promises": f.promises,
            "promised": f"{f.promised:.2f}",
            "promises_kept": f.kept,
            "promises_broken": f.broken,
            "kept_rate": None if f.kept_rate is None else round(f.kept_rate, 3),
            "arrangements": f.arrangements,
            "arranged": f"{f.arranged:.2f}",
            "collected": f"{f.collected:.2f}",
            "minutes_on_phone": f.seconds_on_phone // 60,
            "appointments_kept": f.appointments_kept,
            "appointments_missed": f.appointments_missed,
        }
        for f in figures
    ]


def _emit(title: str, rows: list[dict[str, Any]], fmt: str, extra: dict[str, Any]) -> None:
    if fmt == "json":
        output.print_json({**extra, "rows": rows})
        return
    if fmt == "csv":
        if rows:
            sys.stdout.write(csv_text(list(rows[0]), rows))  # formulas neutralised
        return
    columns = [c for c in (rows[0] if rows else {}) if c not in ("name", "team")]
    headers = [c.replace("_", " ") for c in columns]
    output.fitted_tables(
        title,
        headers,
        [[_cell(row[c]) for c in columns] for row in rows],
        right=[
            h
            for c, h in zip(columns, headers, strict=True)
            if c not in ("officer", "agency", "kind", "stage")
        ],
    )


def _cell(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.0%}"
    return str(value)


def _acting(command: str) -> Store:
    """The store, once the officer running a report may read the whole team's work."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    resolve(settings, store, duty="batch", command=command)
    return store


def _period(
    on: str | None, start: str | None, end: str | None, default_days: int
) -> tuple[date, date]:
    today = load_settings().current_date()  # a pinned clock is refused by _acting
    if on is not None:
        single = day(on, "--date", today)
        return single, single
    last = day(end, "--to", today)
    first = day(start, "--from", last - timedelta(days=default_days - 1))
    if first > last:
        from drp_tui.domain.errors import InputError

        raise InputError("--from", "is after --to")
    return first, last


def _performance(title: str, first: date, last: date, fmt: str, store: Store) -> None:
    from drp_tui.services.reports import performance

    report = performance(store, first, last)
    rows = _rows(report.officers) + _rows(report.teams) + _rows([report.total])
    _emit(
        f"{title} {first:%d %b %Y}" + ("" if first == last else f" to {last:%d %b %Y}"),
        rows,
        choose(fmt, FORMATS, "--format"),
        {"from": first.isoformat(), "to": last.isoformat()},
    )


@app.command("daily")
def daily(
    on: Annotated[str | None, typer.Option("--date", help="The day (default today).")] = None,
    fmt: Format = "table",
) -> None:
    """One day per officer and team: calls against target, right-party contacts and rate,
    promises (value, kept rate), arrangements, cash collected, time on the phone."""
    store = _acting("drp report daily")
    first, last = _period(on, None, None, 1)
    _performance("Daily performance", first, last, fmt, store)


@app.command("officers")
def officers(
    start: FirstDay = None,
    end: LastDay = None,
    fmt: Format = "table",
) -> None:
    """The same figures over a period (default the last 30 days)."""
    store = _acting("drp report officers")
    first, last = _period(None, start, end, 30)
    _performance("Officer performance", first, last, fmt, store)


@app.command("agencies")
def agencies(
    start: FirstDay = None,
    end: LastDay = None,
    fmt: Format = "table",
) -> None:
    """Enforcement agents' and collection agencies' placements, collections and returns."""
    from drp_tui.services.reports import agencies as agency_figures

    store = _acting("drp report agencies")
    first, last = _period(None, start, end, 30)
    rows = [
        {
            "agency": a.name,
            "kind": a.kind.replace("_", " "),
            "placed": a.placed,
            "placed_value": f"{a.placed_value:.2f}",
            "collected": f"{a.collected:.2f}",
            "returned": a.returned,
            "collection_rate": None if a.collection_rate is None else round(a.collection_rate, 3),
        }
        for a in agency_figures(store, first, last)
    ]
    _emit(
        f"Agency performance {first:%d %b %Y} to {last:%d %b %Y}",
        rows,
        choose(fmt, FORMATS, "--format"),
        {"from": first.isoformat(), "to": last.isoformat()},
    )


@app.command("complaints")
def complaints(
    start: FirstDay = None,
    end: LastDay = None,
    fmt: Format = "table",
) -> None:
    """Complaints by stage that reached it in the period (default the last 30 days): still
    open, overdue today, answered, answered by the reply due, upheld."""
    from drp_tui.services.complaints import complaint_figures

    store = _acting("drp report complaints")
    first, last = _period(None, start, end, 30)
    today = load_settings().current_date()
    rows = [
        {
            "stage": f.stage,
            "received": f.received,
            "open": f.still_open,
            "overdue": f.overdue,
            "answered": f.answered,
            "on_time": f.answered_on_time,
            "upheld": f.upheld,
        }
        for f in complaint_figures(store, first, last, today)
    ]
    _emit(
        f"Complaints {first:%d %b %Y} to {last:%d %b %Y}",
        rows,
        choose(fmt, FORMATS, "--format"),
        {"from": first.isoformat(), "to": last.isoformat()},
    )
