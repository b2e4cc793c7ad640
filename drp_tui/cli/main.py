"""The `drp` command. Sub-command modules are small; heavy imports (Textual) happen only in the
command that needs them, so headless commands stay fast."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from drp_tui import __version__
from drp_tui.cli.errors import DrpGroup
from drp_tui.cli.lazy import LazyCommands

if TYPE_CHECKING:
    from drp_tui.app import DrpApp
    from drp_tui.settings import Settings

# Each sub-command's module, imported only when the command is run (or help lists them all).
SUBCOMMANDS = {
    "sync": "drp_tui.cli.hub:sync",
    "sar": "drp_tui.cli.records:sar",
    "erase": "drp_tui.cli.records:erase",
    "demo": "drp_tui.cli.demo:demo",
    "diary": "drp_tui.cli.diary:diary",
    "locate": "drp_tui.cli.store:locate",
    "calc": "drp_tui.cli.calc:app",
    "policy": "drp_tui.cli.policy:app",
    "db": "drp_tui.cli.store:db_app",
    "audit": "drp_tui.cli.store:audit_app",
    "import": "drp_tui.cli.imports:app",
    "queue": "drp_tui.cli.queue:app",
    "officer": "drp_tui.cli.officers:app",
    "report": "drp_tui.cli.reports:app",
    "arrangements": "drp_tui.cli.arrangements:app",
    "writeoff": "drp_tui.cli.writeoffs:app",
    "export": "drp_tui.cli.exports:app",
    "agency": "drp_tui.cli.agency:app",
    "authority": "drp_tui.cli.authority:app",
    "complaint": "drp_tui.cli.complaints:app",
    "appointment": "drp_tui.cli.appointments:app",
    "letter": "drp_tui.cli.letters:app",
    "letters": "drp_tui.cli.letters:batch_app",
    "hub": "drp_tui.cli.hub:app",
    "retention": "drp_tui.cli.records:retention_app",
}


class Drp(DrpGroup):
    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.commands = LazyCommands(SUBCOMMANDS)


app = typer.Typer(
    cls=Drp,
    help="drp — the council debt recovery workstation: the officer's app (no command), the "
    "local store, team sync with the hub, imports, allocation, reports, exports and calculators.",
    pretty_exceptions_enable=False,
    add_completion=False,
    invoke_without_command=True,
)


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
    from drp_tui.settings import load_settings

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


def run() -> None:
    app()
