"""`drp arrangements check`: arrangement and promise monitoring, for a nightly job."""

from __future__ import annotations

from typing import Annotated

import typer

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, day
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
