"""What every `drp calc` command shares: the settings and policy, the common options, and
the renewal warnings added to a result."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer

from drp_tui.services.policy import PolicyBook, policy_for
from drp_tui.services.renewals import calculator_warnings
from drp_tui.settings import Settings, load_settings

OnDate = Annotated[
    str | None, typer.Option("--on", help="The date to apply the rules for (default today).")
]
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="england or wales.")]


def context() -> tuple[Settings, PolicyBook]:
    settings = load_settings()
    return settings, policy_for(settings)


def renewal_warnings(
    policy: PolicyBook, calculator: str, on: date, group: str = ""
) -> tuple[str, ...]:
    """Warnings for rows the calculation used past their expected renewal."""
    return tuple(calculator_warnings(policy, calculator, on, group))
