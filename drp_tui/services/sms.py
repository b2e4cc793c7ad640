"""Texts to a debtor (issue 21): only to a good mobile number the debtor has consented to
texts on (recorded by their officer, an event on the case, withdrawn the same way), and only
in the hours policy allows (calling_hours.toml [[sms_hours]])."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.extract import normalise_phone
from drp_tui.domain.sms import sms_closed
from drp_tui.services.authority import debtor_verified_on
from drp_tui.services.caseaccess import case_by_reference, require_own_case
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Debt, Phone

CONSENT_BY = "its officer or a supervisor records consent"
# GOV.UK Notify sends a text of at most 918 characters (six fragments).
SMS_MAX_CHARACTERS = 918


def texting_number(session: Session, case: Case) -> str | None:
    """The debtor's mobile that texts may go to: good, consented to, the latest consent."""
    found = (
        session.execute(
            select(Phone)
            .where(
                col(Phone.person_id) == case.person_id,
                col(Phone.kind) == "mobile",
                col(Phone.status) == "good",
                col(Phone.sms_consent_at).is_not(None),
            )
            .order_by(col(Phone.sms_consent_at).desc())
        )
        .scalars()
        .first()
    )
    return None if found is None else found.number


def quiet(session: Session, policy: PolicyBook, case: Case, at: datetime) -> str | None:
    """Why no text may go to this case's debtor at `at` (policy's hours), or None."""
    jurisdiction = session.execute(
        select(col(Debt.jurisdiction)).where(col(Debt.case_id) == case.id).limit(1)
    ).scalar_one_or_none()
    return sms_closed(policy.sms_hours, at, jurisdiction or "england")


ON_THE_CALL = (
    "consent to texts is the debtor's own: they must pass ID&V on this call first (a third "
    "party on the line cannot give it)"
)


def record_consent(
    store: Store,
    actor: Actor,
    *,
    case_reference: str,
    number: str,
    given: bool,
    call_id: str | None = None,
) -> str:
    """The debtor's consent to texts on one of their mobile numbers, given or withdrawn, as an
    event on the case; the sentence to show. On a call (`call_id`), the debtor must be the
    one verified on it; without one (`drp letter sms-consent`) it is recorded from a document.
    InputError for a number not theirs or not a mobile."""
    with store.write() as session:
        case = case_by_reference(session, case_reference)
        require_own_case(session, actor, case, CONSENT_BY)
        if call_id is not None and not debtor_verified_on(session, actor, call_id, case):
            raise NotPermitted(ON_THE_CALL)
        normal = normalise_phone(number)
        wanted = normal[0] if normal else "".join(number.split())
        phone = (
            session.execute(
                select(Phone).where(
                    col(Phone.person_id) == case.person_id, col(Phone.number) == wanted
                )
            )
            .scalars()
            .first()
        )
        if phone is None:
            raise InputError("--number", f"{number} is not a number held for {case.reference}")
        if phone.kind != "mobile":
            raise InputError("--number", f"{number} is not a mobile number (it is {phone.kind})")
        if given and phone.status != "good":
            raise InputError("--number", f"{number} is marked {phone.status}")
        if (phone.sms_consent_at is not None) == given:
            state = "already" if given else "not"
            return f"{number} is {state} marked for texts ({case.reference})"
        now = actor.now()  # one time: the hub finds the consent by its event's (review 21d)
        phone.sms_consent_at = now if given else None
        append_event(
            session,
            officer_id=actor.officer_id,
            kind="phone.sms_consent",
            at=now,
            case_id=case.id,
            event_id=actor.ids(),
            payload={"phone": phone.id, "given": given},
        )
    done = "marked for texts" if given else "no longer marked for texts"
    return f"{number} {done} ({case.reference})"


@dataclass(frozen=True)
class Mobile:
    number: str
    status: str  # good, wrong_number, ... (a text goes only to a good one)
    consented_at: datetime | None  # None: not marked for texts


@dataclass(frozen=True)
class ConsentForm:
    """What the workstation's consent form offers: the case's debtor's mobile numbers, each
    with whether it is marked for texts."""

    reference: str
    mobiles: tuple[Mobile, ...]


def consent_form(
    store: Store, actor: Actor, case_id: str, call_id: str | None = None
) -> ConsentForm | str:
    """The form to record (or withdraw) consent to texts on this case, or why there is none
    (not the actor's case; no mobile number held; on a call, the debtor not the one verified
    on it): asked before the form opens, so an officer is not led into a refusal. The choice
    is recorded by `record_consent`."""
    with store.read() as session:
        case = session.get(Case, case_id)
        if case is None:
            return f"no case {case_id}"
        try:
            require_own_case(session, actor, case, CONSENT_BY)
        except NotPermitted as exc:
            return str(exc)
        except InputError as exc:
            return exc.message
        if call_id is not None and not debtor_verified_on(session, actor, call_id, case):
            return ON_THE_CALL
        phones = session.execute(
            select(Phone)
            .where(col(Phone.person_id) == case.person_id, col(Phone.kind) == "mobile")
            .order_by(col(Phone.number))
        ).scalars()
        mobiles = tuple(Mobile(p.number, p.status, p.sms_consent_at) for p in phones)
    if not mobiles:
        return f"no mobile number is held for {case.reference}"
    return ConsentForm(case.reference, mobiles)
