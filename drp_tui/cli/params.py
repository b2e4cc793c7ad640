"""Turning option text into values, with one-line errors that name the option."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Annotated, TypeVar

import typer

from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import Money, parse_money, parse_percent

S = TypeVar("S", bound=str)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]
JsonSummary = Annotated[bool, typer.Option("--json", help="Print a JSON summary.")]


def choose(value: str, options: Sequence[S], option: str) -> S:
    cleaned = value.strip().lower()
    for candidate in options:
        if candidate == cleaned:
            return candidate
    raise InputError(option, f"{value!r} is not one of {', '.join(options)}")


def amount(text: str, option: str) -> Money:
    return parse_money(text, option)


def day(text: str | None, option: str, default: date) -> date:
    return default if text is None else parse_date(text, option)


def whole(text: str, option: str, minimum: int = 0) -> int:
    cleaned = text.strip()
    if not cleaned.lstrip("-").isdigit():
        raise InputError(option, f"{text!r} is not a whole number")
    value = int(cleaned)
    if value < minimum:
        raise InputError(option, f"must be at least {minimum}")
    return value


def rate(text: str | None, option: str) -> Decimal | None:
    return None if text is None else parse_percent(text, option)


HubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        help="The team hub: a postgresql:// URL or a SQLite file "
        "(default: DRP_HUB_URL, or hub_url in the config file).",
        show_default=False,
    ),
]
OnHubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        help="Do it on the team hub (a postgresql:// URL or a SQLite file) instead of this "
        "desk's store; officers' desks follow at their next sync.",
        show_default=False,
    ),
]
