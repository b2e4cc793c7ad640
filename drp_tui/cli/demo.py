"""`drp demo`: build the demo portfolio (and, once the workstation lands, open it)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from drp_tui.cli import output
from drp_tui.cli.params import JsonSummary
from drp_tui.domain.errors import InputError
from drp_tui.settings import load_settings


def demo(
    seed: Annotated[int, typer.Option(help="The same seed builds the same portfolio.")] = 7,
    people: Annotated[int, typer.Option(help="How many people (debtors).")] = 2000,
    store_path: Annotated[
        Path | None,
        typer.Option(
            "--store", help="Where to build it (default: demo.sqlite in drp's data folder)."
        ),
    ] = None,
    no_launch: Annotated[
        bool, typer.Option("--no-launch", help="Build the store only; do not open the workstation.")
    ] = False,
    fresh: Annotated[
        bool,
        typer.Option(
            "--fresh",
            help="Build it again even if the demo there was built for the same seed and size.",
        ),
    ] = False,
    as_json: JsonSummary = False,
) -> None:
    """Build a realistic demo portfolio: people, debts of every type and stage, officers and
    a supervisor, vulnerabilities, Breathing Space, and thirty days of calls, promises,
    arrangements, payments and agency placements. The demo built last time is reused when
    it was built for the same seed, size and schema (--fresh builds it again)."""
    import sys

    from drp_tui.services.demo_store import ready_demo
    from drp_tui.services.policy import policy_for

    settings = load_settings()
    if people < 10:
        raise InputError("--people", "build at least 10 people")
    path = store_path or settings.data_home / "demo.sqlite"
    if path.resolve() == settings.store_path.resolve():
        raise InputError("--store", f"{path} is your working store; the demo builds its own")
    quiet = as_json or not sys.stderr.isatty()

    def say(step: str) -> None:
        if not quiet:
            print(f"building demo: {step}…", file=sys.stderr)

    ready = ready_demo(
        path,
        policy_for(settings),
        seed=seed,
        people=people,
        now=settings.current_time(),
        fresh=fresh,
        progress=say,
    )
    summary, officer = ready.build.summary, ready.build.officer
    if as_json:
        output.print_json(
            {
                "store": str(path),
                "seed": seed,
                "reused": ready.reused,
                "built_at": ready.build.built_at,
                **summary,
                "officer": officer,
                "supervisor": ready.build.supervisor,
            }
        )
        return
    out = output.console()
    done = (
        f"[green]demo reused[/green] (built {escape(ready.build.built_at[:16])}; --fresh "
        "builds it again)"
        if ready.reused
        else "[green]demo built[/green]"
    )
    out.print(
        f"{done} {escape(str(path))}: {summary['people']} people, {summary['debts']} "
        f"debts, {summary['contacts']} calls, {summary['promises']} promises, "
        f"{summary['arrangements']} arrangements, {summary['payments']} payments, "
        f"{summary['placements']} agency placements, {summary['events']} audit events"
    )
    out.print(
        f"Use it: [bold]export DRP_STORE={escape(str(path))} DRP_OFFICER={officer}[/bold] "
        f"(supervisor: {ready.build.supervisor}), then for example [bold]drp queue show[/bold]."
    )
    if not no_launch:
        from drp_tui.cli.main import launch

        launch(settings.model_copy(update={"store": path, "officer": officer}))
