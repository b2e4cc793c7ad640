"""Erasure of one person (`drp erase PERSON_REF`, supervisors, issue 20): crypto-shredding.

What the event log says about the person (notes, names, addresses, vulnerabilities: the
fields store/personal.py seals) is sealed with the person's keys; erasing destroys those
keys, so it can no longer be read in this store, in the hub's copy of the events or in any
export or subject access export made after, while every event and its hash stays and `drp
audit verify` still finds the chain intact. Their details in the tables go as well (the
same removal a desk makes after a sync, services/privacy.py). Done on the team hub
(`--hub`), the erased keys reach every desk holding the person's case at its next sync; done
on a desk's store, it changes that store only. The erasure is itself recorded
(`person.erased`, naming the person's id only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlmodel import col

from drp_tui.services.casework import Actor
from drp_tui.services.officers import require_supervisor
from drp_tui.services.privacy import checkpoint, erase_people, erase_written
from drp_tui.services.sar import find_person
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, PersonKey


@dataclass(frozen=True)
class Erased:
    person_id: str
    keys: int  # keys destroyed now

    def as_json(self) -> dict[str, Any]:
        return {"person": self.person_id, "keys_destroyed": self.keys, "erased": True}


def erase_person(store: Store, actor: Actor, reference: str) -> Erased:
    require_supervisor(store, actor.officer_id, "drp erase")
    with store.write() as session:
        person = find_person(session, reference)
        connection = session.connection()
        keys = session.execute(
            select(func.count())
            .select_from(PersonKey)
            .where(col(PersonKey.person_id) == person.id, col(PersonKey.key).is_not(None))
        ).scalar_one()
        erase_people(connection, [person.id], actor.now())
        case = session.execute(
            select(col(Case.id)).where(col(Case.person_id) == person.id).limit(1)
        ).scalar_one_or_none()
        erase_written(connection, [person.id])
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="person.erased",
            at=actor.now(),
            case_id=case,
            event_id=actor.ids(),
            payload={"person": person.id, "keys": keys},
        )
    if store.engine.dialect.name == "sqlite":
        checkpoint(store)  # (the old key not left in the WAL's frames)
    else:
        _rewrite_keys(store)
    return Erased(person.id, int(keys))


def _rewrite_keys(store: Store) -> None:
    """On a PostgreSQL hub an UPDATE leaves the old row, key and all, in the table's file until
    the space is reused: VACUUM FULL writes the table afresh (the keys table is small). It
    needs the table's owner; for any other login PostgreSQL skips it with a warning, and the
    old key stays until autovacuum reuses the space."""
    with store.engine.connect() as connection:
        connection.execution_options(isolation_level="AUTOCOMMIT").execute(
            text("VACUUM (FULL) personkey")
        )
