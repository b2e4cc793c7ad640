"""Use cases on a case: contact, promises, arrangements, vulnerabilities, Breathing Space
(payments are in drp_tui.services.payments, agency placements in drp_tui.services.placements).
Each checks what it must (holds first), changes state and appends its event in one
transaction, so the change and its audit record land together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from drp_tui.domain.calls import CALL_ACTIONS, INTERRUPTED, Standing, call_refusal, standing
from drp_tui.domain.errors import InputError
from drp_tui.domain.holds import HoldPolicy, active_holds, refusal
from drp_tui.domain.schedule import ArrangementRules, check_promise
from drp_tui.services.holds import case_holds
from drp_tui.services.standing import authority_void
from drp_tui.settings import LONDON
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    BreathingSpace,
    Call,
    Case,
    Person,
    Phone,
    Promise,
    ThirdPartyAuthority,
    Vulnerability,
    new_id,
)


@dataclass(frozen=True)
class Actor:
    """Who is acting, and where time and new ids come from (fixed in tests and the demo)."""

    officer_id: str
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    ids: Callable[[], str] = new_id

    def now(self) -> datetime:
        return self.clock()


class Refused(Exception):
    """An action a hold forbids. The attempt has been recorded as an event."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _case(session: Session, case_id: str) -> Case:
    case = session.get(Case, case_id)
    if case is None:
        raise InputError("case", f"no case {case_id}")
    return case


def guard(
    session: Session, actor: Actor, holds: HoldPolicy, case: Case, action: str, what: str
) -> None:
    """Refuse `action` if a hold forbids it today (the caller records the attempt)."""
    found = refusal(holds, case_holds(session, case.id), action, actor.now().date())
    if found is None:
        return
    raise Refused(f"{what}: {found.message}")


def open_call_on(session: Session, actor: Actor, call_id: str, case: Case) -> Call:
    """The officer's own open call on `case`, or InputError saying why there is none."""
    call = session.get(Call, call_id)
    if call is None or call.case_id != case.id or call.officer_id != actor.officer_id:
        raise InputError("call", f"no call of yours on {case.reference}: open the case first")
    if call.status not in ("open", "interrupted"):
        raise InputError("call", f"the call on {case.reference} has ended: open the case again")
    return call


def call_standing(session: Session, call: Call, on: date | None = None) -> Standing:
    """What the person on the line of `call` may do: its ID&V, and the scope of the third
    party's recorded authority while it stands."""
    if call.status == "interrupted":
        return Standing(INTERRUPTED)  # cut off when drp closed: no one is on the line
    return established_standing(session, call, on)


def established_standing(session: Session, call: Call, on: date | None = None) -> Standing:
    """What `call` established about who was on the line: its ID&V, and the scope of the
    third party's recorded authority while it still stands (`authority_void`; `on`, the
    actor's date, for its last day). A third party whose authority fell stands for nothing."""
    if call.idv_result != "authorised":
        return standing(call.idv_result, ())
    found = (
        None if call.authority_id is None else session.get(ThirdPartyAuthority, call.authority_id)
    )
    if found is None or authority_void(session, found, on):
        return standing("third_party", ())
    return standing(call.idv_result, found.scope)


def require_call(
    session: Session, actor: Actor, holds: HoldPolicy, case: Case, call_id: str, action: str
) -> Call:
    """The open call on `case`, if `action` may be taken on it (domain.calls.CALL_ACTIONS):
    no hold forbids it and, where it needs one, ID&V passed on this call. Refused otherwise
    (the caller records the attempt)."""
    call = open_call_on(session, actor, call_id, case)
    active = active_holds(holds, case_holds(session, case.id), actor.now().date())
    on_line = call_standing(session, call, actor.now().astimezone(LONDON).date())
    message = call_refusal(action, standing=on_line, holds=active)
    if message is not None:
        raise Refused(message)
    return call


def record_refusal(store: Store, actor: Actor, case_id: str, action: str, message: str) -> None:
    with store.write() as session:
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="action.refused",
            at=actor.now(),
            case_id=case_id,
            event_id=actor.ids(),
            payload={"action": action, "reason": message},
        )


def _guarded(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    case_id: str,
    action: str,
    what: str,
    work: Callable[[Session, Case], Any],
) -> Any:
    """Run `work` in a write transaction after the hold check; a refusal is recorded and
    re-raised."""
    try:
        with store.write() as session:
            case = _case(session, case_id)
            guard(session, actor, holds, case, action, what)
            return work(session, case)
    except Refused as refused:
        record_refusal(store, actor, case_id, action, refused.message)
        raise


def on_call(
    store: Store,
    actor: Actor,
    holds: HoldPolicy,
    case_id: str,
    call_id: str,
    action: str,
    work: Callable[[Session, Case], Any],
) -> Any:
    """Run `work` in a write transaction if `action` may be taken on the open call (see
    `require_call`); a refusal is recorded and re-raised."""
    try:
        with store.write() as session:
            case = _case(session, case_id)
            require_call(session, actor, holds, case, call_id, action)
            return work(session, case)
    except Refused as refused:
        rule = CALL_ACTIONS[action]
        record_refusal(store, actor, case_id, rule.hold_action or action, refused.message)
        raise


def _event(
    session: Session, actor: Actor, event_kind: str, case_id: str | None, /, **payload: Any
) -> None:
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=event_kind,
        at=actor.now(),
        case_id=case_id,
        event_id=actor.ids(),
        payload=payload,
    )


def _set_next_action(
    case: Case, callback_at: datetime | None, called_at: datetime, *, called: bool = True
) -> None:
    """A new callback becomes the next action; a callback that was due is done once called.
    A call that did not happen (`called` False: ABANDONED) leaves a due callback due."""
    if callback_at is not None:
        case.next_action_due = callback_at
    elif called and case.next_action_due is not None and case.next_action_due <= called_at:
        case.next_action_due = None


def _add_promise(
    session: Session,
    actor: Actor,
    case: Case,
    amount: Decimal,
    due_on: date,
    debt_id: str | None,
    *,
    limits: tuple[ArrangementRules, ...],
    reason: str = "",
) -> Promise:
    """A promise, refused on a debt with an agency; past the policy's horizon or minimum only
    with a reason (kept in the event)."""
    beyond = check_promise(limits, amount, due_on, actor.now().date(), reason)
    _refuse_if_with_agency(session, case.id, debt_id, "promise to pay")
    promise = Promise(
        id=actor.ids(),
        case_id=case.id,
        debt_id=debt_id,
        officer_id=actor.officer_id,
        amount=amount,
        due_on=due_on,
        created_at=actor.now(),
    )
    session.add(promise)
    session.flush()
    _event(
        session,
        actor,
        "promise.made",
        case.id,
        promise=promise.id,
        amount=f"{amount:.2f}",
        due_on=due_on.isoformat(),
        **({"beyond_policy": beyond, "reason": reason.strip()} if beyond else {}),
    )
    return promise


def _refuse_if_with_agency(session: Session, case_id: str, debt_id: str | None, what: str) -> None:
    from drp_tui.services.placements import refuse_if_with_agency  # it imports this module

    refuse_if_with_agency(session, case_id, debt_id, what)


def _add_breathing_space(
    session: Session,
    actor: Actor,
    case: Case,
    kind: str,
    start: date,
    reference: str,
    end: date | None = None,
) -> BreathingSpace:
    record = BreathingSpace(
        id=actor.ids(),
        person_id=case.person_id,
        kind=kind,
        reference=reference,
        start=start,
        end=end,
    )
    session.add(record)
    case.hold_kind, case.hold_reason = kind, f"Breathing Space {reference}".strip()
    session.flush()
    _event(
        session,
        actor,
        "breathing_space.recorded",
        case.id,
        record=record.id,
        kind=kind,
        start=start.isoformat(),
        reference=reference,
    )
    return record


def _mark_deceased(session: Session, actor: Actor, case: Case, died_on: date, source: str) -> None:
    person = session.get(Person, case.person_id)
    assert person is not None
    person.deceased_on = died_on
    _event(session, actor, "death.recorded", case.id, died_on=died_on.isoformat(), source=source)


def _set_hold(
    session: Session,
    actor: Actor,
    case: Case,
    kind: str | None,
    reason: str,
    until: date | None = None,
) -> None:
    case.hold_kind, case.hold_reason, case.hold_until = kind, reason or None, until
    _event(
        session,
        actor,
        "hold.set" if kind else "hold.lifted",
        case.id,
        hold=kind,
        reason=reason,
        until=None if until is None else until.isoformat(),
    )


def record_vulnerability(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    category: str,
    consent: bool,
    notes: str = "",
    review_on: date | None = None,
) -> Vulnerability:
    if not consent:
        raise InputError(
            "consent",
            "record a vulnerability only with the person's consent; "
            "otherwise note that support was offered",
        )
    with store.write() as session:
        case = _case(session, case_id)
        vulnerability = Vulnerability(
            id=actor.ids(),
            person_id=case.person_id,
            category=category,
            consent=consent,
            notes=notes,
            review_on=review_on,
            recorded_by=actor.officer_id,
            recorded_at=actor.now(),
        )
        session.add(vulnerability)
        session.flush()
        _event(
            session,
            actor,
            "vulnerability.recorded",
            case.id,
            vulnerability=vulnerability.id,
            category=category,
            review_on=None if review_on is None else review_on.isoformat(),
        )
        return vulnerability


def record_breathing_space(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    kind: str,
    start: date,
    reference: str = "",
    end: date | None = None,
) -> BreathingSpace:
    if kind not in ("breathing_space", "mental_health_crisis"):
        raise InputError("kind", "must be breathing_space or mental_health_crisis")
    with store.write() as session:
        return _add_breathing_space(
            session, actor, _case(session, case_id), kind, start, reference, end
        )


def record_death(
    store: Store, actor: Actor, *, case_id: str, died_on: date, source: str = ""
) -> None:
    """A debtor has died: the case is held (no contact asking for payment, no escalation)
    until the estate is dealt with."""
    with store.write() as session:
        _mark_deceased(session, actor, _case(session, case_id), died_on, source)


def set_hold(
    store: Store,
    actor: Actor,
    *,
    case_id: str,
    kind: str | None,
    reason: str,
    until: date | None = None,
) -> None:
    """Put a dispute or vulnerability-review hold on a case, or lift it (kind None)."""
    if kind not in (None, "dispute", "vulnerability_review"):
        raise InputError("hold", "must be dispute or vulnerability_review")
    if kind is not None and not reason.strip():
        raise InputError("reason", "say why the case is on hold")
    with store.write() as session:
        _set_hold(session, actor, _case(session, case_id), kind, reason, until)


PHONE_STATUSES = ("good", "wrong", "disconnected")


def mark_phone(store: Store, actor: Actor, *, case_id: str, phone_id: str, status: str) -> None:
    """A number found wrong or disconnected (or working again), outside any call outcome."""
    if status not in PHONE_STATUSES:
        raise InputError(
            "status", f"{status!r} is not a phone status; use {', '.join(PHONE_STATUSES)}"
        )
    with store.write() as session:
        case = _case(session, case_id)
        phone = session.get(Phone, phone_id)
        if phone is None or phone.person_id != case.person_id:
            raise InputError("phone", "is not a number held for this case")
        if phone.status == status:
            return
        was = phone.status
        ended = set_phone_status(phone, status)
        texts = {"sms_consent": "ended"} if ended else {}
        _event(
            session, actor, "phone.marked", case.id, phone=phone.id, status=status, was=was, **texts
        )


def set_phone_status(phone: Phone, status: str) -> bool:
    """Mark a number; whether that ended the consent to texts on it. A wrong number reached
    someone else: it is not the debtor's, so their consent to texts on it goes, and marked
    good again later it is not texted until they consent again."""
    phone.status = status
    if status == "wrong" and phone.sms_consent_at is not None:
        phone.sms_consent_at = None
        return True
    return False


def add_note(store: Store, actor: Actor, *, case_id: str, text: str) -> None:
    """A note on the case, kept in the audit trail."""
    if not text.strip():
        raise InputError("note", "write something first")
    with store.write() as session:
        _event(session, actor, "note.added", _case(session, case_id).id, text=text.strip())
