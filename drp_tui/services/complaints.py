"""Complaints about recovery (`drp complaint`, the diary, `drp report complaints`).

Anyone who takes a complaint records it, on any case: a complaint is never turned away. Its
stage's policy (data/policy/complaints.toml) sets the reply due, in working days with bank
holidays skipped, and whether recovery pauses while it is open (the "complaint" hold). Moving
it on a stage or closing it with its outcome is for the case's officer or a supervisor. Each
step is an event on the case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.complaints import CHANNELS, OUTCOMES, STAGES, reply_due
from drp_tui.domain.controls import plain
from drp_tui.domain.errors import InputError, NoFigureError, NotPermitted
from drp_tui.services.caseaccess import (
    acting_officer,
    case_by_reference,
    require_reader_of,
    supervises,
)
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.services.shortids import full_id
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Complaint, Debt, Officer

MAX_SUMMARY = 2000


@dataclass(frozen=True)
class NewComplaint:
    case_reference: str
    received_on: date
    channel: str
    summary: str
    stage: str = "stage_1"
    debts: tuple[str, ...] = ()  # host references of the debts it concerns; none: all


@dataclass(frozen=True)
class ComplaintRow:
    complaint: Complaint
    reference: str
    officer_id: str | None

    def overdue(self, on: date) -> bool:
        return self.complaint.status == "open" and self.complaint.reply_due < on


def add_complaint(store: Store, policy: PolicyBook, actor: Actor, new: NewComplaint) -> Complaint:
    today = actor.now().date()
    _check_choice(new.channel, CHANNELS, "--channel")
    _check_choice(new.stage, STAGES, "--stage")
    if new.received_on > today:
        raise InputError("--received", f"{new.received_on:%d %b %Y} is in the future")
    summary = plain(new.summary, "--summary")
    if not summary:
        raise InputError("--summary", "say what the complaint is about")
    if len(summary) > MAX_SUMMARY:
        raise InputError("--summary", f"keep it under {MAX_SUMMARY} characters")
    rule = policy.complaints.stage(new.stage, new.received_on)
    with store.write() as session:
        acting_officer(session, actor)
        case = case_by_reference(session, new.case_reference)
        debt_ids = _debts(session, case, new.debts)
        complaint = Complaint(
            id=actor.ids(),
            case_id=case.id,
            received_on=new.received_on,
            channel=new.channel,
            stage=new.stage,
            stage_started_on=new.received_on,
            summary=summary,
            debt_ids=list(debt_ids),
            pauses_recovery=rule.pauses_recovery,
            reply_due=reply_due(
                new.received_on, rule.reply_working_days, _jurisdiction(session, case)
            ),
            recorded_by=actor.officer_id,
            recorded_at=actor.now(),
        )
        session.add(complaint)
        _event(session, actor, complaint, "complaint.received")
    return complaint


def recording_refusal(store: Store, policy: PolicyBook, actor: Actor, on: date) -> str | None:
    """Why a complaint cannot be recorded now (None: it can; it is never turned away for the
    case it is on): the one recording it is no officer here, or no stage 1 policy is in
    force. The workstation asks before it opens the form."""
    with store.read() as session:
        try:
            acting_officer(session, actor)
        except InputError as exc:
            return exc.message
    try:
        policy.complaints.stage("stage_1", on)
    except NoFigureError as exc:
        return str(exc)
    return None


def escalate(
    store: Store, policy: PolicyBook, actor: Actor, complaint_id: str, stage: str, on: date
) -> Complaint:
    """The complaint moves on to `stage` (the complainant was not satisfied) from `on`."""
    _check_choice(stage, STAGES, "--stage")
    with store.write() as session:
        complaint = _mine(session, actor, complaint_id)
        if STAGES.index(stage) <= STAGES.index(complaint.stage):
            raise InputError("--stage", f"it is at {complaint.stage} already; name a later stage")
        if not complaint.stage_started_on <= on <= actor.now().date():
            raise InputError("--on", "must be between the stage's start and today")
        rule = policy.complaints.stage(stage, on)
        case = session.get_one(Case, complaint.case_id)
        complaint.stage, complaint.stage_started_on = stage, on
        complaint.pauses_recovery = rule.pauses_recovery
        complaint.reply_due = reply_due(on, rule.reply_working_days, _jurisdiction(session, case))
        _event(session, actor, complaint, "complaint.escalated")
    return complaint


def close(
    store: Store, actor: Actor, complaint_id: str, outcome: str, remedy: str, on: date
) -> Complaint:
    """The complaint answered: its outcome and any remedy; recovery resumes if it paused."""
    _check_choice(outcome, OUTCOMES, "--outcome")
    with store.write() as session:
        complaint = _mine(session, actor, complaint_id)
        if not complaint.stage_started_on <= on <= actor.now().date():
            raise InputError("--on", "must be between the stage's start and today")
        if outcome in ("upheld", "partly_upheld") and not remedy.strip():
            raise InputError("--remedy", "say what the council will do to put it right")
        complaint.status, complaint.outcome, complaint.closed_on = "closed", outcome, on
        complaint.remedy = plain(remedy, "--remedy")
        _event(session, actor, complaint, "complaint.closed")
    return complaint


def list_complaints(
    store: Store, *, officer_id: str | None = None, open_only: bool = False
) -> list[ComplaintRow]:
    """Complaints with their case, oldest reply due first (on one officer's cases, if given)."""
    with store.read() as session:
        query = select(Complaint, col(Case.reference), col(Case.officer_id)).join(
            Case, col(Case.id) == col(Complaint.case_id)
        )
        if officer_id is not None:
            query = query.where(col(Case.officer_id) == officer_id)
        if open_only:
            query = query.where(col(Complaint.status) == "open")
        rows = session.execute(query.order_by(col(Complaint.reply_due))).all()
        for complaint, _, _ in rows:
            session.expunge(complaint)
    return [ComplaintRow(c, reference, officer) for c, reference, officer in rows]


def complaints_read_by(
    store: Store, actor: Actor, *, officer_id: str | None = None, open_only: bool = False
) -> list[ComplaintRow]:
    """The complaints `actor` may read: on one officer's cases (their own, or any for a
    supervisor), or, without `officer_id`, the team's for a supervisor and their own cases'
    for anyone else. On the team hub the store holds every officer's complaints."""
    if officer_id is not None:
        require_reader_of(store, actor.officer_id, officer_id, "complaints")
    else:
        with store.read() as session:
            reader = session.get(Officer, actor.officer_id)
        if reader is None or not supervises(reader):
            officer_id = actor.officer_id
    return list_complaints(store, officer_id=officer_id, open_only=open_only)


def find_complaint(store: Store, prefix: str) -> str:
    return full_id(store, col(Complaint.id), prefix, "a complaint", "drp complaint list")


def _check_choice(value: str, options: Sequence[str], option: str) -> None:
    if value not in options:
        raise InputError(option, f"{value!r} is not one of {', '.join(options)}")


def _debts(session: Session, case: Case, host_refs: Sequence[str]) -> list[str]:
    debts = session.execute(select(Debt).where(col(Debt.case_id) == case.id)).scalars().all()
    if not host_refs:
        return [d.id for d in debts]
    by_ref = {d.host_ref.upper(): d.id for d in debts}
    unknown = [r for r in host_refs if r.strip().upper() not in by_ref]
    if unknown:
        raise InputError("--debt", f"{', '.join(unknown)} is not a debt on {case.reference}")
    return [by_ref[r.strip().upper()] for r in host_refs]


def _jurisdiction(session: Session, case: Case) -> str:
    found = session.execute(
        select(col(Debt.jurisdiction)).where(col(Debt.case_id) == case.id).limit(1)
    ).scalar_one_or_none()
    return found or "england"


def _mine(session: Session, actor: Actor, complaint_id: str) -> Complaint:
    """The complaint, open, if the actor is its case's officer or a supervisor."""
    officer = acting_officer(session, actor)
    complaint = session.get(Complaint, complaint_id)
    if complaint is None:
        raise InputError("ID", f"no complaint {complaint_id}")
    if complaint.status != "open":
        raise InputError("ID", f"complaint {complaint_id[:8]} is closed already")
    case = session.get_one(Case, complaint.case_id)
    if case.officer_id != officer.id and not supervises(officer):
        raise NotPermitted(
            f"the complaint on {case.reference} is for its officer or a supervisor to move on"
        )
    return complaint


def _event(session: Session, actor: Actor, complaint: Complaint, kind: str) -> None:
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=kind,
        at=actor.now(),
        case_id=complaint.case_id,
        event_id=actor.ids(),
        payload={
            "complaint": complaint.id,
            "received_on": complaint.received_on.isoformat(),
            "channel": complaint.channel,
            "stage": complaint.stage,
            "stage_started_on": complaint.stage_started_on.isoformat(),
            "summary": complaint.summary,
            "debts": complaint.debt_ids,
            "pauses_recovery": complaint.pauses_recovery,
            "reply_due": complaint.reply_due.isoformat(),
            "status": complaint.status,
            "outcome": complaint.outcome,
            "remedy": complaint.remedy,
            "closed_on": None if complaint.closed_on is None else complaint.closed_on.isoformat(),
        },
    )


@dataclass(frozen=True)
class StageFigures:
    stage: str
    received: int  # reached this stage in the period
    still_open: int
    overdue: int  # open past its reply due today
    answered: int
    answered_on_time: int
    upheld: int  # upheld or partly upheld


def complaint_figures(store: Store, first: date, last: date, today: date) -> list[StageFigures]:
    """By stage, the complaints that reached it between `first` and `last`: how many are
    still open (and overdue today), answered, answered by the reply due, and upheld."""
    rows = [
        r.complaint for r in list_complaints(store) if first <= r.complaint.stage_started_on <= last
    ]
    figures = []
    for stage in STAGES:
        at = [c for c in rows if c.stage == stage]
        answered = [c for c in at if c.status == "closed" and c.closed_on is not None]
        figures.append(
            StageFigures(
                stage,
                len(at),
                sum(c.status == "open" for c in at),
                sum(c.status == "open" and c.reply_due < today for c in at),
                len(answered),
                sum(c.closed_on is not None and c.closed_on <= c.reply_due for c in answered),
                sum(c.outcome in ("upheld", "partly_upheld") for c in answered),
            )
        )
    return figures
