"""`drp authority`: third parties a debtor has authorised to speak for them, and what they
may do on a call ("discuss": hear the account detail; "arrange": agree payment), on the
evidence of a consent document (verbal consent is recorded on the call, in the
workstation)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, OnHubOption
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.authority import Authority

app = typer.Typer(
    help="Third parties with recorded authority to speak for a debtor.", no_args_is_help=True
)

CaseRef = Annotated[str, typer.Argument(help="The case reference, e.g. C0001234.")]


def _json(reference: str, found: Authority, on_day: Any = None) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "id": found.id,
        "case": reference,
        "name": found.name,
        "relationship": found.relationship,
        "may": list(found.scope),
        "until": None if found.until is None else found.until.isoformat(),
        "recorded_by": found.recorded_by,
        "recorded_at": found.recorded_at.isoformat(),
        "consent": found.consent,
        "consent_ref": found.consent_ref,
        "ended_at": None if found.ended_at is None else found.ended_at.isoformat(),
        "end_reason": found.end_reason,
    }
    if on_day is not None:
        shown["in_force"] = found.in_force(on_day)
    return shown


@app.command("add")
def add(
    case: CaseRef,
    name: Annotated[str, typer.Option(help="Who the third party is.")],
    relationship: Annotated[str, typer.Option(help="How they are related, e.g. partner.")],
    may: Annotated[
        str,
        typer.Option(
            help="What they may do: discuss (hear the account detail), arrange (agree payment "
            "on the debtor's behalf), or both: discuss,arrange."
        ),
    ],
    consent: Annotated[
        str,
        typer.Option(
            help="The consent document: written (a signed form), lpa (Lasting Power of "
            "Attorney), deputy (Court of Protection order) or appointee (DWP)."
        ),
    ],
    consent_ref: Annotated[str, typer.Option(help="The document's reference.")],
    until: Annotated[
        str | None, typer.Option(help="The last day it covers (default: no end date).")
    ] = None,
    risk_confirmed: Annotated[
        str,
        typer.Option(
            help="On a case with domestic abuse recorded: why this is safe (the debtor asked "
            "freely and alone, and how you know)."
        ),
    ] = "",
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Record that the case's debtor has authorised someone to speak for them."""
    from drp_tui.domain.dates import parse_date
    from drp_tui.domain.errors import InputError
    from drp_tui.services.authority import case_id_for, record_authority
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, command="drp authority")
    reference = case.strip().upper()
    case_id = case_id_for(store, reference)
    last_day = None if until is None else parse_date(until, "--until")
    if consent.strip().lower() == "verbal":
        raise InputError(
            "--consent",
            "verbal consent is recorded in the workstation, on the call where the debtor "
            "passed ID&V",
        )
    try:
        found = record_authority(
            store,
            acting.actor(),
            case_id=case_id,
            name=name,
            relationship=relationship,
            scope=may.split(","),
            until=last_day,
            consent=consent,
            consent_ref=consent_ref,
            risk_confirmed=risk_confirmed,
        )
    except InputError as error:
        raise InputError(f"--{error.field.replace('_', '-')}", error.message) from error
    if as_json:
        output.print_json(_json(reference, found))
        return
    print(f"recorded on {reference}: {found.describe()}")


@app.command("list")
def list_authorities(case: CaseRef, hub: OnHubOption = None, as_json: JsonFlag = False) -> None:
    """The third parties the case's debtor has authorised, and whether each is in force today."""
    from drp_tui.services.authority import case_id_for, for_case
    from drp_tui.services.caseaccess import readable_case
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, command="drp authority list")
    today = acting.today()
    reference = case.strip().upper()
    readable_case(store, acting.actor(), reference, "who may speak for its debtor", "CASE")
    found = for_case(store, case_id_for(store, reference))
    if as_json:
        output.print_json(
            {"case": reference, "authorities": [_json(reference, a, today) for a in found]}
        )
        return
    table = Table(title=f"Third parties with authority on {reference}", title_justify="left")
    table.add_column("Id", no_wrap=True)
    table.add_column("Who", min_width=12)
    table.add_column("May", no_wrap=True)
    table.add_column("Until", no_wrap=True)
    table.add_column("Consent")
    table.add_column("In force")
    for a in found:
        table.add_row(
            a.id[:8],
            Text(a.who),
            Text(a.may),
            Text("no end date" if a.until is None else a.until.isoformat()),
            Text(f"{a.consent} {a.consent_ref}".strip()),
            "yes" if a.in_force(today) else Text(f"no: {a.why_not(today)}"),
        )
    output.console().print(table if found else Text(f"no third party has authority on {reference}"))


@app.command("end")
def end(
    authority_id: Annotated[str, typer.Argument(help="The authority's id (or its start).")],
    reason: Annotated[str, typer.Option(help="Why it ends, e.g. consent withdrawn.")],
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """End an authority now: no call may stand on it from then on."""
    from drp_tui.domain.errors import InputError
    from drp_tui.services.authority import end_authority
    from drp_tui.services.identity import resolve
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    acting = resolve(settings, store, command="drp authority")
    try:
        ended = end_authority(
            store,
            acting.actor(),
            authority_id=authority_id,
            reason=reason,
        )
    except InputError as error:
        field = "--reason" if error.field == "reason" else error.field
        raise InputError(field, error.message) from error
    if as_json:
        output.print_json({"id": ended.id, "ended_at": str(ended.ended_at), "reason": reason})
        return
    print(f"ended: {ended.name}'s authority ({ended.id[:8]}): {ended.end_reason}")
