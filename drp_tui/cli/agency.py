"""`drp agency`: what comes back from enforcement agents and collection agencies."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from drp_tui.cli import output
from drp_tui.cli.params import day
from drp_tui.settings import load_settings

app = typer.Typer(help="Enforcement agents and collection agencies.", no_args_is_help=True)


@app.command("return")
def return_debt(
    debt: Annotated[str, typer.Argument(help="The debt's host reference.")],
    agency: Annotated[str, typer.Option(help="The agency's name or id.")],
    reason: Annotated[str, typer.Option(help="Why it came back, e.g. nulla bona.")],
    on: Annotated[str | None, typer.Option(help="When (default today).")] = None,
) -> None:
    """Record a debt returned by an agency: the placement closes and the debt is the
    council's to work again."""
    from sqlalchemy import select
    from sqlmodel import col

    from drp_tui.domain.errors import InputError
    from drp_tui.services.identity import resolve
    from drp_tui.services.placements import return_placement
    from drp_tui.services.store import store_for
    from drp_tui.services.writeoffs import find_debt
    from drp_tui.store.models import Agency

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, command="drp agency")
    with store.read() as session:
        found = find_debt(session, debt)
        chosen = session.execute(
            select(Agency).where((col(Agency.id) == agency) | (col(Agency.name) == agency))
        ).scalar_one_or_none()
        if chosen is None:
            raise InputError("--agency", f"no agency {agency!r}")
        debt_id, agency_id, name = found.id, chosen.id, chosen.name
    return_placement(
        store,
        acting.actor(),
        debt_id=debt_id,
        agency_id=agency_id,
        returned_on=day(on, "--on", acting.today()),
        reason=reason,
    )
    output.console().print(
        f"[green]returned[/green] {escape(debt)} from {escape(name)}: {escape(reason)}"
    )


@app.command("recall")
def recall_debt(
    debt: Annotated[str, typer.Argument(help="The debt's host reference.")],
    reason: Annotated[str, typer.Option(help="Why the council takes it back.")],
    on: Annotated[str | None, typer.Option(help="When (default today).")] = None,
) -> None:
    """Take a debt back from the agency it is with (a vulnerability found, a complaint, to
    place it elsewhere): the placement closes and the debt is the council's to work again."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.placements import recall_placement
    from drp_tui.services.store import store_for
    from drp_tui.services.writeoffs import find_debt
    from drp_tui.store.models import Agency

    settings = load_settings()
    store = store_for(settings)
    acting = resolve(settings, store, command="drp agency")
    with store.read() as session:
        debt_id = find_debt(session, debt).id
    placement = recall_placement(
        store,
        acting.actor(),
        debt_id=debt_id,
        recalled_on=day(on, "--on", acting.today()),
        reason=reason,
    )
    with store.read() as session:
        agency = session.get(Agency, placement.agency_id)
    name = placement.agency_id if agency is None else agency.name
    output.console().print(
        f"[green]recalled[/green] {escape(debt)} from {escape(name)}: {escape(reason)}"
    )
