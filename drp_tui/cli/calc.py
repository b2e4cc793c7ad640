"""`drp calc`: the policy calculators, headless, with `--json`. Every result's warnings
include any row it used past that table's expected renewal (see `drp policy due`)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated

import typer

from drp_tui.cli import calc_plans, output
from drp_tui.cli.calc_common import Jurisdiction, OnDate, context, renewal_warnings
from drp_tui.cli.output import money, percent, pounds
from drp_tui.cli.params import JsonFlag, amount, choose, day, rate
from drp_tui.domain.attachment import (
    PAY_PERIODS,
    AttachmentResult,
    ctaeo_deduction,
    dea_deduction,
)
from drp_tui.domain.benefits import (
    ALLOWANCES,
    Benefit,
    council_tax_benefit_deduction,
    hb_recovery_rate,
)
from drp_tui.domain.fees import STAGES, enforcement_fees
from drp_tui.domain.interest import late_payment_interest
from drp_tui.domain.policy import JURISDICTIONS

app = typer.Typer(
    help="Policy calculators: attachment of earnings, DEA, enforcement fees, late payment "
    "interest, benefit deductions, payment schedules and affordability.",
    no_args_is_help=True,
)


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
    period: Annotated[
        str, typer.Option(help="daily, weekly, fortnightly, four-weekly or monthly.")
    ],
    made_on: Annotated[
        str | None, typer.Option(help="Date the order was made; picks the table (default today).")
    ] = None,
    jurisdiction: Jurisdiction = "england",
    earlier_order_deduction: Annotated[
        str, typer.Option(help="What an earlier council tax order already takes this period.")
    ] = "0",
    on: Annotated[str | None, typer.Option(help="The pay day (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Council tax attachment of earnings: the deduction for one pay period. Fortnightly and
    four-weekly pay use the weekly table on the weekly equivalent (reg 38(1)(c))."""
    settings, policy = context()
    today = settings.current_date()
    place = choose(jurisdiction, JURISDICTIONS, "--jurisdiction")
    made = day(made_on, "--made-on", today)
    result = ctaeo_deduction(
        policy.ctaeo,
        net=amount(net, "--net"),
        period=choose(period, PAY_PERIODS, "--period"),
        made_on=made,
        jurisdiction=place,
        earlier_order_deduction=amount(earlier_order_deduction, "--earlier-order-deduction"),
        on=day(on, "--on", today),
    )
    extra = renewal_warnings(policy, "aeo", made, place)
    result = replace(result, warnings=result.warnings + extra)
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
    settings, policy = context()
    when = day(on, "--on", settings.current_date())
    result = dea_deduction(
        policy.dea,
        net=amount(net, "--net"),
        period=choose(period, PAY_PERIODS, "--period"),
        higher=higher,
        priority_deductions=amount(priority_deductions, "--priority-deductions"),
        on=when,
    )
    extra = renewal_warnings(policy, "dea", when, "higher" if higher else "standard")
    result = replace(result, warnings=result.warnings + extra)
    _print_attachment(result, "Direct Earnings Attachment", as_json=as_json)


@app.command("fees")
def fees(
    balance: Annotated[str, typer.Option(help="The sum to be recovered.")],
    stage: Annotated[str, typer.Option(help="compliance, enforcement or sale.")],
    on: OnDate = None,
    as_json: JsonFlag = False,
) -> None:
    """Enforcement agent fees for every stage reached so far."""
    settings, policy = context()
    when = day(on, "--on", settings.current_date())
    result = enforcement_fees(
        policy.fees,
        balance=amount(balance, "--balance"),
        stage=choose(stage, STAGES, "--stage"),
        on=when,
    )
    result = replace(result, warnings=result.warnings + renewal_warnings(policy, "fees", when))
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
    settings, policy = context()
    due_on = day(due, "--due", settings.current_date())
    result = late_payment_interest(
        policy.interest,
        principal=amount(principal, "--principal"),
        due=due_on,
        on=day(on, "--on", settings.current_date()),
        reference_rate=rate(reference_rate, "--reference-rate"),
    )
    late_from = due_on + timedelta(days=1)  # the half-year the debt fell late fixes the rate
    extra = renewal_warnings(policy, "interest", late_from)
    result = replace(result, warnings=result.warnings + extra)
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
    settings, policy = context()
    when = day(on, "--on", settings.current_date())
    kind: Benefit = choose(benefit, ("uc", "legacy"), "--benefit")
    result = council_tax_benefit_deduction(
        policy.benefits,
        benefit=kind,
        allowance=choose(allowance, ALLOWANCES, "--allowance"),
        on=when,
    )
    extra = renewal_warnings(policy, f"benefit-deduction-{kind}", when)
    result = replace(result, warnings=result.warnings + extra)
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
    settings, policy = context()
    when = day(on, "--on", settings.current_date())
    result = hb_recovery_rate(
        policy.benefits,
        fraud=fraud,
        disregard=amount(disregard, "--disregard"),
        on=when,
    )
    extra = renewal_warnings(policy, "hb-recovery", when)
    result = replace(result, warnings=result.warnings + extra)
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


app.command("schedule")(calc_plans.schedule)
app.command("affordability")(calc_plans.affordability)
app.command("routes")(calc_plans.routes)
