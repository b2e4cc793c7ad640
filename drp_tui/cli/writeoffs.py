"""`drp writeoff`: request, approve, refuse and list write-offs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, OnHubOption, amount
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.domain.permissions import Duty
    from drp_tui.services.casework import Actor
    from drp_tui.services.policy import PolicyBook
    from drp_tui.store.engine import Store

app = typer.Typer(
    help="Write-offs: officers request with a reason; others approve within their limit.",
    no_args_is_help=True,
)


def _context(command: str, hub: str | None = None) -> tuple[Store, PolicyBook, Actor]:
    """The store (the team hub's with --hub: the team's requests are there, a supervisor's
    desk has only their own cases), policy and who acts: on the hub, a supervisor."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    duty: Duty = "desk" if hub is None else "supervise"
    acting = resolve(settings, store, duty=duty, command=command + (" --hub" if hub else ""))
    return store, policy_for(settings), acting.actor()


@app.command("request")
def request(
    debt: Annotated[str, typer.Option(help="The debt's host reference.")],
    reason: Annotated[str, typer.Option(help="A reason code (see 'drp writeoff reasons').")],
    value: Annotated[
        str | None, typer.Option("--amount", help="How much (default the whole balance).")
    ] = None,
    note: Annotated[
        str, typer.Option(help="What the evidence is and where it is kept (required).")
    ] = "",
    evidence: Annotated[
        list[str] | None,
        typer.Option(
            metavar="KEY=VALUE",
            help="Repeatable: the evidence the reason needs (see 'drp writeoff "
            "reasons'), e.g. insolvency_reference=BR-2026-001234.",
        ),
    ] = None,
) -> None:
    """Ask for a debt (or part of it) to be written off, with the evidence its reason needs.
    Refused while the debt is with an agency."""
    from drp_tui.services.writeoffs import request_writeoff

    given = _pairs(evidence or [])
    store, policy, actor = _context("drp writeoff request")
    made = request_writeoff(
        store,
        policy,
        actor,
        debt_reference=debt,
        reason_code=reason,
        amount=None if value is None else amount(value, "--amount"),
        note=note,
        evidence=given,
    )
    output.console().print(
        f"[green]requested[/green] write-off {made.id[:8]} of £{made.amount:,.2f} ({reason})"
    )


def _pairs(items: list[str]) -> dict[str, str]:
    from drp_tui.domain.errors import InputError

    pairs: dict[str, str] = {}
    for item in items:
        key, equals, value = item.partition("=")
        if not equals or not key.strip():
            raise InputError("--evidence", f"{item!r} is not KEY=VALUE")
        if key.strip() in pairs:
            raise InputError("--evidence", f"{key.strip()} is given twice")
        pairs[key.strip()] = value
    return pairs


def _decide(request_id: str, approve: bool, reason: str, hub: str | None) -> None:
    from drp_tui.services.writeoffs import decide_writeoff

    command = "drp writeoff approve" if approve else "drp writeoff refuse"
    store, policy, actor = _context(command, hub)
    done = decide_writeoff(
        store, policy, actor, request_id=request_id, approve=approve, reason=reason
    )
    output.console().print(
        f"[green]{done.status}[/green] write-off {done.id[:8]} of £{done.amount:,.2f}"
    )


@app.command("approve")
def approve(
    request_id: Annotated[
        str, typer.Argument(help="The request id (first 8 characters are enough).")
    ],
    hub: OnHubOption = None,
) -> None:
    """Approve a write-off within your authority (not your own request)."""
    _decide(request_id, True, "", hub)


@app.command("refuse")
def refuse(
    request_id: Annotated[str, typer.Argument(help="The request id.")],
    reason: Annotated[str, typer.Option(help="Why it is refused.")],
    hub: OnHubOption = None,
) -> None:
    """Refuse a write-off request, saying why."""
    _decide(request_id, False, reason, hub)


@app.command("list")
def list_command(
    status: Annotated[str | None, typer.Option(help="requested, approved or refused.")] = None,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Write-off requests, oldest first (with --hub, the team's, for a supervisor)."""
    from drp_tui.services.writeoffs import list_writeoffs

    store, _, _ = _context("drp writeoff list", hub)
    rows = list_writeoffs(store, status)
    if as_json:
        output.print_json(
            {
                "writeoffs": [
                    {
                        "id": r.id,
                        "case": r.case,
                        "debt": r.debt,
                        "amount": f"{r.amount:.2f}",
                        "reason": r.reason,
                        "requested_by": r.requested_by,
                        "status": r.status,
                        "decided_by": r.decided_by,
                    }
                    for r in rows
                ]
            }
        )
        return
    # The id as 'drp writeoff approve' takes it (its first 8 characters), never cut.
    output.fitted_tables(
        f"{len(rows)} write-off request{'' if len(rows) == 1 else 's'}",
        ["id", "case", "debt", "amount", "reason", "requested by", "status", "decided by"],
        [
            [
                r.id[:8],
                Text(r.case),
                Text(r.debt),
                f"£{r.amount:,.2f}",
                r.reason,
                Text(r.requested_by),
                r.status,
                Text(r.decided_by or ""),
            ]
            for r in rows
        ],
        right=["amount"],
    )


@app.command("reasons")
def reasons() -> None:
    """The write-off reason codes in force."""
    from drp_tui.services.policy import policy_for

    settings = load_settings()
    reasons = policy_for(settings).writeoff.reasons_on(settings.current_date())
    for code, text in reasons.codes.items():
        output.console().print(f"[bold]{code}[/bold]  {escape(text)}")
        for key, label in reasons.evidence_for(code):
            output.console().print(f"    --evidence {key}=…  {escape(label)}")
