"""Who is acting: the officer mapped to the operating-system login, checked for the duty a
command needs. Every command that acts on a store, and the workstation, asks here.

A store records its kind (working, training or demo). On a working store drp acts as the
officer whose `login` is the login running it (the effective uid's, never an environment
variable); `DRP_OFFICER` may only name that same officer, and the clock may not be pinned
(`DRP_TODAY`/`DRP_NOW`). On a training or demo store `DRP_OFFICER` picks the identity and the
clock may be pinned: that is what they are for.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.permissions import WHO, Duty, may
from drp_tui.services.casework import Actor
from drp_tui.services.login import os_login
from drp_tui.settings import Settings, default_config_path
from drp_tui.store.engine import Store
from drp_tui.store.models import Officer, StoreKind

WORKING, TRAINING, DEMO = "working", "training", "demo"
KINDS = (WORKING, TRAINING, DEMO)


def store_kind(store: Store) -> str:
    """working, training or demo. A store with no record is a working store, except one
    `drp demo` marked before stores recorded their kind."""
    with store.read() as session:
        row = session.get(StoreKind, 1)
    if row is not None:
        return row.kind
    if store.engine.dialect.name == "sqlite":
        from drp_tui.services.demo_store import is_demo_store

        if is_demo_store(store.path):
            return DEMO
    return WORKING


def set_store_kind(store: Store, kind: str) -> None:
    if kind not in KINDS:
        raise InputError("kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    with store.write() as session:
        row = session.get(StoreKind, 1)
        if row is None:
            session.add(StoreKind(id=1, kind=kind))
        else:
            row.kind = kind


def is_empty(store: Store) -> bool:
    """Whether the store has no officers yet (its first supervisor founds it)."""
    with store.read() as session:
        return session.execute(select(col(Officer.id)).limit(1)).first() is None


@dataclass(frozen=True)
class Identity:
    officer: Officer
    kind: str
    clock: Callable[[], datetime]
    today: Callable[[], date]

    @property
    def officer_id(self) -> str:
        return self.officer.id

    def actor(self) -> Actor:
        return Actor(self.officer.id, clock=self.clock)

    def require(self, duty: Duty, command: str) -> None:
        """Refuse (`NotPermitted`, one line) unless this officer's role has `duty`."""
        officer = self.officer
        if not may(officer.role, duty):
            article = "an" if officer.role[0] in "aeiou" else "a"
            raise NotPermitted(
                f"{command} is for {WHO[duty]}; {officer.name} ({officer.id}) is "
                f"{article} {officer.role}"
            )


def _setting(name: str) -> str:
    variable = f"DRP_{name.upper()}"
    return variable if variable in os.environ else f"{default_config_path()}: {name}"


def checked_clock(settings: Settings, kind: str) -> None:
    """Refuse a pinned clock on a working store: its records must carry the real time."""
    if kind != WORKING:
        return
    for name in ("now", "today"):
        if getattr(settings, name) is not None:
            raise NotPermitted(
                f"{_setting(name)} pins the clock, which only a training or demo store allows: "
                "unset it to work on this working store"
            )


def _mapped(store: Store, login: str) -> Officer | None:
    with store.read() as session:
        return session.execute(
            select(Officer).where(col(Officer.login) == login)
        ).scalar_one_or_none()


def resolve(
    settings: Settings,
    store: Store,
    *,
    duty: Duty = "desk",
    command: str = "drp",
    directory: Store | None = None,
) -> Identity:
    """The acting officer on `store` for a command needing `duty`, or one clear refusal
    (`NotPermitted`, exit 1). Officers are looked up in `directory` (the team hub, for a new
    desk's first sync) when given, else in `store`."""
    kind = store_kind(store)
    if directory is not None and store_kind(directory) == WORKING:
        kind = WORKING  # a training desk cannot pick who it is on the team's working hub
    checked_clock(settings, kind)
    login = os_login()
    officers = directory or store
    mapped = _mapped(officers, login)
    chosen = settings.officer
    if chosen and kind == WORKING and (mapped is None or mapped.id != chosen):
        mine = f"you are {mapped.id}" if mapped else "no officer is mapped to it"
        raise NotPermitted(
            f"{_setting('officer')} may pick who you are only on a training or demo store; "
            f"this is a working store and your login {login!r} decides ({mine}): unset it"
        )
    if chosen:
        with officers.read() as session:
            officer = session.get(Officer, chosen)
        if officer is None:
            raise InputError(_setting("officer"), f"{chosen!r} is not an officer in {store.path}")
    elif mapped is None:
        raise NotPermitted(
            f"{command}: no officer in {store.path} is mapped to your login {login!r}; ask a "
            f"supervisor to run 'drp officer update YOUR-ID --login {login}'"
        )
    else:
        officer = mapped
    found = Identity(officer, kind, settings.current_time, settings.current_date)
    found.require(duty, command)
    return found


def founder(
    settings: Settings, store: Store, officer_id: str, login: str | None
) -> tuple[Actor, str]:
    """Who founds an empty store, and the login they are mapped to: the login creating it (on
    a training or demo store, `--login` may name another)."""
    kind = store_kind(store)
    checked_clock(settings, kind)
    mine = os_login()
    if kind == WORKING:
        if login is not None and login.strip().lower() != mine:
            raise NotPermitted(
                f"the first supervisor of a working store is mapped to the login creating it "
                f"({mine!r}): leave out --login, or run this as {login!r}"
            )
        if settings.officer and settings.officer != officer_id.strip().lower():
            raise NotPermitted(
                f"{_setting('officer')} may pick who you are only on a training or demo store: "
                "unset it to found this working store"
            )
    return Actor(officer_id.strip().lower(), clock=settings.current_time), login or mine
