"""Management information, computed from the event log (the audit trail is the source of
truth): officers' calls, right-party contacts, promises and their keeping, arrangements, cash
and time on the phone; agencies' placements, collections and returns.

Aggregation happens in SQL with SQLite's JSON functions, so a month of a large team's events
is read once and never decoded row by row in Python.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from drp_tui.store.engine import Store
from drp_tui.store.types import instant_text

LONDON = ZoneInfo("Europe/London")


@dataclass
class OfficerFigures:
    officer: str
    name: str
    team: str
    calls: int = 0
    right_party: int = 0
    promises: int = 0
    promised: Decimal = Decimal("0.00")
    kept: int = 0
    broken: int = 0
    arrangements: int = 0
    arranged: Decimal = Decimal("0.00")
    collected: Decimal = Decimal("0.00")
    seconds_on_phone: int = 0
    target: int = 0
    appointments_kept: int = 0
    appointments_missed: int = 0

    @property
    def right_party_rate(self) -> float:
        return self.right_party / self.calls if self.calls else 0.0

    @property
    def kept_rate(self) -> float | None:
        judged = self.kept + self.broken
        return self.kept / judged if judged else None


@dataclass
class Performance:
    start: date
    end: date
    officers: list[OfficerFigures] = field(default_factory=list)
    teams: list[OfficerFigures] = field(default_factory=list)
    total: OfficerFigures = field(
        default_factory=lambda: OfficerFigures("all officers", "all officers", "")
    )


def _bounds(start: date, end: date) -> tuple[str, str]:
    """The period's instants as stored (UTC text), whole local days."""
    first = datetime.combine(start, time(0), LONDON)
    after = datetime.combine(end + timedelta(days=1), time(0), LONDON)
    return instant_text(first), instant_text(after)


def _money(pence: object) -> Decimal:
    return Decimal(int(str(pence or 0))) / 100


def _pence(alias: str, key: str) -> str:
    """SQL for an event's money value in integer pence. Events write amounts with exactly two
    decimals ("612.50"), so dropping the point gives exact pence: no floating point."""
    return f"CAST(replace(json_extract({alias}.payload, '$.{key}'), '.', '') AS INTEGER)"


# The kinds the officer report sums, as the WHERE of the covering index made for it (store
# migration 0015, ix_event_report: kind, officer, instant, case and payload). SQLite uses a
# partial index only when the query carries this very term, so both queries below do: the
# events are then read from the index alone, in order, with no lookup of each event's row.
REPORTED_KINDS = (
    "kind IN ('contact.recorded', 'promise.made', 'arrangement.made', 'payment.recorded')"
)

# One row per officer and kind, each event's payload read once (JSON is parsed on every
# json_extract: a million-event report spent a fifth of its time there), for the three kinds the
# figures count. The right-party flag keeps SQL's truth of the stored value ("AND 1").
_OFFICER_SQL = f"""
SELECT officer_id, kind, count(*), sum(flag), sum(value) FROM (
  SELECT e.officer_id, e.kind,
    CASE e.kind WHEN 'contact.recorded'
      THEN (json_extract(e.payload, '$.right_party') AND 1) END AS flag,
    CASE e.kind WHEN 'contact.recorded' THEN json_extract(e.payload, '$.seconds')
      WHEN 'promise.made' THEN {_pence("e", "amount")}
      WHEN 'arrangement.made' THEN {_pence("e", "total")} END AS value
  FROM event e WHERE e.at >= ? AND e.at < ?
    AND e.kind IN ('contact.recorded', 'promise.made', 'arrangement.made') AND e.{REPORTED_KINDS}
) GROUP BY officer_id, kind
"""
# Promises judged in the period, credited to the officer who took them (the judgment event
# names them, so no join back to the promise is needed).
_KEPT_SQL = """
SELECT json_extract(payload, '$.promised_by'), sum(kind = 'promise.kept'),
       sum(kind = 'promise.broken')
FROM event WHERE kind IN ('promise.kept', 'promise.broken') AND at >= ? AND at < ?
GROUP BY 1
"""
# Appointments whose outcome was recorded in the period, credited to the officer who held them.
_APPOINTMENTS_SQL = """
SELECT json_extract(payload, '$.officer'), sum(kind = 'appointment.kept'),
       sum(kind = 'appointment.missed')
FROM event WHERE kind IN ('appointment.kept', 'appointment.missed') AND at >= ? AND at < ?
GROUP BY 1
"""
# Cash received in the period, credited to the officer holding the case. Summed by case
# first, so each case is looked up once, in the order of its id (its index's order).
_CASH_SQL = f"""
SELECT c.officer_id, sum(paid.pence) FROM (
  SELECT e.case_id, sum({_pence("e", "amount")}) AS pence FROM event e
  WHERE e.kind = 'payment.recorded' AND e.at >= ? AND e.at < ? AND e.{REPORTED_KINDS}
  GROUP BY e.case_id
) paid JOIN "case" c ON c.id = paid.case_id GROUP BY c.officer_id
"""
# A report reads most of a large store's pages once, many of them (the cases behind each
# payment) in no order: mapped into memory, a page costs no system call and no copy. Set for
# the report's own reads and put back after (SQLite's default is no mapping).
_MAPPED_BYTES = 2**31 - 2**16


@contextmanager
def mapped(connection: Connection) -> Iterator[None]:
    """The store's file mapped into memory for this connection's reads, then no longer."""
    connection.exec_driver_sql(f"PRAGMA mmap_size = {_MAPPED_BYTES}")
    try:
        yield
    finally:
        connection.exec_driver_sql("PRAGMA mmap_size = 0")


def performance(store: Store, start: date, end: date) -> Performance:
    low, high = _bounds(start, end)
    report = Performance(start, end)
    with store.engine.connect() as connection, mapped(connection):
        officers = {
            officer: OfficerFigures(officer, name, team, target=target)
            for officer, name, team, target in connection.exec_driver_sql(
                "SELECT id, name, team, daily_call_target FROM officer WHERE role = 'officer' "
                "ORDER BY team, id"
            )
        }
        for officer, kind, count, flags, value in connection.exec_driver_sql(
            _OFFICER_SQL, (low, high)
        ):
            figures = officers.get(officer)
            if figures is None:
                continue
            if kind == "contact.recorded":
                figures.calls, figures.right_party = int(count), int(flags or 0)
                figures.seconds_on_phone = int(value or 0)
            elif kind == "promise.made":
                figures.promises, figures.promised = int(count), _money(value)
            else:
                figures.arrangements, figures.arranged = int(count), _money(value)
        for officer, kept, broken in connection.exec_driver_sql(_KEPT_SQL, (low, high)):
            if officer in officers:
                officers[officer].kept, officers[officer].broken = int(kept), int(broken)
        for officer, kept, missed in connection.exec_driver_sql(_APPOINTMENTS_SQL, (low, high)):
            if officer in officers:
                figures = officers[officer]
                figures.appointments_kept, figures.appointments_missed = int(kept), int(missed)
        for officer, cash in connection.exec_driver_sql(_CASH_SQL, (low, high)):
            if officer in officers:
                officers[officer].collected = _money(cash)
    days = sum(
        1 for n in range((end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5
    )
    report.officers = list(officers.values())
    for figures in report.officers:
        figures.target *= days
    teams: dict[str, OfficerFigures] = {}
    for figures in report.officers:
        label = f"team {figures.team}"
        team = teams.setdefault(figures.team, OfficerFigures(label, label, figures.team))
        for whole in (team, report.total):
            _add(whole, figures)
    report.teams = list(teams.values())
    return report


def _add(into: OfficerFigures, figures: OfficerFigures) -> None:
    for name in (
        "calls",
        "right_party",
        "promises",
        "promised",
        "kept",
        "broken",
        "arrangements",
        "arranged",
        "collected",
        "seconds_on_phone",
        "target",
        "appointments_kept",
        "appointments_missed",
    ):
        setattr(into, name, getattr(into, name) + getattr(figures, name))


@dataclass
class AgencyFigures:
    agency: str
    name: str
    kind: str
    placed: int = 0
    placed_value: Decimal = Decimal("0.00")
    collected: Decimal = Decimal("0.00")
    returned: int = 0

    @property
    def collection_rate(self) -> float | None:
        return float(self.collected / self.placed_value) if self.placed_value else None


def agencies(store: Store, start: date, end: date) -> list[AgencyFigures]:
    """Each agency's placements and collections in the period (from events)."""
    low, high = _bounds(start, end)
    with store.engine.connect() as connection:
        found = {
            a: AgencyFigures(a, n, k)
            for a, n, k in connection.exec_driver_sql(
                "SELECT id, name, kind FROM agency ORDER BY kind, name"
            )
        }
        for agency, kind, count, value in connection.exec_driver_sql(
            "SELECT json_extract(payload, '$.agency'), kind, count(*), "
            f"sum({_pence('event', 'amount')}) FROM event "
            "WHERE kind IN ('agency.placed', 'agency.returned', 'payment.recorded') "
            "AND at >= ? AND at < ? AND json_extract(payload, '$.agency') IS NOT NULL "
            # A placement that clashed with one made at another desk never went to its agency.
            "AND NOT EXISTS (SELECT 1 FROM placement p WHERE p.status = 'clashed' "
            "AND p.id = json_extract(event.payload, '$.placement')) "
            "GROUP BY 1, 2",
            (low, high),
        ):
            figures = found.get(agency)
            if figures is None:
                continue
            if kind == "agency.placed":
                figures.placed, figures.placed_value = int(count), _money(value)
            elif kind == "agency.returned":
                figures.returned = int(count)
            else:
                figures.collected = _money(value)
    return list(found.values())
