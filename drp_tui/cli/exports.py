"""`drp export`: files for the host systems to load."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from drp_tui.cli.params import choose, day
from drp_tui.settings import load_settings

app = typer.Typer(
    help="Files for the host systems: outcomes, arrangements, and agency payments to post.",
    no_args_is_help=True,
)
Since = Annotated[str | None, typer.Option(help="Only what happened on or after this date.")]
Fmt = Annotated[str, typer.Option("--format", help="csv or json.")]
Out = Annotated[Path | None, typer.Option(help="Write to this file (default: print).")]
Force = Annotated[bool, typer.Option("--force", help="Replace the --out file if it exists.")]


def _export(kind: str, since: str | None, fmt: str, out: Path | None, force: bool) -> None:
    from drp_tui.services.exports import export_rows, render
    from drp_tui.services.identity import resolve
    from drp_tui.services.outfile import check_output, kept_files, write_output
    from drp_tui.services.store import store_for

    settings = load_settings()
    kept = kept_files(settings.store_path)
    if out is not None:  # before the store is opened: its -shm and -journal stay untouched
        check_output(out, option="--out", force=force, kept=kept)
    store = store_for(settings)
    acting = resolve(settings, store, duty="batch", command=f"drp export {kind}")
    rows = export_rows(
        store, kind, None if since is None else day(since, "--since", acting.today())
    )
    text = render(rows, choose(fmt, ("csv", "json"), "--format"))
    if out is None:
        sys.stdout.write(text)
        return
    write_output(out, text, option="--out", force=force, kept=kept)  # whole, or not at all
    print(f"wrote {len(rows)} {kind} rows to {out}", file=sys.stderr)


@app.command("outcomes")
def outcomes(since: Since = None, fmt: Fmt = "csv", out: Out = None, force: Force = False) -> None:
    """Every call outcome recorded since the date."""
    _export("outcomes", since, fmt, out, force)


@app.command("arrangements")
def arrangements(
    since: Since = None, fmt: Fmt = "csv", out: Out = None, force: Force = False
) -> None:
    """Arrangements made or changed since the date, with their instalments."""
    _export("arrangements", since, fmt, out, force)


@app.command("reconciliation")
def reconciliation(
    since: Since = None, fmt: Fmt = "csv", out: Out = None, force: Force = False
) -> None:
    """Payments received through agencies since the date, for the host to post."""
    _export("reconciliation", since, fmt, out, force)
