"""`drp db` and `drp audit`: the store's schema and its audit trail."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag
from drp_tui.settings import load_settings

db_app = typer.Typer(help="The local store: create or upgrade its schema.", no_args_is_help=True)
audit_app = typer.Typer(
    help="The audit trail: verify the event chain, show a case's history.", no_args_is_help=True
)


@db_app.command("init")
def init(
    training: Annotated[
        bool,
        typer.Option(
            "--training",
            help="A training store: DRP_OFFICER may pick who you are, DRP_TODAY/DRP_NOW may "
            "pin the clock. Never put real debtors in one.",
        ),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Make a new store (DRP_STORE): a working store, or with --training one to practise on.
    A store's kind is set when it is made; 'drp demo' makes demo stores."""
    from drp_tui.domain.errors import InputError
    from drp_tui.services.identity import TRAINING, WORKING, set_store_kind
    from drp_tui.store.engine import open_store

    path = load_settings().store_path
    if path.exists():
        raise InputError("DRP_STORE", f"{path} already exists: give the new store a new path")
    kind = TRAINING if training else WORKING
    set_store_kind(open_store(path), kind)
    if as_json:
        output.print_json({"store": str(path), "kind": kind})
        return
    output.console().print(f"[green]made[/green] a {kind} store — {escape(str(path))}")


@db_app.command("upgrade")
def upgrade(as_json: JsonFlag = False) -> None:
    """Create the store, or bring its schema up to date (drp also does this on first use)."""
    from drp_tui.store.engine import current_revision, open_store

    settings = load_settings()
    path = settings.store_path
    existed = path.exists()
    store = open_store(path)
    revision = current_revision(store.engine)
    if as_json:
        output.print_json({"store": str(path), "created": not existed, "revision": revision})
        return
    verb = "created" if not existed else "up to date at"
    output.console().print(f"[green]{verb}[/green] schema {revision} — {escape(str(path))}")


@audit_app.command("verify")
def verify(
    hub: Annotated[
        str | None,
        typer.Option(
            "--hub",
            help="Verify the team hub's own log instead (a supervisor): its event chain, "
            "every desk's events against their hashes and links, the desks' anchors, and "
            "that it is still append-only.",
            show_default=False,
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Check every link of the event chain, the chain against its anchors (in the file beside
    the store and, once the desk has synced, its last anchor on the hub: no events cut from
    its end, none re-hashed), and the balances, payments and allocation against the events;
    exit 1 naming what does not agree."""
    from drp_tui.services import audit
    from drp_tui.services.store import store_for

    if hub is not None:
        _verify_hub(hub, as_json)
        return
    settings = load_settings()
    report = audit.verify_all(store_for(settings), settings.hub_url)
    check = report.chain
    if as_json:
        output.print_json(report.as_json())
    elif check.intact:
        anchored = f", {report.anchors} anchors" if report.anchors else ", not anchored yet"
        output.console().print(
            f"[green]intact[/green] {check.events} events, every link checked{anchored}"
        )
    else:
        output.console().print(
            f"[red]broken[/red] at event #{check.first_broken_seq}: {escape(check.problem or '')}"
        )
    if not as_json:
        for problem in report.anchor_problems:
            output.console().print(f"[red]anchor[/red] {escape(problem)}")
        for p in report.state:
            said = f"event #{p.event_seq}" if p.event_seq is not None else "the events"
            output.console().print(
                f"[red]{p.table}[/red] {escape(p.row)}"
                + (f" (case {escape(p.case)})" if p.case else "")
                + f": holds {escape(p.found)}; {said} say {escape(p.events_say)}"
            )
        if report.state or report.anchor_problems:
            output.console().print(
                f"[red]not intact[/red]: {len(report.anchor_problems)} anchor and "
                f"{len(report.state)} state-table problems"
            )
    if not report.intact:
        raise typer.Exit(1)


def _verify_hub(address: str, as_json: bool) -> None:
    from drp_tui.services.identity import resolve
    from drp_tui.sync.anchors import verify_hub
    from drp_tui.sync.hub import connect, hub_url

    settings = load_settings()
    team_hub = connect(hub_url(address))
    resolve(settings, team_hub.as_store(), duty="supervise", command="drp audit verify --hub")
    report = verify_hub(team_hub)
    if as_json:
        output.print_json(report.as_json())
    else:
        check = report.events
        if check.intact:
            output.console().print(
                f"hub events: {check.events} in its own chain, every link checked; "
                f"{report.desk_events} desk events, {report.anchors} anchors"
            )
        else:
            output.console().print(
                f"[red]broken[/red] at hub event #{check.first_broken_seq}: "
                f"{escape(check.problem or '')}"
            )
        for problem in report.problems:
            output.console().print(f"[red]hub[/red] {escape(problem)}")
        verdict = "[green]intact[/green]" if report.intact else "[red]not intact[/red]"
        output.console().print(f"{verdict} — {escape(team_hub.shown)}")
    if not report.intact:
        raise typer.Exit(1)


@audit_app.command("show")
def show(
    case: Annotated[str, typer.Option("--case", help="The case reference, e.g. C0001234.")],
    as_json: JsonFlag = False,
) -> None:
    """Print a case's history from the event log, oldest first."""
    from drp_tui.services import audit
    from drp_tui.services.caseaccess import readable_case
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, command="drp audit show")
    readable_case(store, acting.actor(), case, "its history")
    found, events = audit.case_history(store, case)
    if as_json:
        output.print_json(
            {
                "case": found.reference,
                "events": [
                    {
                        "seq": e.seq,
                        "id": e.id,
                        "at": e.at.isoformat(),
                        "officer": e.officer_id,
                        "kind": e.kind,
                        "payload": e.payload,
                    }
                    for e in events
                ],
            }
        )
        return
    table = Table(
        "#",
        "when (UTC)",
        "officer",
        "what",
        "detail",
        title=f"History of {found.reference}",
        title_justify="left",
    )
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in e.payload.items())
        table.add_row(
            str(e.seq), f"{e.at:%Y-%m-%d %H:%M}", Text(e.officer_id), e.kind, Text(detail)
        )
    output.console().print(table)


def locate(as_json: JsonFlag = False) -> None:
    """Print where drp reads its settings, policy tables and data."""
    from drp_tui.services.policy import data_dir, policy_dir
    from drp_tui.settings import default_config_path

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
