"""Importing a council host system's case extract.

The whole file is read and every row validated first; only a file with no rejected row is
written, in one transaction, so a failed import leaves the store exactly as it was. Records
are matched by host reference, so importing a newer extract updates them and never duplicates
them; drp's own records (allocation, holds, contact, events) are never touched.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar

from sqlalchemy import Connection
from sqlmodel import Session

from drp_tui.domain.controls import escaped
from drp_tui.domain.csvsafe import csv_text
from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.domain.extract import (
    REQUIRED,
    ExtractMapping,
    ExtractRow,
    Reject,
    load_mapping,
    read_row,
)
from drp_tui.domain.extract_fast import FastRows
from drp_tui.services.extract_read import (
    Record,
    as_record,
    at_lines,
    check_encoding,
    clean_fields,
    decode,
    has_controls,
    read_field_lists,
    read_input,
)
from drp_tui.services.import_load import write_rows
from drp_tui.services.outfile import Kept, write_output
from drp_tui.services.policy import data_dir, read_toml
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import new_id
from drp_tui.store.rawsql import is_sqlite
from drp_tui.store.seals import BALANCE, write_seal

Progress = Callable[[str, int, int], None]  # phase, done, total
CHUNK = 5_000
IMPORT_CACHE_KB = 262_144
DEFAULT_CACHE_KB = 2_000
T = TypeVar("T")


def mapping_path(name_or_path: str) -> Path:
    """A mapping by name (`data/mappings/NAME.toml`) or by path."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" or candidate.exists():
        if not candidate.is_file():
            raise InputError("--mapping", f"{name_or_path} does not exist")
        return candidate
    shipped = data_dir() / "mappings" / f"{name_or_path}.toml"
    if not shipped.is_file():
        known = sorted(p.stem for p in (data_dir() / "mappings").glob("*.toml"))
        raise InputError(
            "--mapping",
            f"no mapping called {name_or_path!r}; shipped mappings: "
            f"{', '.join(known)} (or give a path to a .toml file)",
        )
    return shipped


def read_mapping(
    name_or_path: str, stages_of: dict[str, tuple[str, ...]], encoding: str | None = None
) -> ExtractMapping:
    """The mapping, with the file's encoding as `--encoding` names it, if given."""
    path = mapping_path(name_or_path)
    try:
        document = read_toml(path)
    except PolicyError as problem:  # a mapping someone gave: bad input, not a broken install
        raise InputError("--mapping", str(problem)) from None
    mapping = load_mapping(document, str(path), debt_types=stages_of)
    if encoding is None:
        return mapping
    return replace(mapping, encoding=check_encoding(encoding))


def dialect_for(text: str, delimiter: str | None) -> type[csv.Dialect] | csv.Dialect:
    if delimiter is not None:

        class Given(csv.excel):
            pass

        Given.delimiter = delimiter
        return Given
    try:
        return csv.Sniffer().sniff(text[:65536], delimiters=",;\t|")
    except csv.Error:
        return csv.excel


@dataclass
class ImportResult:
    file: str
    mapping: str
    sha256: str
    rows: int = 0
    people_new: int = 0
    people_updated: int = 0
    debts_new: int = 0
    debts_updated: int = 0
    rejects: list[Reject] = field(default_factory=list)
    warnings: list[Reject] = field(default_factory=list)
    dry_run: bool = False
    committed: bool = False


def parse_extract(
    data: bytes,
    mapping: ExtractMapping,
    stages_of: dict[str, tuple[str, ...]],
    today: date,
    progress: Progress | None = None,
) -> tuple[list[ExtractRow], list[Reject], list[Reject]]:
    """Rows that passed, rejects, and file-level warnings."""
    text = decode(data, mapping.encoding)
    header, records = read_field_lists(text, dialect_for(text, mapping.delimiter))
    controls = has_controls(data, text)  # one pass: a clean file is not checked field by field
    absent = {name: column for name, column in mapping.columns.items() if column not in header}
    needed = [
        f"{name} -> {column!r}"
        for name, column in absent.items()
        if name in REQUIRED or (name == "debt_type" and name not in mapping.defaults)
    ]
    if needed:
        raise InputError(
            "--mapping",
            f"{mapping.name} needs column(s) the file does not have: "
            f"{'; '.join(needed)}. The file's columns are: {escaped(', '.join(header))}",
        )
    # A missing optional column is reported, not fatal: the extract may simply not carry it,
    # and a misspelt column name in a mapping still shows up in every import's report.
    header_warnings = [
        Reject(1, column, "", f"is not in the file; {name} left empty")
        for name, column in absent.items()
    ]
    total = max(text.count("\n") - 1, 1)
    rows: list[ExtractRow] = []
    rejects: list[Reject] = []
    seen_debts: dict[str, int] = {}
    people: dict[str, ExtractRow] = {}
    # The common row is read by position and checked against what the file has already
    # shown (extract_fast); any other goes to read_row, which names every problem. A file
    # with control characters anywhere is read row by row by read_row throughout.
    fast = None if controls else FastRows(mapping, header, stages_of, today)
    for count, found in enumerate(records, start=1):
        number = found[0]
        row = None if fast is None else fast.read(found[2], number)
        if row is None:
            record = as_record(header, found)
            row = _read_slowly(
                record, mapping, stages_of, today, controls, rejects, header_warnings
            )
            if row is None:
                continue
        first = seen_debts.setdefault(row.debt_ref, number)
        earlier = people.setdefault(row.person_ref, row)
        if first != number or (
            earlier is not row
            and (
                earlier.surname != row.surname
                or earlier.forename != row.forename
                or earlier.date_of_birth != row.date_of_birth
            )
        ):
            rejects.extend(
                at_lines(
                    as_record(header, found),
                    _file_level_checks(row, seen_debts, people, mapping),
                )
            )
        rows.append(row)
        if progress and count % CHUNK == 0:
            progress("checking", count, total)
    for row in rows:
        if row.joint_person_ref is not None and row.joint_person_ref not in people:
            rejects.append(
                Reject(
                    row.line,
                    mapping.columns.get("joint_person_ref", ""),
                    row.joint_person_ref,
                    "names a person who is not in the file",
                )
            )
    rejects.sort(key=lambda r: r.line)
    return rows, rejects, header_warnings


def _read_slowly(
    record: Record,
    mapping: ExtractMapping,
    stages_of: dict[str, tuple[str, ...]],
    today: date,
    controls: bool,
    rejects: list[Reject],
    warnings: list[Reject],
) -> ExtractRow | None:
    """One record through read_row, its rejects (and removed control characters) added to
    `rejects` (and `warnings`) at their file lines; the row, if it passed."""
    number, _, raw = record
    if controls:
        raw, refused, removed = clean_fields(
            raw, mapping.columns, number, mapping.control_characters == "remove"
        )
        rejects.extend(at_lines(record, refused))
        warnings.extend(at_lines(record, removed))
        if refused:
            return None
    if None in raw:  # more fields than the header has
        width = len(raw) - 1
        rejects.append(
            Reject(
                number,
                "(row)",
                "",
                f"has {width + len(raw[None])} fields; the header has {width}",
            )
        )
        return None
    row = read_row(mapping, raw, number, stages_of, today)
    if isinstance(row, list):
        rejects.extend(at_lines(record, row))
        return None
    if row.warnings and record[1] != number:
        row = row._replace(warnings=tuple(at_lines(record, list(row.warnings))))
    return row


def _file_level_checks(
    row: ExtractRow,
    seen_debts: dict[str, int],
    people: dict[str, ExtractRow],
    mapping: ExtractMapping,
) -> list[Reject]:
    found: list[Reject] = []
    first = seen_debts.setdefault(row.debt_ref, row.line)
    if first != row.line:
        found.append(
            Reject(
                row.line,
                mapping.columns["debt_ref"],
                row.debt_ref,
                f"repeats the debt reference on line {first}",
            )
        )
    earlier = people.setdefault(row.person_ref, row)
    if earlier is not row:
        for attribute in ("surname", "forename", "date_of_birth"):
            if getattr(earlier, attribute) != getattr(row, attribute):
                found.append(
                    Reject(
                        row.line,
                        mapping.columns.get(attribute, attribute),
                        str(getattr(row, attribute) or ""),
                        f"differs from line {earlier.line} for the same person {row.person_ref}",
                    )
                )
    return found


def import_cases(
    store: Store,
    path: Path,
    mapping: ExtractMapping,
    stages_of: dict[str, tuple[str, ...]],
    *,
    officer_id: str,
    at: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    data = read_input(path)
    result = ImportResult(
        str(path), mapping.name, hashlib.sha256(data).hexdigest(), dry_run=dry_run
    )
    rows, result.rejects, file_warnings = parse_extract(
        data, mapping, stages_of, at.date(), progress
    )
    result.warnings = file_warnings + [w for row in rows for w in row.warnings]
    result.rows = len(rows) + len({r.line for r in result.rejects})
    if result.rejects:
        return result
    with store.writer.connect() as connection:
        transaction = connection.begin()  # one writer at a time: the writer engine sees to it
        try:
            _page_cache(connection, IMPORT_CACHE_KB)
            counts = write_rows(connection, rows, mapping.host_system, progress)
            result.people_new, result.people_updated = counts.people_new, counts.people_updated
            result.debts_new, result.debts_updated = counts.debts_new, counts.debts_updated
            if dry_run:
                transaction.rollback()
                return result
            event_id = new_id()
            sealed = write_seal(connection, event_id, BALANCE, counts.balances)
            with Session(bind=connection) as session:
                append_event(
                    session,
                    officer_id=officer_id,
                    kind="import.cases",
                    at=at,
                    event_id=event_id,
                    payload={
                        "seals": {BALANCE: sealed},
                        "file": path.name,
                        "sha256": result.sha256,
                        "mapping": mapping.name,
                        "rows": result.rows,
                        "people_new": result.people_new,
                        "people_updated": result.people_updated,
                        "debts_new": result.debts_new,
                        "debts_updated": result.debts_updated,
                        "warnings": len(result.warnings),
                    },
                )
            transaction.commit()
        except BaseException:
            transaction.rollback()
            raise
        finally:
            _page_cache(connection, DEFAULT_CACHE_KB)
            if connection.in_transaction():
                connection.commit()
    result.committed = True
    return result


def _page_cache(connection: Connection, kilobytes: int) -> None:
    # A large extract inserts into several indexed tables at random key positions; a bigger
    # page cache than SQLite's 2 MB default keeps those B-tree pages in memory. (A PostgreSQL
    # hub's buffers are its server's to manage.)
    if is_sqlite(connection):
        connection.exec_driver_sql(f"PRAGMA cache_size = -{kilobytes}")


def write_rejects(
    rejects: Iterable[Reject], path: Path, *, force: bool = False, kept: Kept = ()
) -> None:
    text = csv_text(
        ("line", "column", "value", "reason"),
        (
            {"line": r.line, "column": r.column, "value": r.value, "reason": r.reason}
            for r in rejects
        ),
    )
    write_output(path, text, option="--rejects", force=force, kept=kept)
