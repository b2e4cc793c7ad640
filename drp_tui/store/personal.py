"""Crypto-shredding (issue 20): the personal and special-category fields of an event are sealed
with a key of the person the event is about, so erasing the person is destroying their keys.

The event log is immutable and hash-chained, and it travels to the hub: a note about a
debtor's illness cannot be deleted from it without breaking the chain. So `append_event`
calls `seal` before hashing: each personal field (`SEALED`, `SEALED_BY_KIND`) of an event
about a person (its case's debtor) becomes `{"sealed": <Fernet token>, "key": <key id>}`, the
hash covers that ciphertext, and the key lives in `personkey`, one table, replicated to the
hub like any row a desk creates. Readers call `Opener.open` (the one place a sealed field is
read back); a destroyed key opens as `ERASED`. `erase_keys` destroys a person's keys: the
chain still verifies everywhere, and the fields are unreadable in the store, on the hub and in
every export made after.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, select, update
from sqlmodel import Session, col

from drp_tui.store.models import Case, PersonKey, new_id
from drp_tui.store.rawsql import chunks
from drp_tui.store.types import canonical_json

ERASED = "[erased]"
# Rows kept after an erasure with their free text blanked (services/privacy.py), and blanked
# the same way when a desk sends one it wrote before it heard of the erasure (sync/push.py).
WRITTEN_TEXT: Mapping[str, tuple[str, ...]] = {
    "appointment": ("place", "reason", "why_face_to_face", "note"),
    "complaint": ("summary", "remedy"),
}
# Payload fields that say who someone is or something about them, in any event kind.
SEALED = frozenset(
    {
        "text",
        "note",
        "notes",
        "name",
        "forename",
        "surname",
        "date_of_birth",
        "email",
        "relationship",
        "risk_confirmed",
        "summary",
        "remedy",
        "place",
        "why_face_to_face",
        "subject",
        "body",
        "address",
        "confirmation",
        "vulnerabilities",
    }
)
# Fields personal only in some kinds ("to" is an officer in queue.moved, a debtor's address in
# a letter); a key ending in "." is a prefix.
SEALED_BY_KIND: Mapping[str, tuple[str, ...]] = {
    "letter.": ("to",),
    "email.": ("to",),
    "sms.": ("to",),  # the debtor's mobile number
    "arrangement.reinstated": ("agreed",),  # how the debtor agreed, in the officer's words
    "vulnerability.": ("category",),
    "hold.": ("reason",),
    "contact.recorded": ("reason",),
    "authority.ended": ("reason",),
    "action.refused": ("reason",),  # may name a vulnerability ("domestic abuse is recorded")
    "death.recorded": ("source",),
    # A mental health crisis moratorium is health data, and its reference says which it is.
    "breathing_space.recorded": ("kind", "reference"),
    "agency.": ("reason",),  # why an agency returned a case ("vulnerable: ...")
    "appointment.": ("reason",),  # what the meeting is about, in the officer's words
    # why the debts were not taken in the usual order, and the warnings that repeat it
    "arrangement.": ("override_reason", "warnings"),
    # what backs a write-off: tracing done, an agency's return reason copied from the record
    "writeoff.requested": ("evidence",),
    "promise.made": ("reason",),  # why a promise beyond policy is right: her circumstances
    # the vulnerability categories that make a third party a risk ("Domestic abuse"), as
    # vulnerability.recorded seals them
    "authority.recorded": ("risks",),
    # why a queued letter was held back: it names the hold ("... a Breathing Space (mental
    # health crisis) hold") or the debtor's number or address
    "letter.withheld": ("why",),
    # a supervisor's own words on a write-off decision
    "writeoff.approved": ("reason",),
    "writeoff.refused": ("reason",),
}
_CACHE = "drp_person_keys"  # session.info: person id -> (key id, Fernet), this transaction


def _fields(kind: str) -> frozenset[str]:
    extra = [
        name
        for prefix, names in SEALED_BY_KIND.items()
        if kind == prefix or (prefix.endswith(".") and kind.startswith(prefix))
        for name in names
    ]
    return SEALED | frozenset(extra)


def is_sealed(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"sealed", "key"}


def _person_of(session: Session, case_id: str | None, payload: Mapping[str, Any]) -> str | None:
    if case_id is not None:
        found = session.execute(
            select(col(Case.person_id)).where(col(Case.id) == case_id)
        ).scalar_one_or_none()
        if found is not None:
            return str(found)
    person = payload.get("person")
    return person if isinstance(person, str) else None


def _key_for(session: Session, person_id: str, at: datetime) -> tuple[str, Fernet]:
    cache: dict[str, tuple[str, Fernet]] = session.info.setdefault(_CACHE, {})
    if person_id in cache:
        return cache[person_id]
    rows = session.execute(
        select(PersonKey)
        .where(col(PersonKey.person_id) == person_id, col(PersonKey.key).is_not(None))
        .order_by(col(PersonKey.made_at).desc(), col(PersonKey.id))
    ).scalars()
    # The newest key that is one: a row that is not a Fernet key (a desk login may insert
    # any key row for its people on the hub) must not stop every later event about them.
    for row in rows:
        fernet = _fernet_of(row.key)
        if fernet is not None:
            cache[person_id] = (row.id, fernet)
            return cache[person_id]
    # The first personal field about them (or the first since an erasure).
    made = PersonKey(
        id=new_id(), person_id=person_id, key=Fernet.generate_key().decode(), made_at=at
    )
    session.add(made)
    session.flush()
    assert made.key is not None
    cache[person_id] = (made.id, Fernet(made.key.encode()))
    return cache[person_id]


def _fernet_of(key: str | None) -> Fernet | None:
    if key is None:
        return None
    try:
        return Fernet(key.encode())
    except ValueError:  # (not 32 url-safe base64-encoded bytes)
        return None


def seal(
    session: Session, *, case_id: str | None, kind: str, at: datetime, payload: dict[str, Any]
) -> dict[str, Any]:
    """`payload` with its personal fields sealed under the person's key (an event about no
    person is returned as it is)."""
    wanted = _fields(kind)
    names = [
        name
        for name, value in payload.items()
        if name in wanted and value not in (None, "", [], {}) and not is_sealed(value)
    ]
    if not names:
        return payload
    person = _person_of(session, case_id, payload)
    if person is None:
        return payload
    key_id, fernet = _key_for(session, person, at)
    sealed = dict(payload)
    for name in names:
        token = fernet.encrypt(canonical_json(payload[name]).encode()).decode()
        sealed[name] = {"sealed": token, "key": key_id}
    return sealed


class Opener:
    """Opens sealed fields with the store's keys, read once each (the caller's connection)."""

    def __init__(self, connection: Connection | Session) -> None:
        self.connection = connection
        self.keys: dict[str, Fernet | None] = {}

    def _fernet(self, key_id: str) -> Fernet | None:
        if key_id not in self.keys:
            found = self.connection.execute(
                select(col(PersonKey.key)).where(col(PersonKey.id) == key_id)
            ).scalar_one_or_none()
            self.keys[key_id] = None if found is None else _fernet_of(str(found))
        return self.keys[key_id]

    def value(self, value: Any) -> Any:
        if not is_sealed(value):
            return value
        fernet = self._fernet(str(value["key"]))
        if fernet is None:
            return ERASED
        try:
            return json.loads(fernet.decrypt(str(value["sealed"]).encode()))
        except InvalidToken:
            return ERASED

    def open(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        return {name: self.value(value) for name, value in payload.items()}


def erase_keys(connection: Connection | Session, person_ids: Iterable[str], at: datetime) -> int:
    """Destroy every key of these people (the caller's transaction); how many were live."""
    erased = 0
    for some in chunks(sorted(set(person_ids))):
        done = connection.execute(
            update(PersonKey)
            .where(col(PersonKey.person_id).in_(some), col(PersonKey.key).is_not(None))
            .values(key=None, erased_at=at)
        )
        erased += int(getattr(done, "rowcount", 0) or 0)
    return erased
