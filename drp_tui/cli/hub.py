"""`drp hub` (a supervisor's view of the team hub) and `drp sync` (a workstation's exchange
with it). Headless: neither imports Textual."""

from __future__ import annotations

import sys
from functools import partial
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.errors import EXIT_FAILED, EXIT_HUB, fail
from drp_tui.cli.params import HubOption, JsonFlag, JsonSummary
from drp_tui.domain.errors import InputError
from drp_tui.settings import Settings, load_settings

if TYPE_CHECKING:
    from drp_tui.sync.hub import Hub as TeamHub

app = typer.Typer(
    help="The team hub: create it, see its state and the conflicts waiting for a supervisor.",
    no_args_is_help=True,
)


def hub_address(given: str | None, settings: Settings) -> str:
    address = given or settings.hub_url
    if not address:
        raise InputError("--hub", "say which hub (--hub, DRP_HUB_URL or hub_url in the config)")
    return address


@app.command("init")
def init(
    hub: HubOption = None,
    url: Annotated[str | None, typer.Option("--url", help="Same as --hub.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create the hub's schema, or bring it up to date (safe to run again)."""
    from drp_tui.sync.hub import hub_url, init_hub

    made, schema = init_hub(hub_url(hub_address(hub or url, load_settings())))
    if as_json:
        output.print_json(
            {
                "hub": made.shown,
                "created": schema.created,
                "store_revision": schema.store_revision,
                "hub_revision": schema.hub_revision,
            }
        )
        return
    verb = "created" if schema.created else "up to date at"
    output.console().print(
        f"[green]{verb}[/green] store schema {schema.store_revision}, "
        f"hub schema {schema.hub_revision} — {escape(made.shown)}"
    )


def _officer_on(hub: str | None, command: str) -> TeamHub:
    """The team hub, once the login running `command` is an officer there."""
    from drp_tui.services.identity import resolve
    from drp_tui.sync.hub import connect, hub_url

    settings = load_settings()
    team_hub = connect(hub_url(hub_address(hub, settings)))
    resolve(settings, team_hub.as_store(), command=command)
    return team_hub


@app.command("status")
def status(hub: HubOption = None, as_json: JsonFlag = False) -> None:
    """Officers, cases, events, and each workstation's last sync."""
    from drp_tui.sync.status import hub_status

    found = hub_status(_officer_on(hub, "drp hub status"))
    if as_json:
        output.print_json(found.as_json())
        return
    output.show(
        f"hub {found.hub}",
        [
            ("officers (active)", str(found.officers)),
            ("cases", f"{found.cases:,} ({found.allocated:,} allocated)"),
            ("events", f"{found.events:,}"),
            ("open conflicts", str(found.open_conflicts)),
            ("refused items", str(found.refusals)),
        ],
    )
    table = Table(title="workstations")
    for heading in ("workstation", "officer", "last push", "last pull", "events", "behind"):
        table.add_column(heading)
    for w in found.workstations:
        table.add_row(
            w.id[:8],
            Text(w.officer_id),
            w.last_push_at or "never",
            w.last_pull_at or "never",
            f"{w.events_pushed:,}",
            f"{w.behind:,}",
        )
    output.console().print(table)


@app.command("password")
def password(
    officer_id: Annotated[str, typer.Argument(metavar="ID", help="The officer, e.g. asmith.")],
    hub: HubOption = None,
) -> None:
    """Set the officer's hub login password (PostgreSQL), read from standard input — never
    from the command line, where every local user could read it. Their desk then keeps it in
    a libpq password file (~/.pgpass)."""
    import getpass

    from drp_tui.sync.hub import connect, hub_url
    from drp_tui.sync.roles import set_password

    made = connect(hub_url(hub_address(hub, load_settings())))
    if sys.stdin.isatty():
        given = getpass.getpass(f"hub password for {officer_id}: ")
    else:
        given = sys.stdin.readline().rstrip("\r\n")
    set_password(made, officer_id, given)
    output.console().print(f"[green]set[/green] the hub password of {escape(officer_id)}")


@app.command("conflicts")
def conflicts(hub: HubOption = None, as_json: JsonFlag = False) -> None:
    """Clashes sync could not settle (two live arrangements on a debt, work recorded on a case
    moved to someone else), oldest first."""
    from drp_tui.sync.status import open_conflicts

    found = open_conflicts(_officer_on(hub, "drp hub conflicts"))
    if as_json:
        output.print_json({"conflicts": [c.__dict__ for c in found]})
        return
    if not found:
        output.console().print("no open conflicts")
        return
    table = Table(title=f"{len(found)} open conflicts")
    for heading in ("flagged", "kind", "case", "detail"):
        table.add_column(heading)
    for c in found:
        detail = ", ".join(f"{k}={v}" for k, v in sorted(c.detail.items()))
        table.add_row(c.flagged_at[:19], c.kind, Text(c.case_reference or ""), Text(detail))
    output.console().print(table)


def sync(
    hub: HubOption = None,
    as_json: JsonSummary = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would move; change nothing.")
    ] = False,
) -> None:
    """Push this desk's work to the team hub, then pull the hub's changes for its officer.
    Exit 0 done, 1 done with conflicts flagged for a supervisor, 2 bad usage, 3 hub
    unreachable or refusing (the outbox is kept)."""
    from drp_tui.services import privacy, retention
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for
    from drp_tui.sync.hub import connect, hub_url
    from drp_tui.sync.protocol import RETRY_DELAYS_S, retrying
    from drp_tui.sync.protocol import sync as run_sync

    settings = load_settings()
    address = hub_url(hub_address(hub, settings))
    store = store_for(settings)
    team_hub = retrying(partial(connect, address), RETRY_DELAYS_S)
    officer = resolve(settings, store, command="drp sync", directory=team_hub.as_store())
    show_progress = not as_json and sys.stderr.isatty()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=output.console(stderr=True),
        disable=not show_progress,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(phase: str, done: int, total: int) -> None:
            if phase not in tasks:
                tasks[phase] = bar.add_task(phase, total=total)
            bar.update(tasks[phase], completed=done, total=total)

        result = run_sync(
            store,
            team_hub,
            officer.officer_id,
            clock=officer.clock,
            dry_run=dry_run,
            progress=progress,
        )
    if not dry_run:  # what the hub's retention removed goes; so do people on no case here
        removed = result.removed_on_hub
        result.removed_cases = retention.remove_removed_on_hub(
            store, removed.removals, removed.through, officer.officer_id, officer.clock()
        )
        privacy.after_sync(store, officer.officer_id, officer.clock())
    if as_json:
        output.print_json(result.as_json())
    elif dry_run:
        output.console().print(
            f"would push {result.waiting_events:,} events and {result.waiting_rows:,} rows; "
            f"{result.waiting_changes:,} hub changes waiting to be pulled"
        )
    else:
        output.console().print(
            f"[green]synced[/green] pushed {result.pushed_events:,} events "
            f"({result.pushed_rows:,} rows), pulled {result.pulled_changes:,} changes "
            f"in {result.seconds:.1f}s"
        )
    if result.refused:
        raise typer.Exit(
            fail(
                f"the hub refused {result.refused} items from {officer.officer_id}'s desk "
                "(work on cases never allocated to them, or sent without the event that "
                "explains it); they stay in this desk's outbox. Ask a supervisor (drp hub status)",
                EXIT_HUB,
            )
        )
    if result.conflicts:
        raise typer.Exit(
            fail(
                f"{len(result.conflicts)} conflicts flagged for a supervisor (drp hub conflicts)",
                EXIT_FAILED,
            )
        )
