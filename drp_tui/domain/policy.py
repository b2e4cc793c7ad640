"""Dated policy rows and band tables: the shapes every policy file is read into.

Every figure drp uses is a row with `effective_from`, an optional `effective_to`, a `source`
and, where it applies, the jurisdictions it covers. A row with no `effective_to` stays in force
until the next row of the same kind begins, so a new year's figures are one added row.

Functions here turn already-parsed TOML mappings into frozen dataclasses and validate them;
they never open files (see `drp_tui.services.policy` for that).
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol, TypeVar

from drp_tui.domain.dates import date_from_data
from drp_tui.domain.errors import InputError, NoFigureError, PolicyError
from drp_tui.domain.money import Money, money_from_data, to_money

JURISDICTIONS = ("england", "wales")
STATUSES = ("confirmed", "unconfirmed", "derived", "example")


@dataclass(frozen=True)
class Dated:
    """What every policy row carries."""

    effective_from: date
    effective_to: date | None
    source: str
    jurisdictions: frozenset[str] = frozenset(JURISDICTIONS)
    status: str = "confirmed"
    note: str = ""

    def covers(self, on: date, jurisdiction: str | None = None) -> bool:
        if jurisdiction is not None and jurisdiction not in self.jurisdictions:
            return False
        if on < self.effective_from:
            return False
        return self.effective_to is None or on <= self.effective_to

    @property
    def caveat(self) -> str | None:
        """A warning to show whenever this row is used, if its figures are not confirmed."""
        if self.status == "confirmed":
            return None
        detail = f" ({self.note})" if self.note else ""
        return f"figures in force from {self.effective_from} are {self.status}{detail}"


class HasDated(Protocol):
    @property
    def dated(self) -> Dated: ...


RowT = TypeVar("RowT", bound=HasDated)


def in_force(
    rows: Iterable[RowT], on: date, jurisdiction: str | None = None, table: str = ""
) -> RowT:
    """The row in force on `on` (for `jurisdiction`, if the rows are split by it).

    NoFigureError when there is none; `table` (e.g. "benefits.toml [[hb_recovery_unit]]")
    names the table in its message.

    Rows of one kind never overlap (the loader checks), so the latest row that has started
    and not ended is the one.
    """
    started = [
        row
        for row in rows
        if row.dated.effective_from <= on
        and (jurisdiction is None or jurisdiction in row.dated.jurisdictions)
    ]
    if started:
        latest = max(started, key=lambda row: row.dated.effective_from)
        if latest.dated.covers(on, jurisdiction):
            return latest
    where = f" in {jurisdiction}" if jurisdiction else ""
    what = f"{table}: no row" if table else "no policy figures"
    raise NoFigureError(f"{what} in force on {on.isoformat()}{where}")


@dataclass(frozen=True)
class Band:
    """Net amounts above the previous band's edge, up to and including `up_to`.

    The open top band has no `up_to`. If it has an `excess_rate`, the deduction there is
    `rate`% of the previous edge plus `excess_rate`% of the amount above it (the CTAEO rule);
    otherwise `rate`% of the whole amount.
    """

    up_to: Money | None
    rate: Decimal
    excess_rate: Decimal | None = None


@dataclass(frozen=True)
class BandResult:
    deduction: Money
    rate_percent: Decimal
    band: str


@dataclass(frozen=True)
class BandTable:
    bands: tuple[Band, ...]

    def apply(self, net: Decimal, times: int = 1) -> BandResult:
        """Percentages apply to the whole net amount, rounded to the penny half up.

        `times` multiplies the unrounded deduction before the one rounding: a fortnightly
        attachment takes the weekly table's deduction on the weekly equivalent, times two.
        """
        lower = Decimal(0)
        for band in self.bands:
            if band.up_to is None or net <= band.up_to:
                return self._in_band(band, lower, net, times)
            lower = band.up_to
        raise AssertionError("a validated band table always ends with an open band")

    @staticmethod
    def _in_band(band: Band, lower: Decimal, net: Decimal, times: int) -> BandResult:
        if band.excess_rate is not None:
            deduction = lower * band.rate / 100 + (net - lower) * band.excess_rate / 100
            text = (
                f"{band.rate}% of the first £{lower:,.2f} plus {band.excess_rate}% of the remainder"
            )
            return BandResult(to_money(deduction * times), band.rate, text)
        if band.up_to is None:
            text = f"over £{lower:,.2f}: {band.rate}%"
        elif lower == 0:
            text = f"up to £{band.up_to:,.2f}: {band.rate}%"
        else:
            text = f"over £{lower:,.2f} up to £{band.up_to:,.2f}: {band.rate}%"
        return BandResult(to_money(net * band.rate / 100 * times), band.rate, text)


# --- reading rows -------------------------------------------------------------------------


@dataclass
class RowReader:
    """Reads one row of a policy file, turning any problem into a PolicyError at that row."""

    path: str
    index: int
    row: Mapping[str, Any]
    label: str = field(default="")

    def fail(self, message: str) -> PolicyError:
        name = f" ({self.label})" if self.label else ""
        return PolicyError(self.path, f"{message}{name}", row=self.index)

    def get(self, key: str) -> Any:
        if key not in self.row:
            raise self.fail(f"missing {key!r}")
        return self.row[key]

    def text(self, key: str, default: str | None = None) -> str:
        if default is None and key not in self.row:
            raise self.fail(f"missing {key!r}")
        value = self.row.get(key, default)
        if not isinstance(value, str) or (default is None and not value.strip()):
            raise self.fail(f"{key!r} must be text")
        return value

    def day(self, key: str) -> date:
        try:
            return date_from_data(self.get(key), key)
        except InputError as exc:
            raise self.fail(exc.message) from None

    def optional_day(self, key: str) -> date | None:
        return None if key not in self.row else self.day(key)

    def money(self, key: str, value: Any = None) -> Money:
        raw = self.get(key) if value is None else value
        try:
            return money_from_data(raw, key)
        except InputError as exc:
            raise self.fail(exc.message) from None

    def percent(self, key: str, value: Any = None) -> Decimal:
        raw = self.get(key) if value is None else value
        number = decimal_from_data(raw)
        if number is None or not Decimal(0) <= number <= Decimal(100):
            raise self.fail(f"{key!r} must be a rate from 0 to 100, got {raw!r}")
        return number

    def whole(self, key: str, minimum: int = 0) -> int:
        value = self.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise self.fail(f"{key!r} must be a whole number of at least {minimum}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        value = self.row.get(key, default)
        if not isinstance(value, bool):
            raise self.fail(f"{key!r} must be true or false")
        return value

    def names(self, key: str, allowed: Sequence[str] | None = None) -> tuple[str, ...]:
        value = self.get(key)
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise self.fail(f"{key!r} must be a list of names")
        if allowed is not None:
            unknown = [item for item in value if item not in allowed]
            if unknown:
                raise self.fail(
                    f"{key!r} has unknown {', '.join(unknown)}; expected one of "
                    f"{', '.join(allowed)}"
                )
        return tuple(value)

    def dated(self, *, split_by_jurisdiction: bool = True) -> Dated:
        effective_from = self.day("effective_from")
        effective_to = self.optional_day("effective_to")
        if effective_to is not None and effective_to < effective_from:
            raise self.fail("effective_to is before effective_from")
        source = self.text("source")
        jurisdictions = (
            frozenset(self.names("jurisdiction", JURISDICTIONS))
            if split_by_jurisdiction and "jurisdiction" in self.row
            else frozenset(JURISDICTIONS)
        )
        status = self.text("status", "confirmed")
        if status not in STATUSES:
            raise self.fail(f"status must be one of {', '.join(STATUSES)}")
        return Dated(
            effective_from, effective_to, source, jurisdictions, status, self.text("note", "")
        )

    def band_table(self, key: str) -> BandTable:
        raw = self.get(key)
        if not isinstance(raw, list) or not raw:
            raise self.fail(f"{key!r} must be a list of bands")
        bands: list[Band] = []
        previous: Decimal | None = None
        for number, item in enumerate(raw, start=1):
            where = f"{key} band {number}"
            if not isinstance(item, Mapping):
                raise self.fail(f'{where} must be a table like {{ up_to = "75.00", rate = 3 }}')
            last = number == len(raw)
            up_to = None if "up_to" not in item else self.money(f"{where} up_to", item["up_to"])
            if up_to is None and not last:
                raise self.fail(f"{where} has no up_to but is not the top band")
            if last and up_to is not None:
                raise self.fail(f"{where}: the top band must be open (no up_to)")
            if up_to is not None and previous is not None and up_to <= previous:
                raise self.fail(
                    f"{where}: up_to £{up_to} must be above the band before "
                    f"(£{previous}); bands must increase"
                )
            excess = item.get("excess_rate")
            if excess is not None and not last:
                raise self.fail(f"{where}: only the top band may have an excess_rate")
            bands.append(
                Band(
                    up_to=up_to,
                    rate=self.percent(f"{where} rate", item.get("rate")),
                    excess_rate=None
                    if excess is None
                    else self.percent(f"{where} excess_rate", excess),
                )
            )
            previous = up_to
        return BandTable(tuple(bands))


def decimal_from_data(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def rows_of(doc: Mapping[str, Any], key: str, path: str) -> list[Mapping[str, Any]]:
    """The array of tables `[[key]]` in a policy file."""
    rows = doc.get(key)
    if not isinstance(rows, list) or not rows:
        raise PolicyError(path, f"expected at least one [[{key}]] row")
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, Mapping):
            raise PolicyError(path, f"[[{key}]] entries must be tables", row=index)
    return rows


def read_rows(
    doc: Mapping[str, Any],
    key: str,
    path: str,
    build: Callable[[RowReader], RowT],
    group: Callable[[RowT], Hashable] = lambda row: None,
) -> tuple[RowT, ...]:
    """Read every `[[key]]` row with `build`, then check that rows of one group never overlap."""
    built: list[tuple[int, RowT]] = []
    for index, row in enumerate(rows_of(doc, key, path), start=1):
        label = row.get("name") or row.get("id") or ""
        built.append((index, build(RowReader(path, index, row, str(label)))))
    check_no_overlap(built, path, group)
    return tuple(item for _, item in built)


def check_no_overlap(
    rows: Sequence[tuple[int, RowT]], path: str, group: Callable[[RowT], Hashable]
) -> None:
    """Within a group and jurisdiction, start dates differ and an explicit end precedes the
    next start."""
    groups: dict[tuple[Hashable, str], list[tuple[int, Dated]]] = defaultdict(list)
    for index, row in rows:
        dated = row.dated
        for jurisdiction in sorted(dated.jurisdictions):
            groups[(group(row), jurisdiction)].append((index, dated))
    for (_, jurisdiction), members in groups.items():
        members.sort(key=lambda item: item[1].effective_from)
        for (index_a, a), (index_b, b) in itertools.pairwise(members):
            if a.effective_from == b.effective_from or (
                a.effective_to is not None and a.effective_to >= b.effective_from
            ):
                raise PolicyError(
                    path,
                    f"overlaps row {index_a} for {jurisdiction}: both in force on "
                    f"{b.effective_from.isoformat()}",
                    row=index_b,
                )


@dataclass(frozen=True)
class DatedPercent:
    """A named rate in force for a period (a reference rate, a deduction share, a cap)."""

    dated: Dated
    name: str
    percent: Decimal


def percent_row(reader: RowReader) -> DatedPercent:
    """Build a DatedPercent from a row with `name` and `percent`."""
    return DatedPercent(reader.dated(), reader.text("name"), reader.percent("percent"))
