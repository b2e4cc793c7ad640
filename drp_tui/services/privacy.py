"""Personal data a desk no longer needs, removed (issue 20).

A desk holds a person's details only while one of its officer's cases needs them. After a
sync (`drp sync` calls `after_sync`), on an officer's desk, the people whose case is
allocated to another officer (and who are not party to a debt of one of this officer's
cases) lose, on this desk only, their names, date of birth, e-mail and contact preferences,
their addresses and phone numbers, the notes of calls about them, their vulnerabilities and
Breathing Space (special category data) with the case's hold naming it, the names of people
they authorised and why that ended, their affordability statements, what their complaints
said and why and what for their appointments were, why an agency returned their debt or an
arrangement left the usual order, and this desk's copies of the keys that seal what events
say about them (notes, names, details: drp_tui/store/personal.py), so the desk's own event
log no longer reads either.
The hub keeps the record: the removal is not a change to push (it is written as the sync
writes the hub's rows, with change capture off), and a case allocated back here comes whole
with the next sync. The same erasure serves retention (services/retention.py).

SQLite's secure_delete overwrites what is removed, and the WAL is checkpointed afterwards, so
the old values do not linger in free pages or WAL frames.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, text
from sqlmodel import Session

from drp_tui.domain.errors import NotPermitted
from drp_tui.domain.writeoff import role_rank
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Officer
from drp_tui.store.personal import WRITTEN_TEXT, erase_keys
from drp_tui.store.rawsql import chunks, is_sqlite, run

# What officers wrote about a person in rows kept with their free text blanked
# (store/personal.py WRITTEN_TEXT: complaints, appointments; the rows stay, so calendars and
# complaint stages still add up). A desk that loses the person's case to another officer keeps
# where an appointment is: it stays in the calendar of the officer who booked it. An erasure
# blanks that too (ERASE_WRITTEN).
SWEEP_KEEPS: Mapping[str, tuple[str, ...]] = {"appointment": ("place",)}
_THEIR_CASES = 'SELECT id FROM "case" WHERE person_id IN (SELECT id FROM erase_people)'


def _written(*, kept: bool) -> dict[str, tuple[str, ...]]:
    """WRITTEN_TEXT's columns, by table, that the sweep blanks (kept False) or keeps."""
    columns = {
        table: tuple(c for c in names if (c in SWEEP_KEEPS.get(table, ())) == kept)
        for table, names in WRITTEN_TEXT.items()
    }
    return {table: names for table, names in columns.items() if names}


def _blanking(columns: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(
        f"UPDATE {table} SET {', '.join(f'{c} = {chr(39) * 2}' for c in names)} "
        f"WHERE case_id IN ({_THEIR_CASES})"
        for table, names in columns.items()
    )


# What "personal data" means here, table by table: the statements that remove it for the
# people in the temporary table `erase_people` (person ids).
ERASE_STATEMENTS = (
    "UPDATE person SET title = '', forename = '', surname = '', date_of_birth = NULL, "
    "email = NULL, preferred_contact = '[]' WHERE id IN (SELECT id FROM erase_people)",
    "DELETE FROM address WHERE person_id IN (SELECT id FROM erase_people)",
    "UPDATE contactattempt SET phone_id = NULL WHERE phone_id IN "
    "(SELECT id FROM phone WHERE person_id IN (SELECT id FROM erase_people))",
    "DELETE FROM phone WHERE person_id IN (SELECT id FROM erase_people)",
    f"UPDATE contactattempt SET notes = '' WHERE notes != '' AND case_id IN ({_THEIR_CASES})",
    "DELETE FROM vulnerability WHERE person_id IN (SELECT id FROM erase_people)",
    "UPDATE thirdpartyauthority SET name = '', relationship = '', consent_ref = '', "
    "risk_confirmed = '', end_reason = '' WHERE person_id IN (SELECT id FROM erase_people)",
    # Words about the person the events seal (store/personal.py SEALED_BY_KIND): why an
    # agency returned a debt ("vulnerable: ..."), why an arrangement left the usual order.
    "UPDATE placement SET return_reason = NULL WHERE return_reason IS NOT NULL AND debt_id IN "
    f"(SELECT id FROM debt WHERE case_id IN ({_THEIR_CASES}))",
    "UPDATE arrangement SET override_reason = NULL WHERE override_reason IS NOT NULL "
    f"AND case_id IN ({_THEIR_CASES})",
    f"UPDATE assessment SET statement = '{{}}', result = '{{}}' WHERE case_id IN ({_THEIR_CASES})",
    # What the debtor said in a complaint, and why an appointment is face to face (often a
    # vulnerability) or what it is for; they travel to the hub (hub revision h017).
    *_blanking(_written(kept=False)),
)

# With an erasure, what the sweep keeps of what officers wrote (where an appointment is), and
# their Breathing Space with the case's hold naming it (a mental health crisis is health
# data) once nothing is owed: while a debt owes, that record is what keeps recovery paused.
_OWING = (  # (erase_written puts one person at a time in erase_people)
    "NOT EXISTS (SELECT 1 FROM debt d WHERE d.balance > 0 AND (d.case_id IN "
    f"({_THEIR_CASES}) OR d.id IN (SELECT p.debt_id FROM debtparty p "
    "WHERE p.person_id IN (SELECT id FROM erase_people))))"
)
ERASE_WRITTEN = (
    *_blanking(_written(kept=True)),
    f"DELETE FROM breathingspace WHERE person_id IN (SELECT id FROM erase_people) AND {_OWING}",
    'UPDATE "case" SET hold_kind = NULL, hold_reason = NULL, hold_until = NULL '
    f"WHERE id IN ({_THEIR_CASES}) "
    f"AND hold_kind IN ('breathing_space', 'mental_health_crisis') AND {_OWING}",
)
# On a desk, what the after-sync sweep also removes of a person whose case moved away: their
# Breathing Space (a mental health crisis is health data) and their case's hold, which names
# it or says in the officer's words why the case is held. The hub keeps them, and a case
# allocated back comes whole with them. (Erasure keeps them while a debt owes: ERASE_WRITTEN.)
SWEEP_STATEMENTS = (
    "DELETE FROM breathingspace WHERE person_id IN (SELECT id FROM erase_people)",
    'UPDATE "case" SET hold_kind = NULL, hold_reason = NULL, hold_until = NULL '
    f"WHERE id IN ({_THEIR_CASES}) AND hold_kind IN ('breathing_space', 'mental_health_crisis')",
    'UPDATE "case" SET hold_reason = NULL '
    f"WHERE hold_reason IS NOT NULL AND id IN ({_THEIR_CASES})",
)
_WRITTEN_LEFT = "".join(
    f"""
       OR EXISTS (SELECT 1 FROM {table} w JOIN "case" wc ON wc.id = w.case_id
                  WHERE wc.person_id = p.id AND ({" OR ".join(f"w.{c} != ''" for c in names)}))"""
    for table, names in _written(kept=False).items()
)

# People with something left to remove whose case is allocated to another officer (a desk
# swept before complaints and appointments travelled still holds their text), and who
# are not party to a debt of one of this officer's cases. Cases allocated to no one are kept:
# a desk that imported its own cases holds them before allocation, and the hub may not.
_NOT_NEEDED = f"""
SELECT p.id FROM person p
JOIN "case" c ON c.person_id = p.id AND c.officer_id IS NOT NULL AND c.officer_id != ?
WHERE p.id NOT IN (
      SELECT dp.person_id FROM debtparty dp JOIN debt d ON d.id = dp.debt_id
      JOIN "case" mine ON mine.id = d.case_id WHERE mine.officer_id = ?)
  AND (p.forename != '' OR p.surname != '' OR p.date_of_birth IS NOT NULL
       OR p.email IS NOT NULL
       OR EXISTS (SELECT 1 FROM phone WHERE person_id = p.id)
       OR EXISTS (SELECT 1 FROM address WHERE person_id = p.id)
       OR EXISTS (SELECT 1 FROM vulnerability WHERE person_id = p.id)
       OR EXISTS (SELECT 1 FROM personkey WHERE person_id = p.id AND key IS NOT NULL)
       OR EXISTS (SELECT 1 FROM breathingspace WHERE person_id = p.id)
       OR c.hold_reason IS NOT NULL
       OR EXISTS (SELECT 1 FROM arrangement a WHERE a.case_id = c.id
                  AND a.override_reason IS NOT NULL)
       OR EXISTS (SELECT 1 FROM placement pl JOIN debt pd ON pd.id = pl.debt_id
                  WHERE pd.case_id = c.id AND pl.return_reason IS NOT NULL)
       OR EXISTS (SELECT 1 FROM thirdpartyauthority t WHERE t.person_id = p.id
                  AND t.end_reason != '')
       {_WRITTEN_LEFT})
"""


# People erased on the hub (`drp erase --hub`): its `person.erased` event reaches each desk
# holding their case with the sync, and the desk removes what it still holds of them, once for
# each erasure (its `privacy.removed` event names the erasure). The hub's deletions of their
# phones, addresses and vulnerabilities are not fed to desks; this is how desks learn of them.
# Only the hub's own events count (no workstation): a supervisor's erasure on their own
# store is that store's alone.
_ERASED_ON_HUB = """
SELECT e.id, json_extract(e.payload, '$.person') FROM syncedevent e
WHERE e.kind = 'person.erased' AND e.workstation_id IS NULL
  AND json_extract(e.payload, '$.person') IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM event done WHERE done.kind = 'privacy.removed'
                  AND json_extract(done.payload, '$.erasure') = e.id)
ORDER BY e.at, e.id
"""


@dataclass(frozen=True)
class Removed:
    people: int


def erase_people(connection: Connection, person_ids: Sequence[str], at: datetime) -> None:
    """Remove the personal data of these people, in the caller's transaction, without
    queueing the change for the hub (SQLite desk store): their rows, and this store's copies
    of the keys sealing their fields in events (store/personal.py), so the events' notes
    and names about them can no longer be read here."""
    if is_sqlite(connection):  # (a team hub in PostgreSQL: drp erase --hub)
        run(connection, "PRAGMA secure_delete = ON")
    erase_keys(connection, person_ids, at)
    run(connection, "CREATE TEMP TABLE IF NOT EXISTS erase_people (id TEXT PRIMARY KEY)")
    run(connection, "DELETE FROM erase_people")
    for some in chunks(sorted(set(person_ids))):
        run(connection, "INSERT INTO erase_people (id) VALUES (?)", [(p,) for p in some])
    run(connection, "UPDATE syncstate SET applying = TRUE WHERE id = 1")
    for statement in ERASE_STATEMENTS:
        run(connection, statement)
    run(connection, "UPDATE syncstate SET applying = FALSE WHERE id = 1")
    run(connection, "DELETE FROM erase_people")


def erase_written(connection: Connection, person_ids: Sequence[str]) -> None:
    """With an erasure (`drp erase`, or one on the hub reaching this desk), after
    `erase_people`: what it leaves of what officers wrote about these people (where their
    appointments are) and their Breathing Space once nothing is owed (ERASE_WRITTEN), in the
    caller's transaction, not queued for the hub."""
    run(connection, "CREATE TEMP TABLE IF NOT EXISTS erase_people (id TEXT PRIMARY KEY)")
    run(connection, "UPDATE syncstate SET applying = TRUE WHERE id = 1")
    for person in sorted(set(person_ids)):  # (whether each one owes is their own)
        run(connection, "DELETE FROM erase_people")
        run(connection, "INSERT INTO erase_people (id) VALUES (?)", (person,))
        for statement in ERASE_WRITTEN:
            run(connection, statement)
    run(connection, "UPDATE syncstate SET applying = FALSE WHERE id = 1")
    run(connection, "DELETE FROM erase_people")


def _sweep(connection: Connection, person_ids: Sequence[str]) -> None:
    """After `erase_people` in the after-sync sweep: SWEEP_STATEMENTS, not queued for the hub."""
    run(connection, "CREATE TEMP TABLE IF NOT EXISTS erase_people (id TEXT PRIMARY KEY)")
    run(connection, "DELETE FROM erase_people")
    for some in chunks(sorted(set(person_ids))):
        run(connection, "INSERT INTO erase_people (id) VALUES (?)", [(p,) for p in some])
    run(connection, "UPDATE syncstate SET applying = TRUE WHERE id = 1")
    for statement in SWEEP_STATEMENTS:
        run(connection, statement)
    run(connection, "UPDATE syncstate SET applying = FALSE WHERE id = 1")
    run(connection, "DELETE FROM erase_people")


def require_hub_owner(store: Store, command: str) -> None:
    """On a PostgreSQL team hub, removing personal data needs the hub owner's connection (the
    supervisor's --hub URL): a desk login, a supervisor's included, may delete nothing and
    sees only its own cases (hub revision h005). Refused in one line before anything is
    read. A desk's store or a SQLite hub: nothing to check."""
    if store.engine.dialect.name != "postgresql":
        return
    from drp_tui.sync.hub import desk_login

    with store.engine.connect() as connection:
        login = desk_login(connection)
    if login is not None:
        raise NotPermitted(
            f"{command} --hub needs the hub owner's connection (the URL 'drp hub init' was "
            f"given); {login!r} is an officer's desk login, which may remove nothing"
        )


def checkpoint(store: Store) -> None:
    """After a removal, leave the removed keys nowhere in the database's files. On SQLite,
    fold the WAL into the store so removed values do not linger in its frames. On a PostgreSQL
    hub an UPDATE leaves the old row, key and all, in the table's file until the space is
    reused: VACUUM FULL writes the keys table afresh (it is small). It needs the table's
    owner; for any other login PostgreSQL skips it with a warning, and the old key stays
    until autovacuum reuses the space."""
    with store.engine.connect() as connection:  # outside any transaction (autocommit)
        if not is_sqlite(connection):
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM (FULL) personkey")
            )
            return
        driver = connection.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()


def after_sync(store: Store, officer_id: str, at: datetime) -> Removed:
    """Remove the personal data of every person erased on the hub, and on an officer's desk
    (a supervisor's store oversees the team's cases) of every person whose case is allocated
    to another officer."""
    with store.write() as session:
        connection = session.connection()
        erasures = [(str(e), str(p)) for e, p in run(connection, _ERASED_ON_HUB).fetchall()]
        for erasure, person in erasures:
            erase_people(connection, [person], at)
            erase_written(connection, [person])
            _record(session, officer_id, at, 1, "erased on the hub", erasure)
        officer = session.get(Officer, officer_id)
        people: list[str] = []
        if officer is None or role_rank(officer.role) < role_rank("supervisor"):
            people = [
                row[0] for row in run(connection, _NOT_NEEDED, (officer_id, officer_id)).fetchall()
            ]
        if people:
            erase_people(connection, people, at)
            _sweep(connection, people)
            _record(
                session, officer_id, at, len(people), "no longer on a case allocated to this desk"
            )
    if not people and not erasures:
        return Removed(0)
    checkpoint(store)
    return Removed(len(people) + len(erasures))


def _record(
    session: Session,
    officer_id: str,
    at: datetime,
    people: int,
    why: str,
    erasure: str | None = None,
) -> None:
    payload: dict[str, object] = {"people": people, "why": why}
    if erasure is not None:
        payload["erasure"] = erasure  # the hub's person.erased event acted on
    append_event(session, officer_id=officer_id, kind="privacy.removed", at=at, payload=payload)
