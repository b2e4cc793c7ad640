"""`drp letter` and `drp letters`: letters and emails from the council's templates."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, choose
from drp_tui.domain.letters import CHANNELS
from drp_tui.settings import Settings, load_settings

if TYPE_CHECKING:
    from drp_tui.domain.permissions import Duty
    from drp_tui.services.casework import Actor
    from drp_tui.services.letters import Library
    from drp_tui.services.policy import PolicyBook
    from drp_tui.store.engine import Store

app = typer.Typer(
    help="Letters, emails and texts from the council's templates (data/templates/).",
    no_args_is_help=True,
)
batch_app = typer.Typer(help="Print runs of queued letters.", no_args_is_help=True)
Case = Annotated[str, typer.Option("--case", help="The case reference, e.g. C0001234.")]
TemplateId = Annotated[str, typer.Option("--template", help="See 'drp letter templates'.")]


def _library(settings: Settings, policy: PolicyBook) -> Library:
    from drp_tui.services.letters import load_library, templates_dir

    return load_library(templates_dir(settings.templates_dir), policy.holds.kinds)


def _context(
    command: str, duty: Duty = "desk"
) -> tuple[Settings, Store, PolicyBook, Library, Actor]:
    from drp_tui.services.identity import resolve
    from drp_tui.services.policy import policy_for
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, duty=duty, command=command)
    policy = policy_for(settings)
    return settings, store, policy, _library(settings, policy), acting.actor()


@app.command("templates")
def templates(as_json: JsonFlag = False) -> None:
    """The templates: ids, versions, when in force, channels, the holds that stop them."""
    from drp_tui.services.policy import policy_for

    settings = load_settings()
    library = _library(settings, policy_for(settings))
    rows = [
        {
            "id": t.id,
            "name": t.name,
            "version": t.version,
            "effective_from": t.dated.effective_from.isoformat(),
            "effective_to": None
            if t.dated.effective_to is None
            else t.dated.effective_to.isoformat(),
            "channels": list(t.channels),
            "suppressed_by": list(t.suppressed_by),
            "needs": list(t.needs),
        }
        for t in library.templates
    ]
    if as_json:
        output.print_json({"templates": rows})
        return
    table = Table("id", "version", "channels", "not while", title="Templates", title_justify="left")
    for t in library.templates:
        held = ", ".join(kind.replace("_", " ") for kind in t.suppressed_by)
        table.add_row(t.id, str(t.version), ", ".join(t.channels), Text(held))
    output.console().print(table)


@app.command("render")
def render(
    case: Case,
    template: TemplateId,
    channel: Annotated[str, typer.Option(help="letter, email or sms.")] = "letter",
    out: Annotated[
        Path | None, typer.Option(help="Write it here: a .pdf for a letter, else the text.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
) -> None:
    """Fill a template in for a case and show it (or write the letter's PDF), sending
    nothing and recording nothing: to check the wording before it goes."""
    from drp_tui.services.letter_pdf import letter_pdf
    from drp_tui.services.letters import prepare
    from drp_tui.services.outfile import kept_files, write_bytes, write_output

    _, store, policy, library, actor = _context("drp letter render")
    prepared = prepare(
        store, policy, library, actor,
        case_reference=case, template_id=template, channel=choose(channel, CHANNELS, "--channel"),
    )  # fmt: skip
    if out is None:
        output.console().print(Text(f"{prepared.rendered.subject}\n\n{prepared.rendered.body}"))
        return
    if out.suffix.lower() == ".pdf":
        today = actor.now().date()
        pdf = letter_pdf(
            prepared.rendered, library.council, prepared.address,
            f"{today.day} {today:%B %Y}", prepared.reference,
        )  # fmt: skip
        write_bytes(out, pdf, option="--out", force=force, kept=kept_files(store.path))
    else:
        write_output(
            out,
            f"{prepared.rendered.subject}\n\n{prepared.rendered.body}",
            option="--out",
            force=force,
        )
    output.console().print(Text(f"wrote {out}"))


@app.command("send")
def send(
    case: Case,
    template: TemplateId,
    channel: Annotated[str, typer.Option(help="letter (queued for the print run), email or sms.")],
    as_json: JsonFlag = False,
) -> None:
    """Send a template to the debtor: a text now through GOV.UK Notify (DRP_NOTIFY_API_KEY or
    DRP_NOTIFY_API_KEY_FILE), to a mobile marked for texts, in the hours policy allows; email
    now, through Notify where its key is set, else DRP_SMTP_URL; a letter is queued for the
    next 'drp letters batch'. Recorded on the case with its text."""
    from drp_tui.services.letters import prepare
    from drp_tui.services.letters import send as send_prepared

    settings, store, policy, library, actor = _context("drp letter send")
    how = choose(channel, CHANNELS, "--channel")
    prepared = prepare(
        store, policy, library, actor, case_reference=case, template_id=template, channel=how
    )
    what = send_prepared(store, policy, actor, library, settings.smtp_url, prepared)
    if as_json:
        output.print_json({"case": prepared.reference, "channel": how, "done": what})
        return
    output.console().print(Text(what))


@app.command("sms-consent")
def sms_consent(
    case: Case,
    number: Annotated[str, typer.Option("--number", help="The mobile, e.g. +447700900123.")],
    withdraw: Annotated[
        bool, typer.Option(help="The debtor no longer wants texts on this number.")
    ] = False,
) -> None:
    """Record that the debtor consents to texts on one of their mobile numbers (or withdraws
    it): drp texts only a mobile marked so. Recorded on the case."""
    from drp_tui.services.sms import record_consent

    _, store, _, _, actor = _context("drp letter sms-consent")
    done = record_consent(store, actor, case_reference=case, number=number, given=not withdraw)
    output.console().print(Text(done))


@batch_app.command("batch")
def batch(
    out: Annotated[Path, typer.Option(help="The folder for the PDFs (made if missing).")],
    as_json: JsonFlag = False,
) -> None:
    """Every letter queued and not yet printed, one PDF each in --out for the print run (or
    to upload to GOV.UK Notify), each marked printed; one the case no longer allows (a hold
    since, its template withdrawn, what it needs gone, the debtor moved), or that cannot be
    laid out, is withheld with the reason (exit 1 when a letter could not be laid out)."""
    from drp_tui.services.letter_batch import print_run

    _, store, policy, library, actor = _context("drp letters batch", "batch")
    run = print_run(store, policy, library, actor, out)
    if as_json:
        output.print_json(
            {
                "folder": str(out),
                "letters": [str(p) for p in run.written],
                "withheld": [{"case": ref, "why": why} for ref, why in run.withheld],
            }
        )
    else:
        count = f"{len(run.written)} letter{'s' if len(run.written) != 1 else ''}"
        output.console().print(Text(f"{count} in {out}"))
        for reference, why in run.withheld:
            output.console().print(Text(f"withheld {reference}: {why}"))
    if run.unprintable:
        raise typer.Exit(1)
