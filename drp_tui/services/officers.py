"""The team: officers, their roles, teams, skills and daily call targets.

Supervisors keep the team, usually on the team hub (`--hub`) so every desk learns of a change at
its next sync. A new store or hub has nobody in it: its first officer must be a supervisor or
above (to add the rest) and is mapped to the login that adds them (services/identity). After
that only a supervisor or above may add or change officers, never giving a role above their
own, and every change is an event.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.permissions import OFFICER_ROLES
from drp_tui.domain.writeoff import role_rank
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Officer

LOGIN = re.compile(r"[a-z][a-z0-9._-]{1,31}")
MAX_DAILY_CALLS = 500


@dataclass(frozen=True)
class OfficerDetails:
    """What may be set on an officer; None leaves a value as it is."""

    name: str | None = None
    role: str | None = None
    team: str | None = None
    skills: tuple[str, ...] | None = None
    daily_call_target: int | None = None
    active: bool | None = None
    login: str | None = None  # the operating-system login drp acts for (services/identity)

    def changes(self) -> dict[str, Any]:
        return {
            f.name: getattr(self, f.name) for f in fields(self) if getattr(self, f.name) is not None
        }


@dataclass(frozen=True)
class TeamMember:
    officer: Officer
    open_cases: int


def require_officer(store: Store, officer_id: str, option: str) -> Officer:
    """The officer named by `option`; bad input if there is no such officer in this store."""
    with store.read() as session:
        officer = session.get(Officer, officer_id)
    if officer is None:
        raise InputError(
            option, f"{officer_id!r} is not an officer in this store (see 'drp officer list --all')"
        )
    return officer


def require_supervisor(store: Store, officer_id: str | None, command: str) -> Officer:
    if not officer_id:
        raise NotPermitted(f"{command} is for supervisors: set DRP_OFFICER to your officer id")
    with store.read() as session:
        officer = session.get(Officer, officer_id)
    if officer is None:
        raise NotPermitted(
            f"{command} is for supervisors: {officer_id!r} is not an officer in this store"
        )
    if role_rank(officer.role) < role_rank("supervisor"):
        raise NotPermitted(
            f"{command} is for supervisors; {officer.name} ({officer.id}) is an {officer.role}"
        )
    return officer


def team(store: Store, *, team_name: str | None = None, everyone: bool = False) -> list[TeamMember]:
    """Officers (active ones unless `everyone`) with how many open cases each holds."""
    with store.read() as session:
        query = select(Officer).order_by(col(Officer.team), col(Officer.id))
        if team_name is not None:
            query = query.where(col(Officer.team) == team_name)
        if not everyone:
            query = query.where(col(Officer.active))
        officers = list(session.execute(query).scalars())
        held: dict[str | None, int] = dict(
            session.execute(
                select(col(Case.officer_id), func.count())
                .where(col(Case.status) == "open", col(Case.officer_id).is_not(None))
                .group_by(col(Case.officer_id))
            ).all()
        )
    return [TeamMember(o, int(held.get(o.id, 0))) for o in officers]


def add_officer(store: Store, actor: Actor, officer_id: str, details: OfficerDetails) -> Officer:
    login = officer_id.strip().lower()
    if not LOGIN.fullmatch(login):
        raise InputError(
            "ID",
            f"{officer_id!r} is not a login: 2 to 32 lower-case letters, digits, '.', '_' or "
            "'-', starting with a letter (e.g. asmith)",
        )
    if not (details.name or "").strip():
        raise InputError("--name", "give the officer's name as colleagues know it")
    wanted = _checked(details)
    with store.write() as session:
        if session.get(Officer, login) is not None:
            raise InputError(
                "ID", f"{login} is already an officer; change them with 'drp officer update'"
            )
        role = wanted.get("role", "officer")
        _may_give(session, actor, role, first_allowed=True)
        _login_free(session, wanted.get("login"), login)
        officer = Officer(id=login, **{**wanted, "role": role})
        session.add(officer)
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="officer.added",
            at=actor.now(),
            event_id=actor.ids(),
            payload={"officer": login, **_shown(wanted)},
        )
    return officer


def update_officer(
    store: Store, actor: Actor, officer_id: str, details: OfficerDetails
) -> TeamMember:
    """Change an officer. Someone made inactive keeps their cases until a supervisor
    reallocates them (`drp queue allocate` hands them out; `drp queue orphans` lists them)."""
    wanted = _checked(details)
    if not wanted:
        raise InputError("OPTIONS", "say what to change (--name, --role, --team, --skills, …)")
    login = officer_id.strip().lower()
    with store.write() as session:
        officer = session.get(Officer, login)
        if officer is None:
            raise InputError("ID", f"no officer {officer_id!r} (see 'drp officer list --all')")
        acting = _may_give(session, actor, wanted.get("role", officer.role), first_allowed=False)
        if role_rank(officer.role) > role_rank(acting.role):
            raise NotPermitted(f"{acting.name} ({acting.role}) cannot change a {officer.role}")
        if login == acting.id and (
            wanted.get("active") is False or "role" in wanted or "login" in wanted
        ):
            raise NotPermitted(
                "ask another supervisor to change your own role or login, or deactivate you"
            )
        _login_free(session, wanted.get("login"), login)
        before = {name: getattr(officer, name) for name in wanted}
        for name, value in wanted.items():
            setattr(officer, name, list(value) if name == "skills" else value)
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="officer.changed",
            at=actor.now(),
            event_id=actor.ids(),
            payload={"officer": login, "before": _shown(before), "after": _shown(wanted)},
        )
        open_cases = session.execute(
            select(func.count()).where(col(Case.officer_id) == login, col(Case.status) == "open")
        ).scalar_one()
    return TeamMember(officer, int(open_cases))


def _checked(details: OfficerDetails) -> dict[str, Any]:
    wanted = details.changes()
    if "name" in wanted:
        wanted["name"] = " ".join(wanted["name"].split())
        if not wanted["name"]:
            raise InputError("--name", "cannot be empty")
    if "role" in wanted:
        role = wanted["role"].strip().lower()
        if role not in OFFICER_ROLES:
            raise InputError(
                "--role", f"{wanted['role']!r} is not one of {', '.join(OFFICER_ROLES)}"
            )
        wanted["role"] = role
    if "team" in wanted:
        wanted["team"] = wanted["team"].strip()
    if "skills" in wanted:
        wanted["skills"] = sorted({s.strip().lower() for s in wanted["skills"] if s.strip()})
    if "login" in wanted:
        wanted["login"] = wanted["login"].strip().lower()
        if not LOGIN.fullmatch(wanted["login"]):
            raise InputError("--login", f"{details.login!r} is not a login (e.g. asmith)")
    target = wanted.get("daily_call_target")
    if target is not None and not 1 <= target <= MAX_DAILY_CALLS:
        raise InputError("--target", f"must be between 1 and {MAX_DAILY_CALLS} calls a day")
    return wanted


def _may_give(session: Session, actor: Actor, role: str, *, first_allowed: bool) -> Officer:
    """The acting officer, if they may give `role`. The first officer in an empty store needs
    nobody's permission, but must be able to add the rest."""
    anyone = session.execute(select(col(Officer.id)).limit(1)).first()
    if anyone is None and first_allowed:
        if role_rank(role) < role_rank("supervisor"):
            raise NotPermitted(
                "this store has no officers yet: add a supervisor first (--role supervisor), "
                "who then adds the team"
            )
        return Officer(id=actor.officer_id, name=actor.officer_id, role=role)
    acting = session.get(Officer, actor.officer_id)
    if acting is None or role_rank(acting.role) < role_rank("supervisor"):
        raise NotPermitted("only a supervisor or above may add or change officers")
    if role_rank(role) > role_rank(acting.role):
        raise NotPermitted(f"{acting.name} ({acting.role}) cannot make someone a {role}")
    return acting


def _login_free(session: Session, login: str | None, officer_id: str) -> None:
    """A login maps to one officer only."""
    if login is None:
        return
    holder = session.execute(
        select(col(Officer.id)).where(col(Officer.login) == login, col(Officer.id) != officer_id)
    ).scalar_one_or_none()
    if holder is not None:
        raise InputError("--login", f"{login} is already the login of {holder}")


def _shown(values: dict[str, Any]) -> dict[str, Any]:
    return {
        name: list(value) if isinstance(value, tuple) else value for name, value in values.items()
    }
