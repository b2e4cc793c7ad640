"""`drp import`: load host-system extracts into the store (or the hub)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from drp_tui.cli import output
from drp_tui.cli.params import JsonSummary, OnHubOption
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.importer import ImportResult, Progress

app = typer.Typer(
    help="Load host-system extracts (cases) and agencies' remittances (payments).",
    no_args_is_help=True,
)


@contextmanager
def progress_reporter(quiet: bool) -> Iterator[Progress | None]:
    """A progress bar on a terminal; a plain line per step when output is not a terminal."""
    if quiet:
        yield None
        return
    if sys.stderr.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn

        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            transient=True,
            console=output.console(stderr=True),
        ) as bar:
            tasks: dict[str, TaskID] = {}

            def update(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(phase, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            yield update
        return

    def plain(phase: str, done: int, total: int) -> None:
        print(f"{phase} {done}/{total}", file=sys.stderr)

    yield plain


Encoding = Annotated[
    str | None,
    typer.Option(
        "--encoding",
        help="The file's encoding: utf-8 or windows-1252 (default: the mapping's, else UTF-8).",
    ),
]


@app.command("cases")
def cases(
    file: Annotated[Path, typer.Argument(help="The host system's CSV extract.")],
    mapping: Annotated[str, typer.Option(help="A mapping name (data/mappings) or a .toml path.")],
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check and count; write nothing.")
    ] = False,
    rejects: Annotated[Path | None, typer.Option(help="Write rejected rows to this CSV.")] = None,
    as_json: JsonSummary = False,
    quiet: Annotated[bool, typer.Option("--quiet", help="No progress output.")] = False,
    hub: OnHubOption = None,
    encoding: Encoding = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the --rejects file if it exists.")
    ] = False,
) -> None:
    """Import a case extract: every row is checked first; a file with any rejected row writes
    nothing (exit 1) and the rejects are listed by line, column and reason."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.importer import import_cases, read_mapping, write_rejects
    from drp_tui.services.outfile import check_output, kept_files
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import now, store_for

    settings = load_settings()
    reading = [file, *([Path(mapping)] if Path(mapping).is_file() else [])]
    kept = kept_files(settings.store_path, reading)  # never written over by --rejects
    if rejects is not None:
        check_output(rejects, option="--rejects", force=force, kept=kept)  # before any work
    policy = policy_for(settings)
    stages_of = {t.id: t.stages for t in policy.recovery.debt_types}
    chosen = read_mapping(mapping, stages_of, encoding)
    store = store_for(settings, hub)
    acting = resolve(settings, store, duty="batch", command="drp import cases")
    with progress_reporter(quiet) as progress:
        result = import_cases(
            store,
            file,
            chosen,
            stages_of,
            officer_id=acting.officer_id,
            at=now(),
            dry_run=dry_run,
            progress=progress,
        )
    if rejects is not None and result.rejects:
        write_rejects(result.rejects, rejects, force=force, kept=kept)
    _report(result, as_json=as_json)
    if result.rejects:
        raise typer.Exit(1)


def _report(result: ImportResult, *, as_json: bool) -> None:
    if as_json:
        output.print_json(
            {
                "file": result.file,
                "mapping": result.mapping,
                "sha256": result.sha256,
                "rows": result.rows,
                "committed": result.committed,
                "dry_run": result.dry_run,
                "people_new": result.people_new,
                "people_updated": result.people_updated,
                "debts_new": result.debts_new,
                "debts_updated": result.debts_updated,
                "rejected_rows": len({r.line for r in result.rejects}),
                "rejects": [
                    {"line": r.line, "column": r.column, "value": r.value, "reason": r.reason}
                    for r in result.rejects
                ],
                "warnings": [
                    {"line": w.line, "column": w.column, "value": w.value, "reason": w.reason}
                    for w in result.warnings
                ],
            }
        )
        return
    out = output.console()
    if result.rejects:
        lines = len({r.line for r in result.rejects})
        out.print(
            f"[red]rejected[/red] {escape(result.file)}: {lines} of {result.rows} rows have "
            "problems; nothing was imported"
        )
        for r in result.rejects[:50]:
            shown = f" {r.value!r}" if r.value else ""
            out.print(escape(f"  line {r.line}, {r.column}{shown}: {r.reason}"))
        if len(result.rejects) > 50:
            out.print(f"  … and {len(result.rejects) - 50} more (use --rejects FILE for all)")
        return
    verb = "would import" if result.dry_run else "imported"
    out.print(
        f"[green]{verb}[/green] {result.rows} rows from {escape(Path(result.file).name)}: "
        f"{result.people_new} new and {result.people_updated} updated people, "
        f"{result.debts_new} new and {result.debts_updated} updated debts"
    )
    for w in result.warnings[:20]:
        out.print(
            "  [yellow]warning[/yellow] "
            + escape(f"line {w.line}, {w.column} {w.value!r}: {w.reason}")
        )
    if len(result.warnings) > 20:
        out.print(f"  … and {len(result.warnings) - 20} more warnings (--json lists them all)")


@app.command("payments")
def payments(
    file: Annotated[Path, typer.Argument(help="The agency's remittance CSV.")],
    agency: Annotated[str, typer.Option(help="The agency's name or id.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Reconcile; record nothing.")] = False,
    as_json: JsonSummary = False,
    encoding: Encoding = None,
    allow_repeat: Annotated[
        str | None,
        typer.Option(
            "--allow-repeat",
            metavar="LINE[,LINE]",
            help="Supervisors: post these lines, refused as repeats, as the second payments "
            "they are (recorded with who allowed it).",
        ),
    ] = None,
) -> None:
    """Reconcile an enforcement agent's or collection agency's remittance against the debts
    placed with it: matched and overpaid lines are recorded as payments, unmatched lines are
    listed. A line that cannot be read rejects the file (exit 1) and records nothing."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.remittance import import_remittance
    from drp_tui.services.remittance_once import lines_named
    from drp_tui.services.store import store_for

    allowed = [] if allow_repeat is None else lines_named(allow_repeat)
    settings = load_settings()
    store = store_for(settings)
    result = import_remittance(
        store,
        resolve(settings, store, duty="batch", command="drp import payments").actor(),
        file,
        agency,
        dry_run=dry_run,
        encoding=encoding or "auto",
        allow_repeat=allowed,
    )
    if as_json:
        output.print_json(
            {
                "agency": result.agency,
                "committed": result.committed,
                "refused": result.refused or None,
                "dry_run": dry_run,
                "recorded": f"{result.recorded:.2f}",
                "matched": [
                    {"line": m.line, "reference": m.reference, "amount": f"{m.amount:.2f}"}
                    for m in result.matched
                ],
                "overpaid": [
                    {
                        "line": m.line,
                        "reference": m.reference,
                        "amount": f"{m.amount:.2f}",
                        "excess": f"{excess:.2f}",
                    }
                    for m, excess in result.overpaid
                ],
                "unmatched": [
                    {
                        "line": m.line,
                        "reference": m.reference,
                        "amount": f"{m.amount:.2f}",
                        "why": why,
                    }
                    for m, why in result.unmatched
                ],
                "reversed": [
                    {"line": m.line, "reference": m.reference, "amount": f"{m.amount:.2f}"}
                    for m in result.reversed
                ],
                "allowed_repeats": result.allowed_repeats,
                "rejects": [
                    {"line": r.line, "column": r.column, "value": r.value, "reason": r.reason}
                    for r in result.rejects
                ],
            }
        )
    else:
        out = output.console()
        if result.refused:
            out.print(f"[red]refused[/red] {escape(result.refused)}")
        elif result.rejects:
            out.print(f"[red]rejected[/red] {escape(file.name)}: nothing was recorded")
            for r in result.rejects:
                out.print(escape(f"  line {r.line}, {r.column} {r.value!r}: {r.reason}"))
        else:
            verb = "would record" if dry_run else "recorded"
            out.print(
                f"[green]{verb}[/green] £{result.recorded:,.2f} from {escape(result.agency)}: "
                f"{len(result.matched)} matched, {len(result.overpaid)} overpaid, "
                f"{len(result.unmatched)} unmatched, {len(result.reversed)} reversed"
            )
            if result.allowed_repeats:
                lines = ", ".join(str(n) for n in result.allowed_repeats)
                out.print(
                    f"  [yellow]allowed repeat[/yellow] line(s) {lines}: {verb.split()[-1]} as "
                    "second payments by --allow-repeat, with your name on it"
                )
            for line, excess in result.overpaid:
                out.print(
                    f"  [yellow]overpaid[/yellow] line {line.line} {escape(line.reference)}: "
                    f"£{excess:,.2f} more than the balance (to refund)"
                )
            for line, why in result.unmatched:
                out.print(
                    f"  [yellow]unmatched[/yellow] line {line.line} {escape(line.reference)} "
                    f"£{line.amount:,.2f}: {escape(why)}"
                )
    if result.rejects or result.refused:
        raise typer.Exit(1)
