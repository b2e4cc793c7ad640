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

from drp_tui.domain.authority import UNRECORDED, check_consent, risks_in
from drp_tui.domain.calls import SCOPES
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.services.casework import Actor, _case, _event, record_refusal
from drp_tui.services.placements import vulnerabilities_of
from drp_tui.services.standing import authority_void
from drp_tui.settings import LONDON
from drp_tui.store.engine import Store
from drp_tui.store.models import Call, Case, Officer, Person, ThirdPartyAuthority

# Who may record an authority on a case allocated to someone else.
OVERSEERS = ("supervisor", "manager", "s151")


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
    consent: str = UNRECORDED
    consent_ref: str = ""
    ended_at: datetime | None = None
    end_reason: str = ""
    void: str = ""  # why no one may stand on it whatever the date (casework.authority_void)

    def in_force(self, on: date) -> bool:
        """Whether a third party may stand on it on `on`."""
        return not self.why_not(on)

    def why_not(self, on: date) -> str:
        """Why it is not in force on `on` ("" when it is)."""
        if self.void:
            return self.void
        if self.until is not None and on > self.until:
            return f"{self.name}'s authority ended on {self.until}"
        return ""

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


@dataclass(frozen=True)
class AuthorityRequest:
    """What the workstation's form asks to record (checked again by `record_authority`)."""

    name: str
    relationship: str
    scope: tuple[str, ...]
    until: date | None
    consent: str
    consent_ref: str
    risk_confirmed: str


def _authority(row: ThirdPartyAuthority, session: Session) -> Authority:
    return Authority(
        row.id,
        row.person_id,
        row.name,
        row.relationship,
        tuple(row.scope),
        row.until,
        row.recorded_by,
        row.recorded_at,
        row.consent,
        row.consent_ref,
        row.ended_at,
        row.end_reason,
        authority_void(session, row, None),
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
    consent: str,
    consent_ref: str = "",
    call_id: str | None = None,
    risk_confirmed: str = "",
) -> Authority:
    """Record that the debtor on `case_id` has authorised `name` to do `scope` until `until`
    (inclusive; None: no end date), with the evidence of their consent: "verbal" given by the
    debtor on `call_id` after passing ID&V, or a document's `consent_ref`. Refused
    (NotPermitted, the attempt audited) on a case allocated to someone else unless the actor
    oversees, and on a case with a vulnerability that makes a third party a risk (domestic
    abuse) unless `risk_confirmed` says why it is safe."""
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
    with store.read() as session:
        case = _case(session, case_id)
        verified = call_id is not None and debtor_verified_on(session, actor, call_id, case)
        kind = check_consent(consent, consent_ref, debtor_verified_on_call=verified)
        refusal = _refusal(session, actor, case, risk_confirmed)
        risks = risks_in(vulnerabilities_of(session, case.id))
    if refusal:
        message = f"third-party authority: {refusal}"
        record_refusal(store, actor, case_id, "authority", message)
        raise NotPermitted(message)
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
            consent=kind,
            consent_ref=consent_ref.strip(),
            call_id=call_id if kind == "verbal" else None,
            risk_confirmed=risk_confirmed.strip() if risks else "",
        )
        session.add(row)
        session.flush()
        evidence: dict[str, object] = {"consent": kind, "consent_ref": row.consent_ref}
        if kind == "verbal":
            evidence["call"] = call_id
        if risks:
            evidence |= {"risks": list(risks), "risk_confirmed": risk_confirmed.strip()}
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
            **evidence,
        )
        return _authority(row, session)


def debtor_verified_on(session: Session, actor: Actor, call_id: str, case: Case) -> bool:
    """Whether `call_id` is the actor's open call on `case` with the debtor verified on it
    (a third party on the line cannot give consent for the debtor)."""
    call = session.get(Call, call_id)
    return (
        call is not None
        and call.case_id == case.id
        and call.officer_id == actor.officer_id
        and call.status == "open"
        and call.idv_result == "passed"
    )


def _owner_refusal(session: Session, actor: Actor, case: Case) -> str:
    """Why the actor may not decide who speaks for the debtor on `case` ("" when they may):
    it is their case, or they oversee."""
    officer = session.get(Officer, actor.officer_id)
    if officer is None:  # bad input, not an attempt to audit under a name no one holds
        raise InputError("DRP_OFFICER", f"{actor.officer_id!r} is not an officer in this store")
    if case.officer_id != officer.id and officer.role not in OVERSEERS:
        owner = None if case.officer_id is None else session.get(Officer, case.officer_id)
        whose = "not allocated" if owner is None else f"{owner.name}'s case"
        return f"{case.reference} is {whose}; ask them or a supervisor"
    return ""


def _refusal(session: Session, actor: Actor, case: Case, risk_confirmed: str) -> str:
    """Why the actor may not record an authority on `case` ("" when they may)."""
    owner = _owner_refusal(session, actor, case)
    if owner:
        return owner
    person = session.get(Person, case.person_id)
    if person is not None and person.deceased_on is not None:
        return "the debtor has died: no one can be given authority to speak for them"
    risks = risks_in(vulnerabilities_of(session, case.id))
    if risks and len(risk_confirmed.split()) < 3:
        return (
            f"{' and '.join(r.lower() for r in risks)} is recorded on this case: a third party "
            "may be the danger; confirm the debtor asked for this freely and alone, and how "
            "you know"
        )
    return ""


def recording_refusal(store: Store, actor: Actor, case_id: str, call_id: str) -> str | None:
    """Why the actor may not record verbal consent on this call (None: they may), asked
    before the form opens; `record_authority` asks again when it saves. A risk on the case is
    not a refusal here: the form asks for its confirmation."""
    with store.read() as session:
        case = _case(session, case_id)
        refusal = _refusal(session, actor, case, risk_confirmed="is asked in the form")
        if refusal:
            return refusal
        if not debtor_verified_on(session, actor, call_id, case):
            return (
                "the debtor gives consent themselves: they must pass ID&V on this call first "
                "(or record a consent document with `drp authority add`)"
            )
    return None


def end_authority(store: Store, actor: Actor, *, authority_id: str, reason: str) -> Authority:
    """End an authority now (the debtor withdrew consent, a document was revoked): from now
    on no call may stand on it, including one standing on it already. `authority_id` is its
    id or the first 8 or more characters of it, as listed. Refused (NotPermitted, audited)
    on a case the actor may not record one on."""
    if not reason.strip():
        raise InputError("reason", "say why the authority ends (e.g. consent withdrawn)")
    wanted = authority_id.strip().lower()
    if len(wanted) < 8 or not all(c in "0123456789abcdef-" for c in wanted):
        raise InputError("AUTHORITY", f"give the authority's id as listed, not {authority_id!r}")
    with store.read() as session:
        found = (
            session.execute(
                select(ThirdPartyAuthority).where(
                    col(ThirdPartyAuthority.id).startswith(wanted, autoescape=True)
                )
            )
            .scalars()
            .all()
        )
        if len(found) != 1:
            raise InputError("AUTHORITY", f"no single authority with id {authority_id!r}")
        case = session.execute(
            select(Case).where(col(Case.person_id) == found[0].person_id)
        ).scalar_one()
        refusal = _owner_refusal(session, actor, case)
    if refusal:
        message = f"third-party authority: {refusal}"
        record_refusal(store, actor, case.id, "authority", message)
        raise NotPermitted(message)
    with store.write() as session:
        row = session.get(ThirdPartyAuthority, found[0].id)
        assert row is not None
        if row.ended_at is not None:
            raise InputError("AUTHORITY", f"{row.name}'s authority already ended")
        row.ended_at, row.ended_by, row.end_reason = actor.now(), actor.officer_id, reason.strip()
        _event(session, actor, "authority.ended", case.id, authority=row.id, reason=row.end_reason)
        return _authority(row, session)


def third_party_risks(store: Store, case_id: str) -> tuple[str, ...]:
    """The vulnerabilities on the case that make a third party on the line a risk, for the
    warning beside the authorities offered in ID&V."""
    with store.read() as session:
        return risks_in(vulnerabilities_of(session, case_id))


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
            _authority(row, session)
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
    return None if row is None else _authority(row, session)


def authority_for_call(session: Session, authority_id: str, case: Case, on: date) -> Authority:
    """The authority a third party on a call on `case` stands on: the case's debtor's, and in
    force on `on`; InputError otherwise."""
    found = load_authority(session, authority_id)
    if found is None:
        raise InputError("authority", f"no authority {authority_id}")
    if found.person_id != case.person_id:
        raise InputError("authority", "that authority is not for this debtor")
    if not found.in_force(on):
        raise InputError("authority", found.why_not(on))
    return found
