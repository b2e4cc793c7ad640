"""`drp calc schedule`, `affordability` and `routes`: the calculators that plan a case rather
than price one deduction. Registered on the `drp calc` group in `drp_tui.cli.calc`."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.calc_common import Jurisdiction, OnDate, context, renewal_warnings
from drp_tui.cli.output import money, pounds
from drp_tui.cli.params import JsonFlag, amount, choose, day, whole
from drp_tui.domain.affordability import assess, statement_from_data
from drp_tui.domain.errors import InputError
from drp_tui.domain.money import ZERO
from drp_tui.domain.policy import JURISDICTIONS
from drp_tui.domain.recovery import recovery_routes
from drp_tui.domain.schedule import FREQUENCIES, Finding, Schedule, build_schedule
from drp_tui.services.policy import guidelines_for
from drp_tui.services.renewals import calculator_warnings


def schedule(
    total: Annotated[str, typer.Option(help="The amount the arrangement must clear.")],
    frequency: Annotated[str, typer.Option(help="weekly, fortnightly, four-weekly or monthly.")],
    first: Annotated[str, typer.Option(help="First payment date.")],
    instalment: Annotated[str | None, typer.Option(help="Amount of each instalment.")] = None,
    count: Annotated[str | None, typer.Option(help="Number of instalments.")] = None,
    clear_by: Annotated[str | None, typer.Option(help="Clear the debt by this date.")] = None,
    debt_type: Annotated[
        str | None, typer.Option(help="e.g. council_tax; adds its policy checks.")
    ] = None,
    override_reason: Annotated[
        str | None, typer.Option(help="Why a policy limit is overridden (recorded).")
    ] = None,
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """A payment arrangement schedule with policy checks. Exit 1 when a policy check fails."""
    settings, policy = context()
    today = day(on, "--on", settings.current_date())
    if debt_type is not None:
        debt_type = policy.recovery.debt_type(debt_type.replace("-", "_"), today).id
    result = build_schedule(
        policy.arrangements,
        total=amount(total, "--total"),
        frequency=choose(frequency, FREQUENCIES, "--frequency"),
        first=day(first, "--first", today),
        today=today,
        instalment=None if instalment is None else amount(instalment, "--instalment"),
        count=None if count is None else whole(count, "--count"),
        clear_by=day(clear_by, "--clear-by", today) if clear_by is not None else None,
        debt_type=debt_type,
        override_reason=override_reason,
    )
    extra = tuple(
        Finding("renewal_overdue", w) for w in calculator_warnings(policy, "schedule", today)
    )
    result = replace(result, warnings=result.warnings + extra)
    if as_json:
        output.print_json(
            {
                "instalments": [
                    {"due": i.due.isoformat(), "amount": money(i.amount)}
                    for i in result.instalments
                ],
                "count": len(result.instalments),
                "total": money(result.total),
                "warnings": [{"code": f.code, "message": f.message} for f in result.warnings],
                "errors": [{"code": f.code, "message": f.message} for f in result.errors],
            }
        )
    else:
        _show_schedule(result)
    if not result.possible:
        raise typer.Exit(2)
    if result.errors:
        raise typer.Exit(1)


def _show_schedule(result: Schedule) -> None:
    if result.instalments:
        out = output.console()
        out.print(
            f"[bold]{len(result.instalments)} instalments totalling {pounds(result.total)}[/bold]"
        )
        table = Table()
        table.add_column("#", justify="right")
        table.add_column("Due")
        table.add_column("Amount", justify="right")
        for number, item in enumerate(result.instalments, start=1):
            table.add_row(str(number), f"{item.due:%a %d %b %Y}", pounds(item.amount))
        out.print(table)
    output.findings(
        warnings=[f.message for f in result.warnings], errors=[f.message for f in result.errors]
    )


def affordability(
    file: Annotated[
        Path, typer.Option("--file", help="A statement as JSON (see docs/cli.md).", dir_okay=False)
    ],
    guidelines: Annotated[
        str | None,
        typer.Option(
            help="'example', a guideline TOML file, or (default) the table loaded "
            "with 'drp policy load-guidelines'."
        ),
    ] = None,
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Standard Financial Statement: surplus, savings, priority and pro-rata shares."""
    settings, policy = context()
    try:
        raw = json.loads(file.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise InputError("--file", f"{file} does not exist") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("--file", f"{file} cannot be read ({exc})") from None
    except json.JSONDecodeError as exc:
        raise InputError(
            "--file", f"{file} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})"
        ) from None
    when = day(on, "--on", settings.current_date())
    result = assess(
        statement_from_data(raw),
        savings_rules=policy.savings,
        on=when,
        guidelines=guidelines_for(settings, guidelines),
        figure_checks=policy.figure_checks,
    )
    extra = renewal_warnings(policy, "affordability", when)
    result = replace(result, warnings=result.warnings + extra)
    checks = result.guideline_checks
    if as_json:
        output.print_json(
            {
                "total_income": money(result.total_income),
                "total_fixed_costs": money(result.total_fixed_costs),
                "total_flexible_costs": money(result.total_flexible_costs),
                "total_expenditure": money(result.total_expenditure),
                "surplus": money(result.surplus),
                "savings_contribution": money(result.savings_contribution),
                "savings_rule": result.savings_rule,
                "available_for_priority": money(result.available_for_priority),
                "priority_payments": money(result.priority_payments),
                "available_for_non_priority": money(result.available_for_non_priority),
                "non_priority_shares": [
                    {"creditor": s.creditor, "balance": money(s.balance), "amount": money(s.amount)}
                    for s in result.non_priority_shares
                ],
                "guideline_checks": {
                    "enabled": checks.enabled,
                    "table": checks.table,
                    "example": checks.example,
                    "notice": checks.notice,
                    "checks": [
                        {
                            "category": c.category,
                            "spent": money(c.spent),
                            "guideline": money(c.guideline),
                            "within": c.within,
                        }
                        for c in checks.checks
                    ],
                },
                "warnings": list(result.warnings),
            }
        )
        return
    rows = [
        ("Total income", pounds(result.total_income)),
        ("Total expenditure", pounds(result.total_expenditure)),
        ("Surplus", pounds(result.surplus)),
        ("Savings contribution", f"{pounds(result.savings_contribution)} ({result.savings_rule})"),
        ("Available for priority debts", pounds(result.available_for_priority)),
        ("Priority payments", pounds(result.priority_payments)),
        ("Available for non-priority", pounds(result.available_for_non_priority)),
    ]
    rows += [(f"  {s.creditor}", pounds(s.amount)) for s in result.non_priority_shares]
    rows += [
        (
            f"{c.category.replace('_', ' ')}",
            f"{pounds(c.spent)} vs guideline {pounds(c.guideline)}"
            f"{'' if c.within else '  ABOVE — note a reason'}",
        )
        for c in checks.checks
    ]
    notices = [f"notice: {checks.notice}"] if checks.notice else []
    output.show("Affordability (monthly)", rows, warnings=result.warnings, notes=notices)


def routes(
    debt_type: Annotated[str, typer.Option(help="e.g. council_tax, hb_overpayment, parking.")],
    stage: Annotated[str, typer.Option(help="The debt's recovery stage, e.g. liability_order.")],
    jurisdiction: Jurisdiction = "england",
    balance: Annotated[str, typer.Option(help="The balance owed.")] = "0",
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Which recovery routes are open for a debt, and why the others are not."""
    settings, policy = context()
    when = day(on, "--on", settings.current_date())
    place = choose(jurisdiction, JURISDICTIONS, "--jurisdiction")
    checks = recovery_routes(
        policy.recovery,
        debt_type=debt_type.replace("-", "_"),
        stage=stage.replace("-", "_"),
        jurisdiction=place,
        balance=amount(balance, "--balance") if balance else ZERO,
        on=when,
    )
    warnings = renewal_warnings(policy, "routes", when)
    if as_json:
        output.print_json(
            {
                "routes": [
                    {
                        "id": c.id,
                        "name": c.name,
                        "open": c.open,
                        "reason": c.reason,
                        "calculator": c.calculator,
                        "note": c.note,
                    }
                    for c in checks
                ],
                "warnings": list(warnings),
            }
        )
        return
    output.show(
        "Recovery routes",
        [
            (
                c.name,
                Text("open", style="green") + (f" — {c.note}" if c.note else "")
                if c.open
                else Text(f"closed: {c.reason}", style="dim"),
            )
            for c in checks
        ],
        warnings=warnings,
    )
