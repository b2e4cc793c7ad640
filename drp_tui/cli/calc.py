"""`drp calc`: the policy calculators, headless, with `--json`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.output import money, percent, pounds
from drp_tui.cli.params import JsonFlag, amount, choose, day, rate, whole
from drp_tui.domain.affordability import assess, statement_from_data
from drp_tui.domain.attachment import (
    DEA_PERIODS,
    PERIODS,
    AttachmentResult,
    ctaeo_deduction,
    dea_deduction,
)
from drp_tui.domain.benefits import (
    ALLOWANCES,
    council_tax_benefit_deduction,
    hb_recovery_rate,
)
from drp_tui.domain.errors import InputError
from drp_tui.domain.fees import STAGES, enforcement_fees
from drp_tui.domain.interest import late_payment_interest
from drp_tui.domain.money import ZERO
from drp_tui.domain.policy import JURISDICTIONS
from drp_tui.domain.recovery import recovery_routes
from drp_tui.domain.schedule import FREQUENCIES, Schedule, build_schedule
from drp_tui.services.policy import PolicyBook, guidelines_for, policy_for
from drp_tui.settings import Settings, load_settings

app = typer.Typer(
    help="Policy calculators: attachment of earnings, DEA, enforcement fees, late payment "
    "interest, benefit deductions, payment schedules and affordability.",
    no_args_is_help=True,
)

OnDate = Annotated[
    str | None, typer.Option("--on", help="The date to apply the rules for (default today).")
]
Jurisdiction = Annotated[str, typer.Option("--jurisdiction", help="england or wales.")]


def _context() -> tuple[Settings, PolicyBook]:
    settings = load_settings()
    return settings, policy_for(settings)


def _print_attachment(result: AttachmentResult, title: str, *, as_json: bool) -> None:
    if as_json:
        output.print_json(
            {
                "deduction": money(result.deduction),
                "rate_percent": percent(result.rate_percent),
                "band": result.band,
                "table": result.table,
                "attachable_earnings": money(result.attachable),
                "rounding": result.rounding,
                "warnings": list(result.warnings),
            }
        )
        return
    output.show(
        title,
        [
            ("Deduction", pounds(result.deduction)),
            ("Band", result.band),
            ("Applied to", pounds(result.attachable)),
            ("Table", result.table),
        ],
        warnings=result.warnings,
        notes=[f"Deduction {result.rounding}."],
    )


@app.command("aeo")
def aeo(
    net: Annotated[str, typer.Option(help="Net earnings for the pay period, e.g. £1,234.50.")],
    period: Annotated[str, typer.Option(help="daily, weekly or monthly.")],
    made_on: Annotated[
        str | None, typer.Option(help="Date the order was made; picks the table (default today).")
    ] = None,
    jurisdiction: Jurisdiction = "england",
    earlier_order_deduction: Annotated[
        str, typer.Option(help="What an earlier council tax order already takes this period.")
    ] = "0",
    as_json: JsonFlag = False,
) -> None:
    """Council tax attachment of earnings: the deduction for one pay period."""
    settings, policy = _context()
    result = ctaeo_deduction(
        policy.ctaeo,
        net=amount(net, "--net"),
        period=choose(period, PERIODS, "--period"),
        made_on=day(made_on, "--made-on", settings.current_date()),
        jurisdiction=choose(jurisdiction, JURISDICTIONS, "--jurisdiction"),
        earlier_order_deduction=amount(earlier_order_deduction, "--earlier-order-deduction"),
    )
    _print_attachment(result, "Council tax attachment of earnings", as_json=as_json)


@app.command("dea")
def dea(
    net: Annotated[str, typer.Option(help="Net earnings for the pay period.")],
    period: Annotated[
        str, typer.Option(help="daily, weekly, fortnightly, four-weekly or monthly.")
    ],
    higher: Annotated[bool, typer.Option("--higher", help="Use the higher-rate table.")] = False,
    priority_deductions: Annotated[
        str, typer.Option(help="Deductions that come first (earlier orders) this period.")
    ] = "0",
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Direct Earnings Attachment (HB overpayments): the deduction for one pay period."""
    settings, policy = _context()
    result = dea_deduction(
        policy.dea,
        net=amount(net, "--net"),
        period=choose(period, DEA_PERIODS, "--period"),
        higher=higher,
        priority_deductions=amount(priority_deductions, "--priority-deductions"),
        on=day(on, "--on", settings.current_date()),
    )
    _print_attachment(result, "Direct Earnings Attachment", as_json=as_json)


@app.command("fees")
def fees(
    balance: Annotated[str, typer.Option(help="The sum to be recovered.")],
    stage: Annotated[str, typer.Option(help="compliance, enforcement or sale.")],
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Enforcement agent fees for every stage reached so far."""
    settings, policy = _context()
    result = enforcement_fees(
        policy.fees,
        balance=amount(balance, "--balance"),
        stage=choose(stage, STAGES, "--stage"),
        on=day(on, "--on", settings.current_date()),
    )
    if as_json:
        output.print_json(
            {
                "fees": {name: money(fee) for name, fee in result.fees.items()},
                "total": money(result.total),
                "scale": result.scale,
                "compliance_period_days": result.compliance_period_days,
                "warnings": list(result.warnings),
            }
        )
        return
    rows = [(f"{name.title()} fee", pounds(fee)) for name, fee in result.fees.items()]
    output.show(
        "Enforcement agent fees",
        [*rows, ("Total", pounds(result.total)), ("Scale", result.scale)],
        warnings=result.warnings,
    )


@app.command("interest")
def interest(
    principal: Annotated[str, typer.Option(help="The unpaid debt.")],
    due: Annotated[str, typer.Option(help="The date payment was due.")],
    on: Annotated[
        str | None, typer.Option(help="Interest up to this date (default today).")
    ] = None,
    reference_rate: Annotated[
        str | None, typer.Option(help="Bank of England base rate %, where the table has none.")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Statutory late payment interest and fixed compensation on a commercial debt."""
    settings, policy = _context()
    result = late_payment_interest(
        policy.interest,
        principal=amount(principal, "--principal"),
        due=day(due, "--due", settings.current_date()),
        on=day(on, "--on", settings.current_date()),
        reference_rate=rate(reference_rate, "--reference-rate"),
    )
    if as_json:
        output.print_json(
            {
                "days": result.days,
                "rate_percent": percent(result.rate_percent),
                "reference_rate_percent": percent(result.reference_rate_percent),
                "reference_rate_from": result.reference_rate_from,
                "daily_interest": money(result.daily_interest),
                "interest": money(result.interest),
                "compensation": money(result.compensation),
                "total_claim": money(result.total_claim),
                "warnings": list(result.warnings),
            }
        )
        return
    output.show(
        "Late payment interest",
        [
            ("Days late", str(result.days)),
            (
                "Rate",
                f"{result.rate_percent}% (reference {result.reference_rate_percent}%, "
                f"{result.reference_rate_from})",
            ),
            ("Daily interest", pounds(result.daily_interest)),
            ("Interest", pounds(result.interest)),
            ("Compensation", pounds(result.compensation)),
            ("Total claim", pounds(result.total_claim)),
        ],
        warnings=result.warnings,
        notes=["Daily interest rounded to the penny, half up."],
    )


@app.command("benefit-deduction")
def benefit_deduction(
    benefit: Annotated[str, typer.Option(help="uc or legacy.")],
    allowance: Annotated[
        str,
        typer.Option(help="single-under-25, single-25-plus, couple-under-25 or couple-25-plus."),
    ],
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Council tax arrears deducted from Universal Credit or a legacy benefit."""
    settings, policy = _context()
    result = council_tax_benefit_deduction(
        policy.benefits,
        benefit=choose(benefit, ("uc", "legacy"), "--benefit"),
        allowance=choose(allowance, ALLOWANCES, "--allowance"),
        on=day(on, "--on", settings.current_date()),
    )
    if as_json:
        output.print_json(
            {
                "deduction": money(result.deduction),
                "period": result.period,
                "basis": result.basis,
                "overall_cap": None if result.overall_cap is None else money(result.overall_cap),
                "overall_cap_percent": (
                    None
                    if result.overall_cap_percent is None
                    else percent(result.overall_cap_percent)
                ),
                "warnings": list(result.warnings),
            }
        )
        return
    rows = [("Deduction", f"{pounds(result.deduction)} {result.period}"), ("Basis", result.basis)]
    if result.overall_cap is not None:
        rows.append(
            (
                "All UC deductions cap",
                f"{pounds(result.overall_cap)} ({result.overall_cap_percent}%)",
            )
        )
    output.show("Deduction from benefit", rows, warnings=result.warnings)


@app.command("hb-recovery")
def hb_recovery(
    fraud: Annotated[
        bool,
        typer.Option("--fraud", help="Fraud rate (conviction, caution or administrative penalty)."),
    ] = False,
    disregard: Annotated[str, typer.Option(help="Weekly earnings disregard in the claim.")] = "0",
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """The most that may be recovered each week from ongoing housing benefit."""
    settings, policy = _context()
    result = hb_recovery_rate(
        policy.benefits,
        fraud=fraud,
        disregard=amount(disregard, "--disregard"),
        on=day(on, "--on", settings.current_date()),
    )
    if as_json:
        output.print_json(
            {
                "weekly_max": money(result.weekly_max),
                "unit": money(result.unit),
                "multiple": result.multiple,
                "disregard_addition": money(result.disregard_addition),
                "table": result.table,
                "warnings": list(result.warnings),
            }
        )
        return
    output.show(
        "Housing benefit overpayment recovery",
        [
            ("Weekly maximum", pounds(result.weekly_max)),
            (
                "Made of",
                f"{result.multiple} × {pounds(result.unit)} + "
                f"{pounds(result.disregard_addition)} of the disregard",
            ),
            ("Table", result.table),
        ],
        warnings=result.warnings,
    )


@app.command("schedule")
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
    settings, policy = _context()
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


@app.command("affordability")
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
    settings, policy = _context()
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
    result = assess(
        statement_from_data(raw),
        savings_rules=policy.savings,
        on=day(on, "--on", settings.current_date()),
        guidelines=guidelines_for(settings, guidelines),
    )
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


@app.command("routes")
def routes(
    debt_type: Annotated[str, typer.Option(help="e.g. council_tax, hb_overpayment, parking.")],
    stage: Annotated[str, typer.Option(help="The debt's recovery stage, e.g. liability_order.")],
    jurisdiction: Jurisdiction = "england",
    balance: Annotated[str, typer.Option(help="The balance owed.")] = "0",
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Which recovery routes are open for a debt, and why the others are not."""
    settings, policy = _context()
    checks = recovery_routes(
        policy.recovery,
        debt_type=debt_type.replace("-", "_"),
        stage=stage.replace("-", "_"),
        jurisdiction=choose(jurisdiction, JURISDICTIONS, "--jurisdiction"),
        balance=amount(balance, "--balance") if balance else ZERO,
        on=day(on, "--on", settings.current_date()),
    )
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
                ]
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
    )
