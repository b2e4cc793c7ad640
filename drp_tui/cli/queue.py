"""`drp queue`: score, show and allocate the call queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, OnHubOption, choose
from drp_tui.domain.controls import escaped
from drp_tui.domain.queue import STRATEGIES
from drp_tui.settings import Settings, load_settings

if TYPE_CHECKING:
    from drp_tui.domain.permissions import Duty
    from drp_tui.services.allocation import AllocationPlan
    from drp_tui.services.casework import Actor
    from drp_tui.services.identity import Identity
    from drp_tui.services.policy import PolicyBook
    from drp_tui.store.engine import Store

app = typer.Typer(
    help="The call queue: scores, officers' lists, allocation (supervisors).", no_args_is_help=True
)
StrategyOption = Annotated[
    str,
    typer.Option(
        "--strategy",
        help="balanced (by total score), round-robin, or skills (vulnerable cases "
        "to trained officers).",
    ),
]
DryRun = Annotated[bool, typer.Option("--dry-run", help="Show the plan; change nothing.")]


def _context(
    command: str, hub: str | None = None, duty: Duty = "supervise"
) -> tuple[Settings, Store, PolicyBook, Identity]:
    """Settings, the store to work on (the team hub's, with --hub), policy and who acts (one
    with the duty the command needs)."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, duty=duty, command=command)
    return settings, store, policy_for(settings), acting


def _give_back(store: Store, actor: Actor, as_json: bool) -> list[dict[str, object]]:
    """Cases lent while an officer was away (rebalance --until) go back from their return
    day: done before every allocation and by the nightly rescore."""
    from drp_tui.services.allocation import return_lent_cases

    returned = [{"officer": r.officer, "cases": r.cases} for r in return_lent_cases(store, actor)]
    if not as_json:
        for r in returned:
            output.console().print(
                f"[green]returned[/green] {r['cases']} cases back to {escape(str(r['officer']))} "
                "(back from absence)"
            )
    return returned


def _show_plan(
    plan: AllocationPlan,
    as_json: bool,
    returned: list[dict[str, object]],
    until: str | None = None,
) -> None:
    if as_json:
        output.print_json(
            {
                **({"until": until} if until else {}),
                "returned": returned,
                "strategy": plan.strategy,
                "cases": plan.cases,
                "committed": plan.committed,
                "officers": [
                    {"officer": o, "cases": n, "points": p}
                    for o, (n, p) in sorted(plan.per_officer.items())
                ],
            }
        )
        return
    verb = "allocated" if plan.committed else "would allocate (dry run)"
    out = output.console()
    back = f"; back to their officer on {until}" if until else ""
    out.print(f"[bold]{verb} {plan.cases} cases ({plan.strategy}){back}[/bold]")
    table = Table("officer", "cases", "points")
    for officer, (count, points) in sorted(plan.per_officer.items()):
        table.add_row(officer, str(count), str(points))
    out.print(table)


@app.command("allocate")
def allocate(
    strategy: StrategyOption = "balanced",
    team: Annotated[str | None, typer.Option(help="Only officers in this team.")] = None,
    officers: Annotated[
        str | None, typer.Option(help="Only these officers, comma-separated.")
    ] = None,
    dry_run: DryRun = False,
    rescore_first: Annotated[
        bool,
        typer.Option(
            "--rescore",
            help="Recompute every open case's score first (the nightly job does "
            "this: drp queue rescore).",
        ),
    ] = False,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Give every open, unallocated case not on hold to an officer (supervisors), by each
    case's stored priority score."""
    from drp_tui.services.allocation import allocate_cases
    from drp_tui.services.queue import rescore

    _, store, policy, acting = _context("drp queue allocate", hub)
    actor = acting.actor()
    returned = [] if dry_run else _give_back(store, actor, as_json)
    if rescore_first:
        rescore(store, policy, actor.now())
    plan = allocate_cases(
        store,
        policy,
        actor,
        strategy=choose(strategy, STRATEGIES, "--strategy"),
        team=team,
        officer_ids=[o.strip() for o in officers.split(",") if o.strip()] if officers else None,
        dry_run=dry_run,
    )
    _show_plan(plan, as_json, returned)


@app.command("rebalance")
def rebalance(
    absent: Annotated[str, typer.Option(help="The officer who is away.")],
    until: Annotated[
        str | None,
        typer.Option(
            help="The day they are back (YYYY-MM-DD): from then the cases go back to them, "
            "at the nightly 'drp queue rescore' or the next allocation.",
        ),
    ] = None,
    strategy: StrategyOption = "balanced",
    dry_run: DryRun = False,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Share an absent officer's open cases among the rest of their team (supervisors);
    with --until, only until the day they are back."""
    from drp_tui.domain.dates import parse_date
    from drp_tui.services.allocation import rebalance_absent

    back = None if until is None else parse_date(until, "--until")
    _, store, policy, acting = _context("drp queue rebalance", hub)
    actor = acting.actor()
    returned = [] if dry_run else _give_back(store, actor, as_json)
    plan = rebalance_absent(
        store,
        policy,
        actor,
        absent=absent,
        strategy=choose(strategy, STRATEGIES, "--strategy"),
        dry_run=dry_run,
        until=back,
    )
    _show_plan(plan, as_json, returned, None if back is None else back.isoformat())


@app.command("move")
def move(
    case: Annotated[str, typer.Argument(help="The case reference, e.g. C0001234.")],
    to: Annotated[str, typer.Option("--to", help="The officer to take the case.")],
    reason: Annotated[str, typer.Option(help="Why (recorded in the audit trail).")],
    hub: OnHubOption = None,
) -> None:
    """Move one case to another officer (supervisors)."""
    from drp_tui.services.allocation import move_case

    _, store, _, acting = _context("drp queue move", hub)
    move_case(store, acting.actor(), reference=case, to_officer=to, reason=reason)
    output.console().print(f"[green]moved[/green] {escape(f'{case.upper()} to {to}')}")


@app.command("show")
def show(
    officer: Annotated[str | None, typer.Option(help="Whose queue (default: yours).")] = None,
    callable_only: Annotated[
        bool, typer.Option("--callable", help="Only cases that may be called now.")
    ] = False,
    limit: Annotated[
        int | None,
        typer.Option(help="At most this many rows, the first by priority (default 50)."),
    ] = None,
    show_all: Annotated[bool, typer.Option("--all", help="Every case in the queue.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """An officer's queue in priority order, with why each case may not be called now. The
    JSON says whether it was cut to --limit ("truncated", "shown" of "total")."""
    from drp_tui.domain.errors import InputError
    from drp_tui.services.officers import require_officer
    from drp_tui.services.queue import officer_queue

    if show_all and limit is not None:
        raise InputError("--all", "not with --limit (--all shows every case, --limit the first N)")
    if limit is None:
        limit = 50
    if limit < 1:
        raise InputError("--limit", "must be at least 1 (--all shows every case)")
    _, store, policy, acting = _context("drp queue show", duty="desk")
    who = (officer or acting.officer_id).strip().lower()
    if who != acting.officer_id:
        acting.require("supervise", "another officer's queue (drp queue show --officer)")
    require_officer(store, who, "--officer")
    entries = officer_queue(store, policy, who, acting.clock(), only_callable=callable_only)
    shown = entries if show_all else entries[:limit]
    if as_json:
        output.print_json(
            {
                "officer": who,
                "cases": len(entries),
                "total": len(entries),
                "shown": len(shown),
                "truncated": len(shown) < len(entries),
                "queue": [
                    {
                        "reference": e.reference,
                        "name": e.name,
                        "points": e.points,
                        "reason": e.reason,
                        "callback_due": e.callback_due,
                        "callable_now": e.callable_now,
                        "why_not": list(e.why_not),
                        "vulnerable": e.vulnerable,
                    }
                    for e in shown
                ],
            }
        )
        return
    table = Table(
        "#",
        "case",
        "name",
        "score",
        "why",
        "call now?",
        title=f"Queue for {who}: {len(entries)} cases"
        + (
            f" (first {len(shown)} of {len(entries)} shown: --all or --limit for more)"
            if len(shown) < len(entries)
            else ""
        ),
        title_justify="left",
    )
    for number, e in enumerate(shown, start=1):
        call = "[green]yes[/green]" if e.callable_now else f"[dim]{'; '.join(e.why_not)}[/dim]"
        name = Text(escaped(e.name))  # stored text never drives the terminal
        if e.vulnerable:
            name.append(" ◆", style="magenta")
        ref = Text(e.reference, style="bold yellow" if e.callback_due else "")
        table.add_row(str(number), ref, name, str(e.points), Text(escaped(e.reason)), call)
    output.console().print(table)


@app.command("orphans")
def orphans_command(hub: OnHubOption = None, as_json: JsonFlag = False) -> None:
    """Open cases nobody will work: no active officer, or a next action long overdue."""
    from drp_tui.services.allocation import orphans

    _, store, policy, acting = _context("drp queue orphans", hub, duty="batch")
    found = orphans(store, policy, acting.clock())
    if as_json:
        output.print_json(
            {
                "orphans": [
                    {"reference": o.reference, "name": o.name, "problem": o.problem} for o in found
                ]
            }
        )
        return
    table = Table(
        "case", "name", "problem", title=f"{len(found)} orphaned cases", title_justify="left"
    )
    for o in found:
        table.add_row(Text(o.reference), Text(o.name), Text(o.problem))
    output.console().print(table)


@app.command("rescore")
def rescore_command(hub: OnHubOption = None, as_json: JsonFlag = False) -> None:
    """Recompute every open case's priority score and reason (after an import, say); run
    nightly. Cases lent while an officer was away (rebalance --until) go back to them from
    the day they are back."""
    from drp_tui.services.queue import rescore

    _, store, policy, acting = _context("drp queue rescore", hub, duty="batch")
    returned = _give_back(store, acting.actor(), as_json)
    count = rescore(store, policy, acting.clock())
    if as_json:
        output.print_json({"rescored": count, "returned": returned})
        return
    output.console().print(f"[green]rescored[/green] {count} open cases")
