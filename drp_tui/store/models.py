"""The local store's tables (SQLModel on SQLite).

Identifiers are text UUIDs so that rows made on different workstations and on the hub never
collide; rows that come from a council host system get a deterministic UUID from their host
reference (see `host_id`), so re-importing or syncing the same record finds the same row.

Money columns are `Decimal` pounds stored as integer pence; instants are UTC.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from drp_tui.store.ids import HOST_NAMESPACE as HOST_NAMESPACE
from drp_tui.store.ids import host_id as host_id
from drp_tui.store.types import JsonText, Pence, UtcDateTime


def new_id() -> str:
    return str(uuid.uuid4())


def money_field(*, nullable: bool = False, default: Decimal | None = None) -> Any:
    return Field(default=default, sa_type=Pence, nullable=nullable)


def instant_field(*, nullable: bool = False, index: bool = False) -> Any:
    return Field(default=None, sa_type=UtcDateTime, nullable=nullable, index=index)


class Officer(SQLModel, table=True):
    id: str = Field(primary_key=True, description="login, e.g. asmith")
    name: str
    role: str = Field(default="officer", description="officer, supervisor, manager or s151")
    team: str = Field(default="", index=True)
    skills: list[str] = Field(default_factory=list, sa_type=JsonText)
    active: bool = True
    daily_call_target: int = 60
    login: str | None = Field(
        default=None, index=True, unique=True, description="the operating-system login drp acts for"
    )


class StoreKind(SQLModel, table=True):
    """Which kind of store this is: working (real debtors), training or demo. Only on a
    training or demo store may DRP_OFFICER pick an identity or DRP_TODAY/DRP_NOW pin the clock."""

    id: int = Field(default=1, primary_key=True)
    kind: str = "working"


class Person(SQLModel, table=True):
    id: str = Field(primary_key=True)
    host_system: str
    host_ref: str
    title: str = ""
    forename: str
    surname: str = Field(index=True)
    date_of_birth: date | None = None
    email: str | None = None
    preferred_contact: list[dict[str, Any]] = Field(default_factory=list, sa_type=JsonText)
    deceased_on: date | None = Field(default=None, index=True)

    __table_args__ = (UniqueConstraint("host_system", "host_ref"),)


class Address(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    person_id: str = Field(foreign_key="person.id", index=True)
    line1: str
    line2: str = ""
    town: str = ""
    postcode: str = Field(index=True)
    current: bool = True


class Phone(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    # Looked up through the unique (person_id, number) index (migration 0004).
    person_id: str = Field(foreign_key="person.id")
    number: str = Field(description="E.164, e.g. +447700900123")
    kind: str = "mobile"
    status: str = Field(default="good", description="good, wrong or disconnected")
    # When the debtor consented to texts on this mobile (None: never, or withdrawn).
    sms_consent_at: datetime | None = instant_field(nullable=True)

    __table_args__ = (UniqueConstraint("person_id", "number"),)


class Case(SQLModel, table=True):
    """One per person: the unit an officer works."""

    id: str = Field(primary_key=True)
    reference: str = Field(unique=True, description="what officers say and type, e.g. C0001234")
    person_id: str = Field(foreign_key="person.id", unique=True)
    officer_id: str | None = Field(default=None, foreign_key="officer.id", index=True)
    status: str = Field(default="open", index=True, description="open or closed")
    hold_kind: str | None = Field(default=None, index=True)
    hold_reason: str | None = None
    hold_until: date | None = None
    next_action_due: datetime | None = instant_field(nullable=True, index=True)
    priority_score: int = 0
    priority_reason: str = ""
    updated_at: datetime | None = instant_field(nullable=True)


class Debt(SQLModel, table=True):
    id: str = Field(primary_key=True)
    host_system: str
    host_ref: str
    case_id: str = Field(foreign_key="case.id", index=True)
    debt_type: str = Field(index=True)
    period: str = Field(default="", description="e.g. 2025/26")
    original_amount: Decimal = money_field()
    balance: Decimal = money_field()
    costs: Decimal = money_field(default=Decimal("0.00"))
    stage: str
    stage_date: date | None = None
    liability_order_date: date | None = None
    jurisdiction: str = "england"

    __table_args__ = (UniqueConstraint("host_system", "host_ref"),)


class DebtParty(SQLModel, table=True):
    """Everyone liable for a debt besides the case's own person (joint and several)."""

    debt_id: str = Field(foreign_key="debt.id", primary_key=True)
    person_id: str = Field(foreign_key="person.id", primary_key=True)
    role: str = "joint"


class ContactAttempt(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    officer_id: str = Field(foreign_key="officer.id", index=True)
    phone_id: str | None = Field(default=None, foreign_key="phone.id")
    started_at: datetime = instant_field(index=True)
    ended_at: datetime | None = instant_field(nullable=True)
    outcome_code: str | None = None
    right_party: bool = False
    idv_result: str = Field(
        default="not_attempted",
        description="passed, failed, third_party, authorised or not_attempted",
    )
    abandon_reason: str | None = None
    notes: str = ""


class ThirdPartyAuthority(SQLModel, table=True):
    """Someone the debtor has authorised to speak for them: who, how they are related, what
    they may do ("discuss": hear the account detail; "arrange": agree payment on the debtor's
    behalf) and until when. A record, not a note: a call with them on the line is judged by
    it."""

    id: str = Field(primary_key=True, default_factory=new_id)
    person_id: str = Field(foreign_key="person.id", index=True)
    name: str
    relationship: str
    scope: list[str] = Field(default_factory=list, sa_type=JsonText)
    until: date | None = Field(default=None, description="the last day it covers; None: open")
    recorded_by: str = Field(foreign_key="officer.id")
    recorded_at: datetime = instant_field()
    consent: str = Field(
        default="unrecorded", description="how the debtor consented (domain.authority.CONSENT)"
    )
    consent_ref: str = Field(default="", description="the consent document's reference")
    call_id: str | None = Field(
        default=None,
        description="the call verbal consent was given on (no key: calls stay on the desk)",
    )
    ended_at: datetime | None = instant_field(nullable=True)
    ended_by: str | None = Field(default=None, foreign_key="officer.id")
    end_reason: str = ""
    risk_confirmed: str = Field(
        default="", description="why it is safe, given on a case with domestic abuse recorded"
    )


class Call(SQLModel, table=True):
    """One call on a case, from opening to outcome: the record that ID&V belongs to. Kept
    on the desk that made it (its outcome travels as a contact attempt and events)."""

    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    officer_id: str = Field(foreign_key="officer.id", index=True)
    opened_from: str = Field(description="queue, search, diary, callback or inbound")
    reason: str = ""
    opened_at: datetime = instant_field()
    idv_result: str = Field(
        default="not_attempted",
        description="not_attempted, passed, failed, third_party or authorised",
    )
    authority_id: str | None = Field(
        default=None,
        foreign_key="thirdpartyauthority.id",
        description="the recorded authority of the third party on the line (authorised)",
    )
    status: str = Field(default="open", index=True, description="open, ended or not_dialled")
    ended_at: datetime | None = instant_field(nullable=True)
    attempt_id: str | None = Field(default=None, foreign_key="contactattempt.id")


class Promise(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    debt_id: str | None = Field(default=None, foreign_key="debt.id")
    officer_id: str = Field(foreign_key="officer.id")
    amount: Decimal = money_field()
    due_on: date = Field(index=True)
    status: str = Field(default="open", description="open, kept or broken")
    created_at: datetime = instant_field()


class Arrangement(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    debt_id: str | None = Field(default=None, foreign_key="debt.id", index=True)
    officer_id: str = Field(foreign_key="officer.id")
    total: Decimal = money_field()
    frequency: str
    status: str = Field(
        default="live", index=True, description="live, breached, completed or cancelled"
    )
    override_reason: str | None = None
    created_at: datetime = instant_field()
    status_reason: str = ""
    status_changed_at: datetime | None = instant_field(nullable=True)


class ArrangementDebt(SQLModel, table=True):
    """A debt an arrangement covers: `position` is the order its payments are applied in
    (from 1), `amount` how much of the debt it covers. The first is also
    `Arrangement.debt_id`."""

    __tablename__ = "arrangement_debt"

    arrangement_id: str = Field(foreign_key="arrangement.id", primary_key=True)
    debt_id: str = Field(foreign_key="debt.id", primary_key=True, index=True)
    position: int
    amount: Decimal = money_field()

    __table_args__ = (UniqueConstraint("arrangement_id", "position"),)


class Instalment(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    arrangement_id: str = Field(foreign_key="arrangement.id", index=True)
    number: int
    due_on: date
    amount: Decimal = money_field()
    paid: Decimal = money_field(default=Decimal("0.00"))


class Assessment(SQLModel, table=True):
    """An affordability assessment: the SFS input as entered and what it gave."""

    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    officer_id: str = Field(foreign_key="officer.id")
    created_at: datetime = instant_field()
    statement: dict[str, Any] = Field(default_factory=dict, sa_type=JsonText)
    result: dict[str, Any] = Field(default_factory=dict, sa_type=JsonText)
    surplus: Decimal = money_field()
    available_for_priority: Decimal = money_field()


class Agency(SQLModel, table=True):
    id: str = Field(primary_key=True)
    name: str = Field(unique=True)
    kind: str = Field(description="enforcement_agent or collection_agency")


class Placement(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    debt_id: str = Field(foreign_key="debt.id", index=True)
    agency_id: str = Field(foreign_key="agency.id", index=True)
    placed_on: date
    amount: Decimal = money_field()
    status: str = Field(
        default="open",
        description="open, returned, recalled, or clashed (a second placement at another desk; "
        "drp_tui/sync/placements.py)",
    )
    returned_on: date | None = Field(default=None, description="when it was returned or recalled")
    return_reason: str | None = None

    # A debt is with one agency at a time (migration 0003).
    __table_args__ = (
        Index(
            "ux_placement_open_debt",
            "debt_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )


class Payment(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    debt_id: str = Field(foreign_key="debt.id", index=True)
    amount: Decimal = money_field()
    received_on: date = Field(index=True)
    source: str = Field(description="host, enforcement_agent or collection_agency")
    agency_id: str | None = Field(default=None, foreign_key="agency.id")
    reference: str = ""


class Vulnerability(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    person_id: str = Field(foreign_key="person.id", index=True)
    category: str
    consent: bool = Field(description="the person agreed to it being recorded")
    notes: str = ""
    review_on: date | None = None
    recorded_by: str | None = Field(default=None, foreign_key="officer.id")
    recorded_at: datetime | None = instant_field(nullable=True)


class BreathingSpace(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    person_id: str = Field(foreign_key="person.id", index=True)
    kind: str = Field(description="breathing_space or mental_health_crisis")
    reference: str = ""
    start: date
    end: date | None = None
    treatment_end: date | None = None


class Complaint(SQLModel, table=True):
    """A complaint about recovery on a case, through the council's stages (stage 1, stage 2,
    the Ombudsman). Travels to the hub with `drp sync` (hub revision h017)."""

    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    received_on: date
    channel: str = Field(description="phone, letter, email, online or in_person")
    stage: str = Field(description="stage_1, stage_2 or ombudsman")
    stage_started_on: date = Field(description="received, or escalated to this stage")
    summary: str
    debt_ids: list[str] = Field(default_factory=list, sa_type=JsonText)
    pauses_recovery: bool = Field(description="recovery paused while open (policy by stage)")
    reply_due: date = Field(index=True)
    status: str = Field(default="open", index=True, description="open or closed")
    outcome: str | None = Field(default=None, description="upheld, partly_upheld, ...")
    remedy: str = ""
    closed_on: date | None = None
    recorded_by: str = Field(foreign_key="officer.id")
    recorded_at: datetime = instant_field()


class Appointment(SQLModel, table=True):
    """A face-to-face or telephone appointment with a debtor, in office hours. Travels to the
    hub with `drp sync` (hub revision h017)."""

    id: str = Field(primary_key=True, default_factory=new_id)
    case_id: str = Field(foreign_key="case.id", index=True)
    officer_id: str = Field(foreign_key="officer.id", index=True)
    kind: str = Field(description="face_to_face or telephone")
    place: str = Field(description="where (face to face), or the number to call")
    starts_at: datetime = instant_field(index=True)
    minutes: int
    reason: str
    why_face_to_face: str = Field(default="", description="the vulnerability that makes it right")
    status: str = Field(default="booked", index=True, description="booked, cancelled, kept, missed")
    note: str = ""
    booked_by: str = Field(foreign_key="officer.id")
    booked_at: datetime = instant_field()


class WriteOffRequest(SQLModel, table=True):
    id: str = Field(primary_key=True, default_factory=new_id)
    debt_id: str = Field(foreign_key="debt.id", index=True)
    reason_code: str
    amount: Decimal = money_field()
    requested_by: str = Field(foreign_key="officer.id")
    requested_at: datetime = instant_field()
    approved_by: str | None = Field(default=None, foreign_key="officer.id")
    approved_at: datetime | None = instant_field(nullable=True)
    status: str = Field(default="requested", description="requested, approved or refused")


class Event(SQLModel, table=True):
    """The audit trail: immutable (triggers refuse UPDATE and DELETE) and hash-chained in
    `seq` order."""

    # By kind, then officer: every lookup by kind. The officer report reads its four kinds'
    # events from a covering index alone (migration 0015; its WHERE in each report query).
    __table_args__ = (
        Index("ix_event_kind_officer", "kind", "officer_id"),
        Index(
            "ix_event_report",
            "kind",
            "officer_id",
            "at",
            "case_id",
            "payload",
            sqlite_where=text(
                "kind IN ('contact.recorded', 'promise.made', 'arrangement.made', "
                "'payment.recorded')"
            ),
        ),
    )

    seq: int | None = Field(default=None, primary_key=True)
    id: str = Field(unique=True)
    officer_id: str
    at: datetime = instant_field(index=True)
    case_id: str | None = Field(default=None, index=True)
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JsonText)
    prev_hash: str
    hash: str


class AuditSeal(SQLModel, table=True):
    """What an event set in bulk, row by row (an import's balances, an allocation's officers):
    `body` is a JSON object, row id -> value, and the event's payload holds its digest
    (drp_tui/store/seals.py), so `drp audit verify` can check the state tables against the
    chain. Append-only."""

    __tablename__ = "audit_seal"

    event_id: str = Field(primary_key=True)
    kind: str = Field(primary_key=True, description="debt.balance (pence) or case.officer")
    body: str = Field(sa_type=Text, description="JSON object: row id -> value (text)")


class PersonKey(SQLModel, table=True):
    """A key that seals the personal fields of events about one person (crypto-shredding,
    drp_tui/store/personal.py). Erasure sets `key` to NULL: what it sealed is then unreadable
    everywhere, and the events' hashes still verify."""

    id: str = Field(primary_key=True, description="named in each value it sealed")
    person_id: str = Field(index=True)
    key: str | None = Field(default=None, description="Fernet key; NULL once erased")
    made_at: datetime = instant_field()
    erased_at: datetime | None = instant_field(nullable=True)


class Outbox(SQLModel, table=True):
    """Events waiting to be pushed to the hub."""

    event_id: str = Field(primary_key=True, foreign_key="event.id")


class SyncState(SQLModel, table=True):
    """This workstation's place in the team hub's change feed (one row, made by the first
    `drp sync`)."""

    id: int = Field(default=1, primary_key=True)
    workstation_id: str
    cursor: int = Field(default=0, description="the last hub change applied here")
    capturing: bool = Field(default=True, description="queue local row changes for the hub")
    applying: bool = Field(default=False, description="set while hub changes are written")
    last_push_at: datetime | None = instant_field(nullable=True)
    last_pull_at: datetime | None = instant_field(nullable=True)
    hub: str | None = Field(default=None, description="the hub's address (no password)")
    removal_cursor: int = Field(
        default=0, description="the last of the hub's retention removals (hubremoval) read here"
    )


class RowChange(SQLModel, table=True):
    """A row changed on this workstation and not yet on the hub (filled by triggers)."""

    table_name: str = Field(primary_key=True)
    row_key: str = Field(primary_key=True)
    version: int = Field(
        default=1,
        description="bumped on each change, so a push that read "
        "an older version does not clear a newer one",
    )


class SyncedEvent(SQLModel, table=True):
    """Events from other desks and the hub on this officer's cases, pulled from the hub."""

    id: str = Field(primary_key=True)
    officer_id: str
    at: datetime = instant_field(index=True)
    case_id: str | None = Field(default=None, index=True)
    kind: str
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JsonText)
    workstation_id: str | None = None
