"""Column types that keep drp's values exact in SQLite: money as integer pence, instants as
UTC ISO text, structured detail as JSON text."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Integer, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from drp_tui.domain.money import PENNY


class Pence(TypeDecorator[Decimal]):
    """A `Decimal` pounds value stored as integer pence."""

    impl = Integer
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        pence = value * 100
        if pence != pence.to_integral_value():
            raise ValueError(f"{value} has fractions of a penny")
        return int(pence)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else (Decimal(int(value)) * PENNY)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC ISO 8601 text (sorts as time)."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> str | None:
        return None if value is None else instant_text(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        return None if value is None else instant_from_text(value)


def instant_text(value: datetime) -> str:
    """How the store writes an instant (for raw SQL that bypasses the column type)."""
    if value.tzinfo is None:
        raise ValueError("store instants with a timezone")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def instant_from_text(value: Any) -> datetime:
    return datetime.fromisoformat(str(value))


class JsonText(TypeDecorator[Any]):
    """JSON kept as compact, key-sorted text so the same value is always the same bytes."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else canonical_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        return None if value is None else json.loads(value)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
