"""A call is a record of its own: opened (from the queue, a search, a callback, an inbound
call), its ID&V, what was agreed on it, its outcome, when it ended. ID&V belongs to the call:
every call starts masked, a failed or third-party check masks it again, and nothing carries
over from an earlier call. A call left open by a crash stays open until its outcome is
recorded or it is marked not dialled."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select, text
from sqlmodel import Session, col

from drp_tui.domain.calls import INTERRUPTED, Standing, outcome_refusal, standing
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import HoldPolicy, active_holds
from drp_tui.domain.outcomes import OutcomeCode, OutcomePolicy
from drp_tui.domain.schedule import ArrangementRules, check_promise
from drp_tui.services.authority import Authority, authority_for_call, load_authority, today
from drp_tui.services.casework import (
    Actor,
    Refused,
    _add_breathing_space,
    _add_promise,
    _case,
    _event,
    _mark_deceased,
    _set_hold,
    _set_next_action,
    established_standing,
    on_call,
    open_call_on,
    record_refusal,
    set_phone_status,
)
from drp_tui.services.holds import case_holds
from drp_tui.store.engine import Store
from drp_tui.store.models import Call, Case, ContactAttempt, Phone, Promise

IDV_CHECKS = ("date_of_birth", "postcode", "account_reference", "last_payment")
IDV_PASS = 2  # at least two of the checks (DOMAIN.md decision 10)
OPENED_FROM = ("queue", "search", "diary", "callback", "inbound")


@dataclass(frozen=True)
class CallInfo:
    id: str
    case_id: str
    officer_id: str
    opened_from: str
    reason: str
    opened_at: datetime
    idv_result: str
    status: str
    authority: Authority | None = None  # the third party's on the line (idv "authorised")

    @property
    def established(self) -> Standing:
        """What the call established about who was on the line (its ID&V, an authority)."""
        return standing(self.idv_result, () if self.authority is None else self.authority.scope)

    @property
    def standing(self) -> Standing:
        """What the person on the line may do now (domain.calls.standing): nothing once the
        call was cut off by drp closing."""
        return Standing(INTERRUPTED) if self.status == "interrupted" else self.established

    @property
    def disclosed(self) -> bool:
        """Account detail may be shown: ID&V passed on this call, or a third party on the line
        whose recorded authority lets them discuss the account."""
        return "discuss" in self.standing.may


def _info(session: Session, call: Call, on: date | None = None) -> CallInfo:
    """The call as the screens see it: a third party's authority only while it stands
    (ended, expired by `on`, or void since it was chosen: the call stands on nothing)."""
    held = load_authority(session, call.authority_id)
    stands = held if held is not None and (on is None or held.in_force(on)) else None
    if held is not None and held.void:
        stands = None
    return CallInfo(
        call.id,
        call.case_id,
        call.officer_id,
        call.opened_from,
        call.reason,
        call.opened_at,
        call.idv_result,
        call.status,
        stands,
    )


def opened_from(reason: str) -> str:
    """Where a call was opened from, by the reason the screen gives ("queue: called anyway:
    …", "search: …")."""
    head = reason.split(":", 1)[0].strip()
    return head if head in OPENED_FROM else "queue"


class Withdrawn(Exception):
    """The opening of a call was no longer wanted once the store was free: nothing written."""


def open_call(
    store: Store,
    actor: Actor,
    case_id: str,
    reason: str,
    wanted: Callable[[], bool] | None = None,
    viewed: bool = True,
) -> CallInfo:
    """A new call on a case, masked, with its opening in the audit trail (why it was opened)
    before anything of the case is shown. `wanted` is asked once the store is this write's
    (a sync may hold it first): if it says no, Withdrawn is raised and nothing is written.
    Not `viewed`: the caller may yet withdraw it unseen, and audits the case's viewing with
    view_call when it shows it (services/opening.py)."""
    with store.write() as session:
        case = _case(session, case_id)  # the first statement: the store is ours from here
        if wanted is not None and not wanted():
            raise Withdrawn(case_id)
        call = Call(
            id=actor.ids(),
            case_id=case.id,
            officer_id=actor.officer_id,
            opened_from=opened_from(reason),
            reason=reason,
            opened_at=actor.now(),
        )
        session.add(call)
        session.flush()
        if viewed:
            _event(session, actor, "case.viewed", case.id, reason=reason, call=call.id)
        return _info(session, call)


def view_call(store: Store, actor: Actor, call_id: str) -> None:
    """The case of a call opened unseen (open_call, not `viewed`) is shown to its officer:
    its viewing audited, with why the call was opened, once. An opening withdrawn before
    it was shown never has one: the officer did not see the case."""
    with store.write() as session:
        call = _call(session, call_id)
        if _opening_seq(session, call) == 0:
            _event(session, actor, "case.viewed", call.case_id, reason=call.reason, call=call.id)


def _call(session: Session, call_id: str) -> Call:
    call = session.get(Call, call_id)
    if call is None:
        raise InputError("call", f"no call {call_id}")
    return call


def call_info(store: Store, call_id: str, on: date | None = None) -> CallInfo | None:
    with store.read() as session:
        call = session.get(Call, call_id)
        return None if call is None else _info(session, call, on)


def open_calls(store: Store, officer_id: str) -> list[CallInfo]:
    """The officer's calls still open (drp closed or killed during them), oldest first."""
    with store.read() as session:
        return [
            _info(session, call)
            for call in session.execute(
                select(Call)
                .where(col(Call.officer_id) == officer_id, col(Call.status) == "open")
                .order_by(col(Call.opened_at))
            ).scalars()
        ]


def interrupt_open_calls(store: Store, actor: Actor) -> list[CallInfo]:
    """The officer's calls still open when drp starts were cut off (drp closed or killed
    during them): each is marked interrupted, so it is masked and may only be finished with
    its outcome. Returns them, oldest first."""
    with store.write() as session:
        found = list(
            session.execute(
                select(Call)
                .where(col(Call.officer_id) == actor.officer_id, col(Call.status) == "open")
                .order_by(col(Call.opened_at))
            ).scalars()
        )
        for call in found:
            call.status = "interrupted"
            _event(session, actor, "call.interrupted", call.case_id, call=call.id)
        session.flush()
        return [_info(session, call) for call in found]


def record_idv(
    store: Store,
    actor: Actor,
    *,
    call_id: str,
    passed_checks: frozenset[str],
    third_party: bool = False,
    authority_id: str | None = None,
) -> str:
    """Record the identity check on the call: passed with at least two checks, otherwise
    failed, or a third party answered: "authorised" when they hold a recorded authority
    (`authority_id`, the case's debtor's and in force today) and answered at least two checks
    on the debtor's details (someone merely naming a holder stands for nothing),
    "third_party" when not. The newest check decides what the call may see and do. Returns
    the result."""
    unknown = passed_checks - set(IDV_CHECKS)
    if unknown:
        raise InputError("checks", f"unknown ID&V check(s): {', '.join(sorted(unknown))}")
    if authority_id is not None and not third_party:
        raise InputError("authority", "an authority is recorded for a third party on the line")
    caller_checked = len(passed_checks) >= IDV_PASS
    if third_party:
        result = "authorised" if authority_id is not None and caller_checked else "third_party"
    elif caller_checked:
        result = "passed"
    else:
        result = "failed"
    with store.write() as session:
        call = _call(session, call_id)
        case = _case(session, call.case_id)
        open_call_on(session, actor, call_id, case)
        if call.status == "interrupted":
            raise InputError(
                "call",
                f"the call on {case.reference} was cut off when drp closed: record its "
                "outcome, then open the case again for a new call",
            )
        if authority_id is not None:
            authority_for_call(session, authority_id, case, today(actor))
        standing_on = authority_id if result == "authorised" else None
        call.idv_result, call.authority_id = result, standing_on
        _event(
            session,
            actor,
            "idv.recorded",
            call.case_id,
            result=result,
            checks=sorted(passed_checks),
            call=call.id,
            authority=standing_on,
        )
    return result


def _opening_seq(session: Session, call: Call) -> int:
    seq = session.execute(
        text(
            "SELECT seq FROM event WHERE kind = 'case.viewed' AND case_id = :case "
            "AND json_extract(payload, '$.call') = :call"
        ),
        {"case": call.case_id, "call": call.id},
    ).scalar()
    return int(seq or 0)


def _done_on_call(session: Session, call: Call, kind: str | None = None) -> bool:
    """Whether the call's officer recorded anything on its case since the call opened (an
    event of `kind`, when given; anything but the opening otherwise). Nothing, on a call
    whose case was never shown (no viewing audited: withdrawn before it was)."""
    seq = _opening_seq(session, call)
    if seq == 0:
        return False
    which = "kind = :kind" if kind is not None else "kind != 'case.viewed'"
    found = session.execute(
        text(
            "SELECT 1 FROM event WHERE case_id = :case AND officer_id = :officer "
            f"AND seq > :seq AND {which} LIMIT 1"
        ),
        {
            "case": call.case_id,
            "officer": call.officer_id,
            "seq": seq,
            "kind": kind,
        },
    ).first()
    return found is not None


def _no_arrangement(session: Session, call: Call, code: OutcomeCode) -> str | None:
    """Why `code` may not be recorded: no arrangement was made on this call."""
    if _done_on_call(session, call, "arrangement.made"):
        return None
    return f"{code.code} ({code.name}): no arrangement was made on this call (r builds one)"


def leave_call(store: Store, actor: Actor, call_id: str) -> bool:
    """Leave a call on which nothing happened: it is marked not dialled (not a call attempt,
    not counted, not exported; the case keeps its place) and True is returned. False when
    something was recorded on it (ID&V, a note, a refusal…): then it needs an outcome."""
    with store.write() as session:
        call = _call(session, call_id)
        open_call_on(session, actor, call_id, _case(session, call.case_id))
        if _done_on_call(session, call):
            return False
        call.status, call.ended_at = "not_dialled", actor.now()
        _event(session, actor, "call.not_dialled", call.case_id, call=call.id)
        return True


def make_promise(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    *,
    case_id: str,
    call_id: str,
    amount: Decimal,
    due_on: date,
    limits: tuple[ArrangementRules, ...],
    debt_id: str | None = None,
    reason: str = "",
) -> Promise:
    """A promise to pay taken on a call: refused on a hold that forbids asking for payment,
    without ID&V passed on this call, and on a debt with an agency; past the policy's
    horizon or minimum (`limits`, the arrangement rules) only with a `reason`."""
    if amount <= 0:
        raise InputError("amount", "a promise must be for more than £0.00")
    check_promise(limits, amount, due_on, actor.now().date(), reason)

    def work(session: Session, case: Case) -> Promise:
        return _add_promise(
            session, actor, case, amount, due_on, debt_id, limits=limits, reason=reason
        )

    result: Promise = on_call(store, actor, holds, case_id, call_id, "promise", work)
    return result


@dataclass(frozen=True)
class Outcome:
    """What the officer chose at the end of a call, with the fields its code needs."""

    code: str
    right_party: bool
    amount: Decimal | None = None
    on: date | None = None
    callback_at: datetime | None = None
    phone_id: str | None = None
    reason: str = ""
    notes: str = ""
    debt_id: str | None = None  # the debt a promise is for, when known


def record_outcome(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    outcomes: OutcomePolicy,
    *,
    call_id: str,
    outcome: Outcome,
    limits: tuple[ArrangementRules, ...],
    ended_at: datetime | None = None,
) -> ContactAttempt:
    """End the call with its outcome and everything the code's effects imply
    (outcome_codes.toml), in one transaction. The ID&V stored is the call's own, never what
    a form claims; a code that needs ID&V passed is refused (and the attempt recorded)
    without it."""
    with store.read() as session:
        found = session.get(Call, call_id)
        case_id = found.case_id if found is not None else ""
    try:
        with store.write() as session:
            case = _case(session, case_id) if case_id else None
            if case is None:
                raise InputError("call", f"no call {call_id}")
            call = open_call_on(session, actor, call_id, case)
            code = outcomes.code(outcome.code, call.opened_at.date())
            active = active_holds(holds, case_holds(session, case.id), actor.now().date())
            # A call cut off by drp closing is judged on what it established, and nothing
            # new may be agreed on it.
            on_line = established_standing(session, call, today(actor))
            cut_off = call.status == "interrupted"
            refused = outcome_refusal(code, standing=on_line, holds=active, cut_off=cut_off)
            if refused is None and code.requires == "arrangement":
                refused = _no_arrangement(session, call, code)
            if refused is not None:
                raise Refused(refused)
            ended = ended_at or actor.now()
            # A right-party contact is the debtor, identified: not a third party for them.
            right_party = code.right_party and call.idv_result == "passed"
            attempt = ContactAttempt(
                id=actor.ids(),
                case_id=case.id,
                officer_id=actor.officer_id,
                phone_id=outcome.phone_id,
                started_at=call.opened_at,
                ended_at=ended,
                outcome_code=code.code,
                right_party=right_party,
                idv_result=call.idv_result,
                notes=outcome.notes,
                abandon_reason=outcome.reason if code.code == "ABANDONED" else None,
            )
            session.add(attempt)
            session.flush()
            _outcome_effects(session, actor, case, code, outcome, limits)
            call.status, call.ended_at, call.attempt_id = "ended", ended, attempt.id
            case.updated_at = actor.now()
            session.flush()
            _event(
                session,
                actor,
                "contact.recorded",
                case.id,
                attempt=attempt.id,
                call=call.id,
                outcome=code.code,
                right_party=right_party,
                idv=call.idv_result,
                phone=outcome.phone_id,
                callback_at=None
                if outcome.callback_at is None
                else outcome.callback_at.isoformat(),
                abandon_reason=attempt.abandon_reason,
                reason=outcome.reason or None,
                seconds=int((ended - call.opened_at).total_seconds()),
            )
            return attempt
    except Refused as refused:
        record_refusal(store, actor, case_id, "outcome", refused.message)
        raise


def _outcome_effects(
    session: Session,
    actor: Actor,
    case: Case,
    code: OutcomeCode,
    outcome: Outcome,
    limits: tuple[ArrangementRules, ...],
) -> None:
    """What the code declares it does (outcome_codes.toml `effects`)."""
    effects = set(code.effects)
    if "promise" in effects:
        if outcome.amount is None or outcome.amount <= 0 or outcome.on is None:
            raise InputError("promise", "needs an amount and a date")
        _add_promise(
            session,
            actor,
            case,
            outcome.amount,
            outcome.on,
            outcome.debt_id,
            limits=limits,
            reason=outcome.reason,
        )
    called = "keeps_callback" not in effects  # the call did not happen: a callback stays due
    _set_next_action(case, outcome.callback_at, actor.now(), called=called)
    marks = {"phone_wrong": "wrong", "phone_disconnected": "disconnected"}
    for effect in effects & set(marks):
        phone = None if outcome.phone_id is None else session.get(Phone, outcome.phone_id)
        if phone is not None and phone.person_id == case.person_id:
            set_phone_status(phone, marks[effect])
    if "dispute_hold" in effects:
        _set_hold(session, actor, case, "dispute", outcome.reason)
    if "breathing_space" in effects and outcome.on is not None:
        _add_breathing_space(session, actor, case, "breathing_space", outcome.on, outcome.reason)
    if "deceased" in effects:
        died_on = outcome.on or today(actor)
        if died_on > today(actor):
            raise InputError("date", f"a date of death cannot be after today ({died_on})")
        _mark_deceased(session, actor, case, died_on, outcome.reason)
