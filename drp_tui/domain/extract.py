"""Host-system extracts: the mapping from a council system's CSV columns onto drp's records,
and the validation of each row. Pure: the importer service reads files and writes the store.

A row is one debt with the person liable for it. Rows that share a person reference are one
person (and one case).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any, NamedTuple

import phonenumbers

from drp_tui.domain.errors import InputError, PolicyError
from drp_tui.domain.money import parse_money
from drp_tui.domain.policy import JURISDICTIONS

# drp's fields, in the order a reject report lists them.
REQUIRED = ("person_ref", "surname", "debt_ref", "balance", "stage")
OPTIONAL = (
    "title",
    "forename",
    "date_of_birth",
    "email",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "phone",
    "phone2",
    "debt_type",
    "period",
    "original_amount",
    "costs",
    "stage_date",
    "liability_order_date",
    "jurisdiction",
    "joint_person_ref",
)
FIELDS = REQUIRED + OPTIONAL
# The columns of drp's generic extract (data/mappings/generic.toml), in file order.
GENERIC_COLUMNS = (
    "person_ref",
    "title",
    "forename",
    "surname",
    "date_of_birth",
    "email",
    "address_line1",
    "address_line2",
    "town",
    "postcode",
    "phone",
    "phone2",
    "debt_ref",
    "debt_type",
    "period",
    "original_amount",
    "balance",
    "costs",
    "stage",
    "stage_date",
    "liability_order_date",
    "jurisdiction",
    "joint_person_ref",
)
DATE_FIELDS = ("date_of_birth", "stage_date", "liability_order_date")
ENCODINGS = ("auto", "utf-8", "windows-1252")  # auto: UTF-8 unless --encoding names another
CONTROL_CHARACTERS = ("refuse", "remove")

# The shape of a UK postcode (the outward code, a space, the inward code).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class ExtractMapping:
    name: str
    host_system: str
    encoding: str
    delimiter: str | None  # None: detect
    date_formats: tuple[str, ...]
    columns: Mapping[str, str]  # drp field -> host column
    defaults: Mapping[str, str]  # drp field -> value when the column is absent or empty
    debt_types: Mapping[str, str]  # host code -> drp debt type
    stages: Mapping[str, Mapping[str, str]]  # drp debt type (or "*") -> host code -> stage
    control_characters: str = "refuse"  # or "remove" (with a warning per line)

    def stage_for(self, debt_type: str, code: str) -> str | None:
        for table in (self.stages.get(debt_type, {}), self.stages.get("*", {})):
            if code in table:
                return table[code]
        return None


def load_mapping(
    doc: Mapping[str, Any], path: str, *, debt_types: Mapping[str, Sequence[str]]
) -> ExtractMapping:
    """Read and check a mapping file. `debt_types` maps each drp debt type to its stages."""

    def fail(message: str) -> PolicyError:
        return PolicyError(path, message)

    head = doc.get("mapping")
    if not isinstance(head, Mapping):
        raise fail("missing the [mapping] section (name, host_system)")
    columns = doc.get("columns", {})
    if not isinstance(columns, Mapping) or not all(isinstance(v, str) for v in columns.values()):
        raise fail("[columns] must map drp fields to host column names")
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise fail(
            f"[columns] names unknown drp field(s) {', '.join(unknown)}; drp's fields "
            f"are {', '.join(FIELDS)}"
        )
    defaults = {str(k): str(v) for k, v in dict(doc.get("defaults", {})).items()}
    missing = [f for f in REQUIRED if f not in columns and f not in defaults]
    if "debt_type" not in columns and "debt_type" not in defaults:
        missing.append("debt_type")
    if missing:
        raise fail(f"[columns] must give {', '.join(missing)} (or a [defaults] value)")
    host_types = {str(k): str(v) for k, v in dict(doc.get("debt_types", {})).items()}
    for code, drp_type in host_types.items():
        if drp_type not in debt_types:
            raise fail(
                f"[debt_types] {code} = {drp_type!r} is not a drp debt type "
                f"({', '.join(debt_types)})"
            )
    stages: dict[str, dict[str, str]] = {}
    for drp_type, table in dict(doc.get("stages", {})).items():
        if drp_type != "*" and drp_type not in debt_types:
            raise fail(f"[stages.{drp_type}] is not a drp debt type")
        if not isinstance(table, Mapping):
            raise fail(f"[stages.{drp_type}] must map host codes to drp stages")
        allowed = (
            {s for stages_ in debt_types.values() for s in stages_}
            if drp_type == "*"
            else set(debt_types[drp_type])
        )
        for code, stage in table.items():
            if stage not in allowed:
                raise fail(
                    f"[stages.{drp_type}] {code} = {stage!r} is not a drp stage"
                    + ("" if drp_type == "*" else f" of {drp_type}")
                )
        stages[str(drp_type)] = {str(k): str(v) for k, v in table.items()}
    encoding = str(head.get("encoding", "auto"))
    if encoding not in ENCODINGS:
        raise fail(f"encoding must be one of {', '.join(ENCODINGS)}")
    controls = str(head.get("control_characters", "refuse"))
    if controls not in CONTROL_CHARACTERS:
        raise fail(f"control_characters must be one of {', '.join(CONTROL_CHARACTERS)}")
    formats = head.get("date_formats", ["%Y-%m-%d"])
    if isinstance(formats, str):
        formats = [formats]
    delimiter = head.get("delimiter")
    if delimiter is not None and (not isinstance(delimiter, str) or len(delimiter) != 1):
        raise fail("delimiter must be a single character (or left out to detect it)")
    return ExtractMapping(
        name=str(head.get("name", path)),
        host_system=str(head.get("host_system", "")).strip() or "host",
        encoding=encoding,
        delimiter=delimiter,
        date_formats=tuple(str(f) for f in formats),
        columns={str(k): str(v) for k, v in columns.items()},
        defaults=defaults,
        debt_types=host_types,
        stages=stages,
        control_characters=controls,
    )


@dataclass(frozen=True)
class Reject:
    line: int
    column: str
    value: str
    reason: str


class ExtractRow(NamedTuple):
    """One valid row, in drp's terms. A named tuple: a million are made in one import, and a
    frozen dataclass's checked assignments cost more than the row's own checks."""

    line: int
    person_ref: str
    title: str
    forename: str
    surname: str
    date_of_birth: date | None
    email: str | None
    address: tuple[str, str, str, str] | None  # line1, line2, town, postcode
    phones: tuple[tuple[str, str], ...]  # (E.164 number, "mobile" or "landline")
    debt_ref: str
    debt_type: str
    period: str
    original_pence: int  # amounts in whole pence, as the store keeps them
    balance_pence: int
    costs_pence: int
    stage: str
    stage_date: date | None
    liability_order_date: date | None
    jurisdiction: str
    joint_person_ref: str | None
    warnings: tuple[Reject, ...] = ()  # contact details left out, the row still imports


class _RowReader:
    """One row's fields in drp's terms, and its rejects and warnings. A plain class with
    slots: it is made once per row, in the import's hot loop."""

    __slots__ = ("line", "mapping", "raw", "rejects", "values", "warnings")

    def __init__(self, mapping: ExtractMapping, raw: Mapping[str, str], line: int) -> None:
        self.mapping, self.raw, self.line = mapping, raw, line
        self.rejects: list[Reject] = []
        self.warnings: list[Reject] = []
        # Every field's text once per row, defaults filled in.
        get, defaults = raw.get, mapping.defaults
        self.values: dict[str, str] = {
            name: (get(column) or "").strip() or defaults.get(name, "")
            for name, column in mapping.columns.items()
        }
        for name, value in defaults.items():
            self.values.setdefault(name, value)

    def column(self, name: str) -> str:
        return self.mapping.columns.get(name, name)

    def text(self, name: str) -> str:
        return self.values.get(name, "")

    def reject(self, name: str, value: str, reason: str) -> None:
        self.rejects.append(Reject(self.line, self.column(name), value, reason))

    def warn(self, name: str, value: str, reason: str) -> None:
        self.warnings.append(Reject(self.line, self.column(name), value, reason))

    def required(self, name: str) -> str:
        value = self.text(name)
        if not value:
            self.reject(name, "", "is empty")
        return value

    def money(self, name: str, *, required: bool = False) -> Decimal:
        value = self.required(name) if required else self.text(name)
        if not value:
            return Decimal("0.00")
        try:
            return parse_money(value, name)
        except InputError as exc:
            self.reject(name, value, exc.message)
            return Decimal("0.00")

    def day(self, name: str) -> date | None:
        value = self.text(name)
        if not value:
            return None
        parsed = parse_extract_date(value, self.mapping.date_formats)
        if parsed is None:
            shown = " or ".join(_example_date(f) for f in self.mapping.date_formats)
            self.reject(name, value, f"is not a real date in the expected form ({shown})")
        return parsed


@lru_cache(maxsize=65536)
def parse_extract_date(value: str, formats: tuple[str, ...]) -> date | None:
    """The date in the first format that fits, or None. Cached: extracts repeat dates a lot.
    Digits are ASCII only (int() and strptime would read full-width ones)."""
    if not value.isascii():
        return None
    for fmt in formats:
        try:
            if fmt == "%Y-%m-%d" and len(value) == 10 and value[4] == value[7] == "-":
                return date.fromisoformat(value)
            if fmt == "%d/%m/%Y" and len(value) == 10 and value[2] == value[5] == "/":
                return date(int(value[6:]), int(value[3:5]), int(value[:2]))
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    return None


def _example_date(fmt: str) -> str:
    return date(2026, 3, 31).strftime(fmt)


def normalise_postcode(value: str) -> str | None:
    match = _POSTCODE.match(value.strip().upper())
    return None if match is None else f"{match[1]} {match[2]}"


# Ten-digit UK numbers, written with 0, +44 or 0044 and any spacing: by far the most common
# form in council extracts, normalised here without the library's full parse (which costs
# tens of microseconds a number); anything else goes to phonenumbers.
_UK_NUMBER = re.compile(r"^(?:\+44|0044|0)([1-9]\d{9})$", re.ASCII)
_PHONE_PUNCTUATION = re.compile(r"[\s\-().]")


def normalise_phone(value: str) -> tuple[str, str] | None:
    """A phone number as E.164, with whether it is a mobile; None if it cannot be one."""
    match = _UK_NUMBER.match(_PHONE_PUNCTUATION.sub("", value))
    if match is not None:
        national = match[1]
        return f"+44{national}", "mobile" if _is_uk_mobile(national) else "landline"
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    # Possible (right length for its country) rather than valid: allocation data lags, and a
    # number an officer can dial is worth keeping.
    if not phonenumbers.is_possible_number(number):
        return None
    national = str(number.national_number)
    is_mobile = phonenumbers.number_type(number) == phonenumbers.PhoneNumberType.MOBILE
    kind = (
        "mobile"
        if is_mobile or (number.country_code == 44 and _is_uk_mobile(national))
        else "landline"
    )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), kind


def _is_uk_mobile(national: str) -> bool:
    # 07 numbers are mobiles, except 070 personal numbers and 076 pagers.
    return national.startswith("7") and not national.startswith(("70", "76"))


def read_row(
    mapping: ExtractMapping,
    raw: Mapping[str, str],
    line: int,
    stages_of: Mapping[str, Sequence[str]],
    today: date,
) -> ExtractRow | list[Reject]:
    """Validate one CSV row. Every problem in the row is reported, not just the first."""
    r = _RowReader(mapping, raw, line)
    text = r.values.get  # text(name, ""): the field, as r.text gives it, without a call
    person_ref = r.required("person_ref")
    surname = r.required("surname")
    debt_ref = r.required("debt_ref")

    debt_type = ""
    host_type = text("debt_type", "")
    if not host_type:
        r.reject("debt_type", "", "is empty")
    else:
        debt_type = mapping.debt_types.get(host_type, host_type)
        if debt_type not in stages_of:
            r.reject(
                "debt_type", host_type, "is not a debt type code in the mapping's [debt_types]"
            )
            debt_type = ""
    stage = ""
    stage_code = r.required("stage")
    if stage_code and debt_type:
        stage = mapping.stage_for(debt_type, stage_code) or (
            stage_code if stage_code in stages_of[debt_type] else ""
        )
        if not stage:
            r.reject(
                "stage",
                stage_code,
                f"is not a stage code for {debt_type} in the mapping's [stages]",
            )

    balance = r.money("balance", required=True)
    original = r.money("original_amount") if text("original_amount", "") else balance
    costs = r.money("costs")
    dates = {name: r.day(name) for name in DATE_FIELDS}
    if dates["date_of_birth"] and dates["date_of_birth"] > today:
        r.reject("date_of_birth", text("date_of_birth", ""), "is in the future")

    jurisdiction = (text("jurisdiction", "") or "england").lower()
    if jurisdiction not in JURISDICTIONS:
        r.reject("jurisdiction", jurisdiction, f"must be one of {', '.join(JURISDICTIONS)}")

    address = None
    line1, postcode_raw = text("address_line1", ""), text("postcode", "")
    if line1 or postcode_raw:
        postcode = normalise_postcode(postcode_raw)
        if postcode is None:
            r.warn(
                "postcode",
                postcode_raw,
                "is not a UK postcode (for example SW1A 1AA); kept as given",
            )
        address = (
            line1,
            text("address_line2", ""),
            text("town", ""),
            postcode or postcode_raw.upper(),
        )

    phones: list[tuple[str, str]] = []
    for name in ("phone", "phone2"):
        value = text(name, "")
        if value:
            number = normalise_phone(value)
            if number is None:
                r.warn(name, value, "is not a phone number; left out")
            elif number[0] not in {known for known, _ in phones}:
                phones.append(number)
    email = text("email", "") or None
    if email and not _EMAIL.match(email):
        r.warn("email", email, "is not an email address; left out")
        email = None

    if r.rejects:
        return r.rejects
    return ExtractRow(
        line=line,
        person_ref=person_ref,
        title=text("title", ""),
        forename=text("forename", ""),
        surname=surname,
        date_of_birth=dates["date_of_birth"],
        email=email,
        address=address,
        phones=tuple(phones),
        debt_ref=debt_ref,
        debt_type=debt_type,
        period=text("period", ""),
        original_pence=int(original * 100),
        balance_pence=int(balance * 100),
        costs_pence=int(costs * 100),
        stage=stage,
        stage_date=dates["stage_date"],
        liability_order_date=dates["liability_order_date"],
        jurisdiction=jurisdiction,
        joint_person_ref=text("joint_person_ref", "") or None,
        warnings=tuple(r.warnings),
    )
