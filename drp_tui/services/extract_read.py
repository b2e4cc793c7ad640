"""Reading a CSV file exactly, or refusing it: the layer under case extracts and remittances.

Nothing here guesses. A file is decoded in the one encoding decided for it (UTF-8, with or
without a byte-order mark, unless the mapping or `--encoding` names Windows-1252), and a byte
that is not in that encoding refuses the file naming its line and byte: one stray byte never
re-decodes the rest. Two columns with the same name refuse the file (which would drp read?).
A field longer than `MAX_FIELD` characters refuses the file naming its line and column.
Control characters (which would drive an officer's terminal) and bidirectional overrides
(which reorder what is shown; drp_tui.domain.controls lists them) are refused in every
field, or removed with a warning per line where the mapping says `control_characters =
"remove"`.

File-level refusals are `InputError("FILE", ...)`: exit 2, one line. Field-level ones are
`Reject`s, listed with the file's other rejects: exit 1.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import stat
import sys
import unicodedata
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from drp_tui.domain.controls import CONTROL, escaped
from drp_tui.domain.errors import InputError
from drp_tui.domain.extract import Reject

# Longer than any name, address or reference a host system holds, and short enough that a
# hostile file cannot make drp hold a huge value per row.
MAX_FIELD = 4_096
ENCODING_NAMES = {"auto": "UTF-8", "utf-8": "UTF-8", "windows-1252": "Windows-1252"}


def read_input(path: Path) -> bytes:
    """The bytes of the file to import. Only a regular file (or a symlink to one) is read: a
    FIFO or device would hang the import or never end."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            raise InputError("FILE", f"{path} is not a regular file")
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError("FILE", f"{path} does not exist") from None
    except OSError as exc:
        raise InputError("FILE", f"{path} cannot be read: {exc.strerror}") from None


def encoding_name(encoding: str) -> str:
    return ENCODING_NAMES.get(encoding, encoding)


def check_encoding(encoding: str, option: str = "--encoding") -> str:
    if encoding not in ENCODING_NAMES:
        raise InputError(option, f"must be one of {', '.join(ENCODING_NAMES)} (got {encoding!r})")
    return encoding


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, encoding: str) -> str:
    """The file's text in its one encoding: `auto` and `utf-8` are strict UTF-8 (a leading
    byte-order mark is dropped); `windows-1252` is strict Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in data[:4096]:
        raise InputError(
            "FILE", "looks like UTF-16 or a binary file; save it as CSV in UTF-8 or Windows-1252"
        )
    if encoding == "windows-1252":
        if data.startswith(codecs.BOM_UTF8):
            raise InputError(
                "FILE",
                "line 1 starts with a UTF-8 byte-order mark but Windows-1252 was named; "
                "leave out --encoding (or the mapping's encoding) to read it as UTF-8",
            )
        if not data.isascii() and _is_utf8(data):
            # Valid UTF-8 with letters beyond ASCII is all but never Windows-1252 text:
            # read as named, 'Zoë' would be stored as 'ZoÃ«' without a word.
            raise InputError(
                "FILE",
                "is UTF-8 text (its accented letters are UTF-8) but Windows-1252 was named; "
                "leave out --encoding (or the mapping's encoding) to read it as UTF-8",
            )
        codec, hint = "windows-1252", "Ask the host system for the file in UTF-8"
    else:
        codec = "utf-8-sig"
        hint = (
            "If the whole file is Windows-1252, say so with --encoding windows-1252 "
            "(or encoding = 'windows-1252' in the mapping); drp never re-decodes part of a file"
        )
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        start = data.rfind(b"\n", 0, exc.start) + 1
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            "FILE",
            f"line {line}, byte {exc.start - start + 1} (0x{data[exc.start]:02x}) is not "
            f"{encoding_name(encoding)}; nothing was read. {hint}",
        ) from None


def fold_name(name: str) -> str:
    """A column name as two columns are compared: compatibility forms (a full-width letter, a
    no-break space) as their plain ones, invisible format and control characters (a
    zero-width space, a byte-order mark) left out, every run of spaces as one, outer spaces
    dropped, and case folded. Two names that fold to one look the same to an officer."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(text.split()).casefold()


def shown_name(name: str) -> str:
    """A column name quoted, with what an officer cannot see written as an escape
    (`'balance\\u200b'`, `'stage\\xa0date'`)."""
    shown = "".join(
        c.encode("unicode_escape").decode("ascii")
        if c != " " and unicodedata.category(c) in ("Cf", "Cc", "Zs", "Zl", "Zp")
        else c
        for c in name
    )
    return f"'{shown}'"


def check_header(header: list[str]) -> None:
    """Refuse two columns whose names fold to one (`fold_name`): which would drp read?"""
    seen: dict[str, int] = {}
    for position, name in enumerate(header, start=1):
        first = seen.setdefault(fold_name(name), position)
        if first == position:
            continue
        earlier = header[first - 1]
        if earlier.strip() == name.strip():
            said = f"the column {shown_name(name.strip())} appears twice (columns {first} and "
            said += f"{position})"
        else:
            said = (
                f"the columns {shown_name(earlier)} and {shown_name(name)} (columns {first} and "
                f"{position}) differ only by case, spaces or characters that cannot be seen"
            )
        raise InputError(
            "FILE", f"line 1: {said}; drp cannot tell which to read, so nothing was read"
        )


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


# A record: the file line it starts on, the line it ends on (the same unless a quoted field
# holds a line break), and its fields as `csv.DictReader` would give them (a short row's
# missing columns are None; a long row's extra fields are a list under the key None).
Record = tuple[int, int, dict[Any, Any]]
# What the CSV reader counts as a line break (StringIO with newline="" splits on each).
_BREAK = re.compile(r"\r\n|\r|\n")


# A record as the CSV reader gives it: its first and last file lines, and its fields in file
# order (`as_record` makes the `Record` that names them).
Fields = tuple[int, int, list[str]]


def read_field_lists(
    text: str, dialect: type[csv.Dialect] | csv.Dialect
) -> tuple[list[str], Iterator[Fields]]:
    """The header (checked) and the records, each with the lines of the file it is on: a
    reject names the file's line, which blank lines and quoted line breaks put apart from
    the record's number. A field over `MAX_FIELD` characters, or a file the CSV reader cannot
    parse, is refused naming its line. Blank lines are skipped, as `csv.DictReader` does."""
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
    try:
        with _field_limit(MAX_FIELD):
            header: list[str] = next(reader, [])
    except csv.Error as exc:
        raise _refusal(exc, text, dialect) from None
    check_header(header)

    def records() -> Iterator[Fields]:
        done = reader.line_num
        with _field_limit(MAX_FIELD):
            try:
                for fields in reader:
                    line, done = done + 1, reader.line_num
                    if fields:
                        yield line, done, fields
            except csv.Error as exc:
                raise _refusal(exc, text, dialect) from None

    return header, records()


def as_record(header: list[str], found: Fields) -> Record:
    """The record with its fields named as `csv.DictReader` names them: a short row's missing
    columns are None, a long row's extra fields a list under the key None."""
    line, end, fields = found
    width = len(header)
    row: dict[Any, Any] = dict(zip(header, fields, strict=False))
    if len(fields) < width:
        for name in header[len(fields) :]:
            row[name] = None
    elif len(fields) > width:
        row[None] = fields[width:]
    return line, end, row


def read_records(
    text: str, dialect: type[csv.Dialect] | csv.Dialect
) -> tuple[list[str], Iterator[Record]]:
    """`read_field_lists`, each record's fields named (`as_record`)."""
    header, found = read_field_lists(text, dialect)
    return header, (as_record(header, record) for record in found)


def line_of(record: Record, column: object) -> int:
    """The file line `column`'s field starts on: the record's first line, plus the line
    breaks inside the fields before it."""
    line, end, fields = record
    if end == line:
        return line
    for name, value in fields.items():
        if name == column:
            break
        if isinstance(value, str):
            line += len(_BREAK.findall(value))
    return line


def at_lines(record: Record, rejects: list[Reject]) -> list[Reject]:
    """`rejects` of one record, each naming the file line its own field is on."""
    if record[0] == record[1]:
        return rejects
    return [replace(r, line=line_of(record, r.column)) for r in rejects]


def _refusal(exc: csv.Error, text: str, dialect: type[csv.Dialect] | csv.Dialect) -> InputError:
    """Where the CSV reader gave up: the first over-long field, by file line and column."""
    with _field_limit(sys.maxsize):
        reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect)
        header: list[str] | None = None
        done = 0
        try:
            for fields in reader:
                record = (done + 1, reader.line_num, dict(enumerate(fields)))
                done = reader.line_num
                for position, value in enumerate(fields):
                    if len(value) > MAX_FIELD:
                        column: object = position + 1
                        if header is not None and position < len(header):
                            column = header[position]
                        return InputError(
                            "FILE",
                            f"line {line_of(record, position)}, column {column}: longer "
                            f"than {MAX_FIELD:,} characters, more than any field drp reads; "
                            "nothing was read",
                        )
                header = fields if header is None else header
        except csv.Error:
            pass
    return InputError("FILE", f"line {reader.line_num}: cannot be read as CSV ({exc})")


# Bytes that begin one of CONTROL's characters in UTF-8 (or are one): a file without any of
# them has none, which bytes.translate finds at memory speed; only a file with some (any
# accented name brings 0xc2 or 0xe2) is searched character by character.
_LEADS = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F, 0xC2, 0xD8, 0xE2])
_NOT_LEADS = bytes(sorted(set(range(256)) - set(_LEADS)))


def has_controls(data: bytes, text: str) -> bool:
    """Whether any field could hold a character `clean_fields` refuses: checked once for the
    file, so a clean file costs nothing per row."""
    if not data.translate(None, _NOT_LEADS):
        return False
    return CONTROL.search(text) is not None


def _shown(character: str) -> str:
    name = unicodedata.name(character, "control character")
    return f"U+{ord(character):04X} ({name.lower()})"


def clean_fields(
    raw: Mapping[Any, Any], columns: Mapping[str, str], line: int, remove: bool
) -> tuple[dict[Any, Any], list[Reject], list[Reject]]:
    """The row with control characters refused (rejects) or removed (warnings), field by
    field, for the columns the mapping reads."""
    fields = dict(raw)
    rejects: list[Reject] = []
    warnings: list[Reject] = []
    for column in columns.values():
        value = fields.get(column)
        if not isinstance(value, str):
            continue
        found = CONTROL.search(value)
        if found is None:
            continue
        shown = _shown(found.group())
        if remove:
            fields[column] = CONTROL.sub("", value)
            warnings.append(
                Reject(line, column, fields[column], f"had control characters ({shown}) removed")
            )
        else:
            rejects.append(
                Reject(
                    line,
                    column,
                    escaped(value),
                    f"holds a control character {shown}; a terminal would act on it",
                )
            )
    return fields, rejects, warnings
