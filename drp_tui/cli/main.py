"""The `drp` command. Sub-command modules are small; heavy imports (Textual) happen only in the
command that needs them, so headless commands stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from drp_tui import __version__
from drp_tui.cli import (
    agency,
    appointments,
    arrangements,
    authority,
    calc,
    complaints,
    exports,
    hub,
    imports,
    letters,
    officers,
    output,
    policy,
    queue,
    reports,
    writeoffs,
)
from drp_tui.cli.demo import demo
from drp_tui.cli.diary import diary
from drp_tui.cli.errors import DrpGroup
from drp_tui.cli.params import JsonFlag
from drp_tui.cli.records import erase, retention_app, sar
from drp_tui.cli.store import audit_app, db_app
from drp_tui.services.policy import data_dir, policy_dir
from drp_tui.settings import Settings, default_config_path, load_settings

if TYPE_CHECKING:
    from drp_tui.app import DrpApp

app = typer.Typer(
    cls=DrpGroup,
    help="drp — the council debt recovery workstation: the officer's app (no command), the "
    "local store, team sync with the hub, imports, allocation, reports, exports and calculators.",
    pretty_exceptions_enable=False,
    add_completion=False,
    invoke_without_command=True,
)
app.add_typer(calc.app, name="calc")
app.add_typer(policy.app, name="policy")
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(imports.app, name="import")
app.add_typer(queue.app, name="queue")
app.add_typer(officers.app, name="officer")
app.add_typer(reports.app, name="report")
app.add_typer(arrangements.app, name="arrangements")
app.add_typer(writeoffs.app, name="writeoff")
app.add_typer(exports.app, name="export")
app.add_typer(agency.app, name="agency")
app.add_typer(authority.app, name="authority")
app.add_typer(complaints.app, name="complaint")
app.add_typer(appointments.app, name="appointment")
app.add_typer(letters.app, name="letter")
app.add_typer(letters.batch_app, name="letters")
app.add_typer(hub.app, name="hub")
app.command("sync")(hub.sync)
app.add_typer(retention_app, name="retention")
app.command("sar")(sar)
app.command("erase")(erase)
app.command("demo")(demo)
app.command("diary")(diary)


def _version(value: bool) -> None:
    if value:
        print(f"drp {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """drp — the council debt recovery workstation. With no command: open the workstation as
    the officer mapped to your login, or try it with 'drp demo'."""
    if ctx.invoked_subcommand is not None:
        return
    settings = load_settings()
    if not settings.officer and not settings.store_path.exists():
        print(ctx.get_help())
        print(
            "\nNo store here yet: a supervisor makes one ('drp officer add ID --role "
            "supervisor'), or try 'drp demo'."
        )
        return
    launch(settings)


def desk_app(settings: Settings) -> DrpApp:
    """The workstation as `drp` opens it. As soon as the store is open, the officer's first
    queue is read in a second process (drp_tui.read_ahead) while this one loads the rest: the
    services, the ORM and Textual (imported only here: headless commands never load it)."""
    from drp_tui.read_ahead import QueueReadAhead
    from drp_tui.services.login import mapped_officer_id, os_login
    from drp_tui.services.policy import policy_for
    from drp_tui.services.queue import officer_queue
    from drp_tui.services.store import store_for

    store, policy = store_for(settings), policy_for(settings)
    # Whose queue to read ahead; open_workstation then decides who may act (services/identity)
    # and a queue read for anyone else is never shown.
    officer = settings.officer or mapped_officer_id(store, os_login()) or ""
    read_ahead = QueueReadAhead.start(
        store, lambda: officer_queue(store, policy, officer, settings.current_time())
    )
    from drp_tui.app import create_app
    from drp_tui.services.workstation import open_workstation

    return create_app(settings, open_workstation(settings, store), read_ahead)


def launch(settings: Settings) -> None:
    desk_app(settings).run()


@app.command("locate")
def locate(as_json: JsonFlag = False) -> None:
    """Print where drp reads its settings, policy tables and data."""
    settings = load_settings()
    places = {
        "config": str(default_config_path()),
        "store": str(settings.store_path),
        "policy_dir": str(policy_dir(settings)),
        "shipped_data": str(data_dir()),
        "data_home": str(settings.data_home),
        "sfs_guidelines": str(settings.guidelines_path),
    }
    if as_json:
        output.print_json(places)
        return
    output.show("drp locations", list(places.items()))


def run() -> None:
    app()
