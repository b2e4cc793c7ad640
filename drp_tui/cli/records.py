"""`drp retention`, `drp sar` and `drp erase`: how long records are kept, what is held about a
person, and erasing it (issue 20). The rules are in drp_tui/services/retention.py, sar.py and
erasure.py."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, OnHubOption
from drp_tui.settings import load_settings

retention_app = typer.Typer(
    help="Retention: remove closed cases' records once their period has passed "
    "(data/policy/retention.toml).",
    no_args_is_help=True,
)
DryRun = Annotated[bool, typer.Option("--dry-run", help="List what is due; change nothing.")]


@retention_app.command("apply")
def apply(dry_run: DryRun = False, hub: OnHubOption = None, as_json: JsonFlag = False) -> None:
    """Remove what closed cases have kept past their retention period, by record type
    (supervisors). The event log is kept: its chain stays verifiable. With --hub, on the
    team hub (its owner's connection), which holds every desk's people and keys."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.retention import apply_retention
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, duty="supervise", command="drp retention apply")
    result = apply_retention(store, policy_for(settings), acting.actor(), dry_run=dry_run)
    if as_json:
        output.print_json(result.as_json())
        return
    verb = "removed" if result.applied else "due (dry run: nothing changed)"
    if not dry_run and not result.due:
        verb = "nothing due"
    table = Table(
        "record type", "kept after closure", "cases", title=f"Retention on {result.today}: {verb}"
    )
    counts = result.as_json()["cases"]
    for period in result.periods:
        table.add_row(period.record_type, f"{period.years} years", str(counts[period.record_type]))
    output.console().print(table)


Out = Annotated[
    Path | None, typer.Option("--out", help="Write the export to this file (default: print).")
]
Force = Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")]


def sar(
    person_ref: Annotated[
        str, typer.Argument(help="The person's host reference, or their case reference.")
    ],
    out: Out = None,
    force: Force = False,
    hub: OnHubOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="With --out: print a JSON summary.")
    ] = False,
) -> None:
    """A subject access export: everything this store holds about a person, as JSON
    (supervisors). The export is recorded in the audit trail. With --hub, what the team hub
    holds: every desk's records and events about them."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.outfile import check_output, kept_files, write_output
    from drp_tui.services.sar import subject_access
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, duty="supervise", command="drp sar")
    kept = kept_files(store.path)
    if out is not None:
        check_output(out, option="--out", force=force, kept=kept)  # before any work
    export = subject_access(store, acting.actor(), person_ref)
    text = json.dumps(export, indent=2, ensure_ascii=False) + "\n"
    if out is None:
        sys.stdout.write(text)
        return
    write_output(out, text, option="--out", force=force, kept=kept)
    items = {k: len(v) for k, v in export.items() if isinstance(v, list)}
    if as_json:
        output.print_json({"out": str(out), "person": export["person"]["id"], "items": items})
    else:
        print(f"wrote {sum(items.values())} items about {person_ref} to {out}", file=sys.stderr)


def erase(
    person_ref: Annotated[
        str, typer.Argument(help="The person's host reference, or their case reference.")
    ],
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Erase a person (supervisors): destroy the keys sealing what the event log says about
    them, so it can no longer be read anywhere, and remove their details from the tables.
    The events and their chain stay verifiable. With --hub, on the team hub: every desk
    holding their case loses the keys at its next sync."""
    from drp_tui.services.erasure import erase_person
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, duty="supervise", command="drp erase")
    done = erase_person(store, acting.actor(), person_ref)
    if as_json:
        output.print_json(done.as_json())
        return
    output.console().print(
        f"[green]erased[/green] {done.person_id}: {done.keys} keys destroyed; what the events "
        "said about them can no longer be read"
    )
