"""`drp officer`: the team a supervisor allocates to (on the hub, for a team)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from drp_tui.cli import output
from drp_tui.cli.params import JsonFlag, OnHubOption
from drp_tui.domain.permissions import OFFICER_ROLES
from drp_tui.settings import load_settings

if TYPE_CHECKING:
    from drp_tui.services.casework import Actor
    from drp_tui.services.officers import OfficerDetails, TeamMember
    from drp_tui.store.engine import Store

app = typer.Typer(
    help="The team: add officers, change their role, team, skills or target, list them "
    "(supervisors; use --hub so every desk follows).",
    no_args_is_help=True,
)
NameOption = Annotated[str | None, typer.Option("--name", help="Full name, e.g. 'Alex Smith'.")]
RoleOption = Annotated[
    str | None,
    typer.Option(
        "--role",
        help=" | ".join(OFFICER_ROLES)
        + " (service: the nightly jobs' login, e.g. drp-batch; no desk, no approvals)",
    ),
]
LoginOption = Annotated[
    str | None,
    typer.Option(
        "--login",
        help="The operating-system login drp acts for as this officer (default for the first "
        "supervisor of a store: the login creating it).",
    ),
]
TeamOption = Annotated[str | None, typer.Option("--team", help="Team name, e.g. Recovery.")]
SkillsOption = Annotated[
    str | None,
    typer.Option(
        "--skills",
        help="Comma-separated, e.g. vulnerability,welsh ('vulnerability' marks an officer "
        "trained for vulnerable debtors: allocation --strategy skills sends them those cases).",
    ),
]
TargetOption = Annotated[int | None, typer.Option("--target", help="Daily call target.")]


def _context(
    hub: str | None, command: str, new_id: str | None = None, login: str | None = None
) -> tuple[Store, Actor, str | None]:
    """The store, the supervisor acting (or, in an empty store, its founder) and the login."""
    from drp_tui.services import identity
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    if new_id is not None and identity.is_empty(store):
        actor, login = identity.founder(settings, store, new_id, login)
        return store, actor, login
    found = identity.resolve(settings, store, duty="supervise", command=command)
    return store, found.actor(), login


def _details(
    name: str | None,
    role: str | None,
    team: str | None,
    skills: str | None,
    target: int | None,
    active: bool | None = None,
    login: str | None = None,
) -> OfficerDetails:
    from drp_tui.services.officers import OfficerDetails

    return OfficerDetails(
        name=name,
        role=role,
        team=team,
        skills=None if skills is None else tuple(skills.split(",")),
        daily_call_target=target,
        active=active,
        login=login,
    )


def _as_json(member: TeamMember) -> dict[str, object]:
    o = member.officer
    return {
        "id": o.id,
        "name": o.name,
        "role": o.role,
        "team": o.team,
        "skills": list(o.skills),
        "daily_call_target": o.daily_call_target,
        "active": o.active,
        "login": o.login,
        "open_cases": member.open_cases,
    }


@app.command("add")
def add(
    officer_id: Annotated[str, typer.Argument(metavar="ID", help="Their login, e.g. asmith.")],
    name: NameOption = None,
    role: RoleOption = None,
    team: TeamOption = None,
    skills: SkillsOption = None,
    target: TargetOption = None,
    login: LoginOption = None,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Add an officer (supervisors; the first officer in a new store or hub must be a
    supervisor, and is mapped to the login adding them)."""
    from drp_tui.services.officers import TeamMember, add_officer

    store, actor, login = _context(hub, "drp officer add", officer_id, login)
    if hub is not None:  # refused before anything is written (review 19c)
        from drp_tui.sync.hub import connect, hub_url
        from drp_tui.sync.roles import check_login_role

        check_login_role(connect(hub_url(hub)), officer_id.strip().lower())
    officer = add_officer(
        store, actor, officer_id, _details(name, role, team, skills, target, login=login)
    )
    if hub is not None:  # their desk's own login role on the hub (issue 19)
        from drp_tui.sync.hub import connect, hub_url
        from drp_tui.sync.roles import ensure_login_role

        ensure_login_role(connect(hub_url(hub)), officer.id)
    if as_json:
        output.print_json(_as_json(TeamMember(officer, 0)))
        return
    where = f" in {officer.team}" if officer.team else ""
    output.console().print(
        f"[green]added[/green] {escape(f'{officer.name} ({officer.id}), {officer.role}{where}')}"
    )


@app.command("update")
def update(
    officer_id: Annotated[str, typer.Argument(metavar="ID", help="Their login.")],
    name: NameOption = None,
    role: RoleOption = None,
    team: TeamOption = None,
    skills: SkillsOption = None,
    target: TargetOption = None,
    active: Annotated[
        bool | None,
        typer.Option(
            "--active/--inactive",
            help="An inactive officer gets no new cases; their open cases wait for "
            "'drp queue allocate'.",
            show_default=False,
        ),
    ] = None,
    login: LoginOption = None,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """Change an officer's name, role, team, skills, target, login or whether they are
    active (supervisors)."""
    from drp_tui.services.officers import update_officer

    store, actor, _ = _context(hub, "drp officer update")
    member = update_officer(
        store, actor, officer_id, _details(name, role, team, skills, target, active, login)
    )
    if as_json:
        output.print_json(_as_json(member))
        return
    out = output.console()
    out.print(f"[green]updated[/green] {escape(f'{member.officer.name} ({member.officer.id})')}")
    if not member.officer.active and member.open_cases:
        out.print(
            f"  [yellow]{member.open_cases} open cases[/yellow] are still theirs: "
            f"'drp queue allocate{' --hub ...' if hub else ''}' shares them out"
        )


@app.command("list")
def list_command(
    team: Annotated[str | None, typer.Option("--team", help="Only this team.")] = None,
    everyone: Annotated[bool, typer.Option("--all", help="Include inactive officers.")] = False,
    hub: OnHubOption = None,
    as_json: JsonFlag = False,
) -> None:
    """The team, with each officer's open cases."""
    from drp_tui.services.identity import resolve
    from drp_tui.services.officers import team as team_members
    from drp_tui.services.store import store_for

    settings = load_settings()
    store = store_for(settings, hub)
    resolve(settings, store, command="drp officer list")
    members = team_members(store, team_name=team, everyone=everyone)
    if as_json:
        output.print_json({"officers": [_as_json(m) for m in members]})
        return
    table = Table(
        "id",
        "name",
        "role",
        "team",
        "skills",
        "target",
        "open cases",
        title=f"{len(members)} officers",
        title_justify="left",
    )
    for m in members:
        o = m.officer
        shown = Text(o.name) if o.active else Text(f"{o.name} (inactive)", style="dim")
        table.add_row(
            Text(o.id),
            shown,
            o.role,
            Text(o.team),
            Text(", ".join(o.skills)),
            str(o.daily_call_target),
            str(m.open_cases),
        )
    output.console().print(table)
