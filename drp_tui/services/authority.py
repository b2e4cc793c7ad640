"""Third parties with recorded authority: someone the debtor has authorised to speak for them
(a partner, a relative, an adviser), what they may do ("discuss": hear the account detail;
"arrange": agree payment on the debtor's behalf) and until when. A record, not a note: a call
with one of them on the line may do what their authority covers, and no more
(domain.calls.standing)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import literal_column, select
from sqlmodel import Session, col

from drp_tui.domain.calls import SCOPES
from drp_tui.domain.errors import InputError
from drp_tui.services.casework import Actor, _case, _event
from drp_tui.settings import LONDON
from drp_tui.store.engine import Store
from drp_tui.store.models import Case, ThirdPartyAuthority


@dataclass(frozen=True)
class Authority:
    id: str
    person_id: str
    name: str
    relationship: str
    scope: tuple[str, ...]  # in the order of domain.calls.SCOPES
    until: date | None  # the last day it covers; None: no end date
    recorded_by: str
    recorded_at: datetime

    def in_force(self, on: date) -> bool:
        return self.until is None or on <= self.until

    @property
    def may(self) -> str:
        """What they may do, as the officer reads it: "discuss, arrange"."""
        return ", ".join(self.scope)

    @property
    def who(self) -> str:
        return f"{self.name} ({self.relationship})"

    def describe(self) -> str:
        """ "Sam Smith (partner) may discuss, arrange until 31 May 2027"."""
        until = "with no end date" if self.until is None else f"until {self.until:%d %b %Y}"
        return f"{self.who} may {self.may} {until}"


def _authority(row: ThirdPartyAuthority) -> Authority:
    return Authority(
        row.id,
        row.person_id,
        row.name,
        row.relationship,
        tuple(row.scope),
        row.until,
        row.recorded_by,
        row.recorded_at,
    )


def today(actor: Actor) -> date:
    """The actor's date in the council's time (an authority runs to the end of its day)."""
    return actor.now().astimezone(LONDON).date()


def scope_from(values: Iterable[str]) -> tuple[str, ...]:
    """What a third party may do, from what was typed: each one of SCOPES, at least one."""
    chosen = {value.strip().lower() for value in values if value.strip()}
    if not chosen:
        raise InputError("may", f"say what they may do: {', '.join(SCOPES)}")
    for value in sorted(chosen):
        if value not in SCOPES:
            raise InputError("may", f"{value!r} is not one of {', '.join(SCOPES)}")
    return tuple(s for s in SCOPES if s in chosen)


def record_authority(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    name: str,
    relationship: str,
    scope: Iterable[str],
    until: date | None,
) -> Authority:
    """Record that the debtor on `case_id` has authorised `name` to do `scope` until `until`
    (inclusive; None: no end date), with its event in the audit trail."""
    name = " ".join(name.split())
    relationship = " ".join(relationship.split())
    if not name:
        raise InputError("name", "say who the third party is")
    if not relationship:
        raise InputError("relationship", f"say how {name} is related to the debtor")
    chosen = scope_from(scope)
    if until is not None and until < today(actor):
        raise InputError(
            "until", f"{until.isoformat()} is past: an authority runs to today or later"
        )
    with store.write() as session:
        case = _case(session, case_id)
        row = ThirdPartyAuthority(
            id=actor.ids(),
            person_id=case.person_id,
            name=name,
            relationship=relationship,
            scope=list(chosen),
            until=until,
            recorded_by=actor.officer_id,
            recorded_at=actor.now(),
        )
        session.add(row)
        session.flush()
        _event(
            session,
            actor,
            "authority.recorded",
            case.id,
            authority=row.id,
            name=name,
            relationship=relationship,
            scope=list(chosen),
            until=None if until is None else until.isoformat(),
        )
        return _authority(row)


def case_id_for(store: Store, reference: str) -> str:
    """The case with `reference` (as typed: any case), or InputError."""
    with store.read() as session:
        case = session.execute(
            select(Case).where(col(Case.reference) == reference.strip().upper())
        ).scalar_one_or_none()
        if case is None:
            raise InputError("CASE", f"no case with reference {reference!r}")
        return str(case.id)


def for_case(store: Store, case_id: str) -> list[Authority]:
    """Every authority the case's debtor has given, oldest first (expired ones too)."""
    with store.read() as session:
        case = _case(session, case_id)
        return [
            _authority(row)
            for row in session.execute(
                select(ThirdPartyAuthority)
                .where(col(ThirdPartyAuthority.person_id) == case.person_id)
                .order_by(
                    col(ThirdPartyAuthority.recorded_at),
                    literal_column("thirdpartyauthority.rowid"),
                )
            ).scalars()
        ]


def in_force(store: Store, case_id: str, on: date) -> list[Authority]:
    """The authorities in force for the case's debtor on `on`, oldest first."""
    return [a for a in for_case(store, case_id) if a.in_force(on)]


def load_authority(session: Session, authority_id: str | None) -> Authority | None:
    if authority_id is None:
        return None
    row = session.get(ThirdPartyAuthority, authority_id)
    return None if row is None else _authority(row)


def authority_for_call(session: Session, authority_id: str, case: Case, on: date) -> Authority:
    """The authority a third party on a call on `case` stands on: the case's debtor's, and in
    force on `on`; InputError otherwise."""
    found = load_authority(session, authority_id)
    if found is None:
        raise InputError("authority", f"no authority {authority_id}")
    if found.person_id != case.person_id:
        raise InputError("authority", "that authority is not for this debtor")
    if not found.in_force(on):
        assert found.until is not None
        raise InputError("authority", f"{found.name}'s authority ended on {found.until}")
    return found
