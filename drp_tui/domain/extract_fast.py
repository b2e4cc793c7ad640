"""The fast path of an extract's row checks: the common row, read by position, checked field by
field against what it has already seen, and turned into an `ExtractRow` without a reject.

`read_row` (drp_tui.domain.extract) stays the one statement of the rules. A `FastRows` reader
says yes only to a row that `read_row` would accept without a reject or a warning, and gives
exactly the row `read_row` would give (tests/test_extract_fast.py compares the two over the
hostile corpus, generated rows and hypothesis's); for anything else it gives None and the
importer asks `read_row`, which names every problem. What it remembers (dates, amounts, debt
types and stages, postcodes, phone numbers already read) is what an extract repeats row after
row, so a million rows are checked with a few dictionary look-ups each.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from operator import itemgetter
from typing import Any

from drp_tui.domain.extract import (
    _EMAIL,
    FIELDS,
    ExtractMapping,
    ExtractRow,
    normalise_phone,
    normalise_postcode,
    parse_extract_date,
)
from drp_tui.domain.money import _PLAIN
from drp_tui.domain.policy import JURISDICTIONS

# A remembered value that did not pass: the row goes to read_row.
_NO = object()
# How many distinct values each memory keeps before it starts again (a bound on memory for a
# file whose values never repeat).
MEMORY = 200_000


class _Memory(dict[Any, Any]):
    """A dictionary that empties itself when full."""

    def remember(self, key: Any, value: Any) -> Any:
        if len(self) >= MEMORY:
            self.clear()
        self[key] = value
        return value


class FastRows:
    """Rows of one file, read by the positions of its header."""

    def __init__(
        self,
        mapping: ExtractMapping,
        header: Sequence[str],
        stages_of: Mapping[str, Sequence[str]],
        today: date,
    ) -> None:
        self.mapping, self.stages_of, self.today = mapping, stages_of, today
        self.width = len(header)
        position = {name: index for index, name in enumerate(header)}
        # Each of drp's fields, in FIELDS order: its column's position, or `width` (where an
        # empty string is put on the end of the row) when the mapping or the file lacks it.
        # A header naming one column twice is refused before this.
        indices = [
            position.get(mapping.columns[name], self.width)
            if name in mapping.columns
            else self.width
            for name in FIELDS
        ]
        self._get = itemgetter(*indices)
        self._defaults = [
            (FIELDS.index(name), value)
            for name, value in mapping.defaults.items()
            if value and name in FIELDS
        ]
        self._types: _Memory = _Memory()
        self._stages: _Memory = _Memory()
        self._money: _Memory = _Memory()
        self._dates: _Memory = _Memory()
        self._postcodes: _Memory = _Memory()
        self._phones: _Memory = _Memory()

    def _debt_type(self, host_type: str) -> Any:
        debt_type = self.mapping.debt_types.get(host_type, host_type)
        return self._types.remember(host_type, debt_type if debt_type in self.stages_of else _NO)

    def _stage(self, debt_type: str, code: str) -> Any:
        stage = self.mapping.stage_for(debt_type, code) or (
            code if code in self.stages_of[debt_type] else ""
        )
        return self._stages.remember((debt_type, code), stage or _NO)

    def _pence(self, text: str) -> Any:
        """An amount in pence, if written as parse_money's own first step reads it (plain
        ASCII digits, at most two places): `int(parse_money(text) * 100)`."""
        pence = self._money.get(text)
        if pence is None:
            if _PLAIN.match(text):
                pounds, _, fraction = text.partition(".")
                pence = int(pounds) * 100 + int(fraction.ljust(2, "0"))
            else:
                pence = _NO
            self._money.remember(text, pence)
        return pence

    def _date(self, text: str) -> Any:
        day = parse_extract_date(text, self.mapping.date_formats)
        return self._dates.remember(text, _NO if day is None else day)

    def _postcode(self, text: str) -> Any:
        postcode = normalise_postcode(text)
        return self._postcodes.remember(text, _NO if postcode is None else postcode)

    def _phone(self, text: str) -> Any:
        number = normalise_phone(text)
        return self._phones.remember(text, _NO if number is None else number)

    def read(self, fields: list[str], line: int) -> ExtractRow | None:
        """The row as `read_row` gives it, or None where `read_row` must judge it (a reject or
        a warning, or a row of the wrong width)."""
        if len(fields) != self.width:
            return None
        fields.append("")  # what a field the file or the mapping lacks reads as
        values = [value.strip() for value in self._get(fields)]
        fields.pop()
        for index, default in self._defaults:
            if not values[index]:
                values[index] = default
        (
            person_ref,
            surname,
            debt_ref,
            balance_text,
            stage_code,
            title,
            forename,
            birth_text,
            email,
            line1,
            line2,
            town,
            postcode_text,
            phone1,
            phone2,
            host_type,
            period,
            original_text,
            costs_text,
            stage_text,
            order_text,
            jurisdiction,
            joint,
        ) = values
        if not (person_ref and surname and debt_ref and balance_text and stage_code and host_type):
            return None
        debt_type = self._types.get(host_type) or self._debt_type(host_type)
        if debt_type is _NO:
            return None
        stage = self._stages.get((debt_type, stage_code)) or self._stage(debt_type, stage_code)
        balance = self._pence(balance_text)
        original = self._pence(original_text) if original_text else balance
        costs = self._pence(costs_text) if costs_text else 0
        if stage is _NO or balance is _NO or original is _NO or costs is _NO:
            return None
        dates = self._dates
        birth = (dates.get(birth_text) or self._date(birth_text)) if birth_text else None
        stage_date = (dates.get(stage_text) or self._date(stage_text)) if stage_text else None
        order_date = (dates.get(order_text) or self._date(order_text)) if order_text else None
        if birth is _NO or stage_date is _NO or order_date is _NO:
            return None
        if birth is not None and birth > self.today:
            return None
        jurisdiction = (jurisdiction or "england").lower()
        if jurisdiction not in JURISDICTIONS:
            return None
        address = None
        if line1 or postcode_text:
            postcode = self._postcodes.get(postcode_text) or self._postcode(postcode_text)
            if postcode is _NO:
                return None
            address = (line1, line2, town, postcode)
        phones: tuple[tuple[str, str], ...] = ()
        if phone1:
            first = self._phones.get(phone1) or self._phone(phone1)
            if first is _NO:
                return None
            phones = (first,)
        if phone2:
            second = self._phones.get(phone2) or self._phone(phone2)
            if second is _NO:
                return None
            if not phones or second[0] != phones[0][0]:
                phones = (*phones, second)
        if email and not _EMAIL.match(email):
            return None
        return ExtractRow(
            line,
            person_ref,
            title,
            forename,
            surname,
            birth,
            email or None,
            address,
            phones,
            debt_ref,
            debt_type,
            period,
            original,
            balance,
            costs,
            stage,
            stage_date,
            order_date,
            jurisdiction,
            joint or None,
        )
