"""`drp arrangements check`: arrangement and promise monitoring, for a nightly job;
`drp arrangements reinstate`: a broken arrangement reinstated as policy allows."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, choose, day
from drp_tui.settings import load_settings

app = typer.Typer(help="Payment arrangements and promises.", no_args_is_help=True)


@app.command("check")
def check(
    on: Annotated[str | None, typer.Option(help="Judge as at this date (default today).")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Compare what was due with what was paid (allowing the policy's tolerance): mark
    arrangements breached or completed and promises kept or broken, and rescore the cases."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.monitoring import check_arrangements
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, duty="batch", command="drp arrangements check")
    when = day(on, "--on", acting.today())
    result = check_arrangements(store, policy_for(settings), acting.actor(), when)
    if as_json:
        output.print_json(
            {
                "on": when.isoformat(),
                "breached": len(result.breached),
                "completed": len(result.completed),
                "promises_kept": len(result.kept),
                "promises_broken": len(result.broken),
            }
        )
        return
    output.console().print(
        f"checked as at {when:%d %b %Y}: {len(result.breached)} arrangements breached, "
        f"{len(result.completed)} completed; {len(result.kept)} promises kept, "
        f"{len(result.broken)} broken"
    )


@app.command("reinstate")
def reinstate(
    case: Annotated[str, typer.Option("--case", help="The case reference, e.g. C0001234.")],
    way: Annotated[
        str,
        typer.Option(
            help="catch-up: the missed amount first, by --by; spread: over the instalments to come."
        ),
    ],
    by: Annotated[
        str | None, typer.Option(help="catch-up: when the missed amount is due (default today).")
    ] = None,
    agreed: Annotated[
        str, typer.Option(help="How the debtor agreed (a letter, an email, a call's note).")
    ] = "",
    preview: Annotated[bool, typer.Option(help="Show the new schedule; change nothing.")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Reinstate the case's broken arrangement as the council's policy allows
    (arrangements.toml: how many times, how soon after the breach, which ways): a new
    arrangement for what is still owed on the old dates, the missed amount caught up first or
    spread over the instalments to come. Otherwise negotiate a new one on a call."""
    from drp_tui.domain.errors import NotPermitted
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.reinstatement import reinstate as reinstate_arrangement
    from drp_tui.services.reinstatement import reinstatement_offer
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, duty="desk", command="drp arrangements reinstate")
    how = choose(way.replace("-", "_"), ("catch_up", "spread"), "--way")
    catch_up_by = None if by is None else day(by, "--by", acting.today())
    policy, actor = policy_for(settings), acting.actor()
    offer = reinstatement_offer(store, policy, actor, case, catch_up_by)
    if isinstance(offer, str):
        raise NotPermitted(f"not reinstated: {offer}")
    schedule = offer.schedules[how]
    if preview:
        shown = {
            "case": offer.reference,
            "reinstates": offer.arrangement_id,
            "way": how,
            "missed": f"{offer.missed:.2f}",
            "total": f"{offer.total:.2f}",
            "refused": offer.refusals[how],
            "instalments": []
            if schedule is None
            else [{"due": d.isoformat(), "amount": f"{a:.2f}"} for d, a in schedule.instalments],
        }
        if as_json:
            output.print_json(shown)
            return
        lines = [f"{offer.reference}: £{offer.missed:,.2f} missed of £{offer.total:,.2f} owed"]
        lines += [
            f"  {d:%a %d %b %Y}  £{a:,.2f}" for d, a in (schedule.instalments if schedule else ())
        ]
        if offer.refusals[how]:
            lines.append(f"not allowed: {offer.refusals[how]}")
        output.console().print(Text("\n".join(lines)))
        return
    made = reinstate_arrangement(
        store, policy, actor, case_reference=case, way=how, catch_up_by=catch_up_by, agreed=agreed
    )
    said = (
        f"reinstated {offer.reference}'s arrangement: £{offer.missed:,.2f} missed "
        + ("caught up first" if how == "catch_up" else "spread over the instalments to come")
        + f"; £{made.total:,.2f} to pay"
    )
    if as_json:
        output.print_json({"case": offer.reference, "arrangement": made.id, "done": said})
        return
    output.console().print(Text(said))
