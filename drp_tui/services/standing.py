"""Whether a third party's recorded authority still stands: asked whenever a call stands on
one (not only when it is chosen), by casework and the authority service alike."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from drp_tui.domain.authority import UNRECORDED, risks_in
from drp_tui.store.models import Call, Person, ThirdPartyAuthority, Vulnerability


def authority_void(session: Session, row: ThirdPartyAuthority, on: date | None) -> str:
    """Why no one may stand on `row` now ("" while they may): no consent recorded, ended,
    past its last day, the debtor dead, verbal consent given on a call whose ID&V then
    failed, or a third-party risk (domestic abuse) on the case its recording never
    confirmed. Asked on every action of a call standing on it, not only when it is chosen."""
    if row.consent == UNRECORDED:
        return f"{row.name}'s authority has no consent recorded; record it again"
    if row.ended_at is not None:
        return f"{row.name}'s authority was ended: {row.end_reason}"
    if on is not None and row.until is not None and on > row.until:
        return f"{row.name}'s authority ended on {row.until}"
    person = session.get(Person, row.person_id)
    if person is not None and person.deceased_on is not None:
        return f"the debtor has died: {row.name}'s authority ended with their death"
    if row.consent == "verbal" and row.call_id is not None:
        given_on = session.get(Call, row.call_id)
        if given_on is not None and given_on.idv_result != "passed":
            return (
                f"{row.name}'s authority was given on a call whose caller then failed ID&V; "
                "record it again"
            )
    categories = session.execute(
        select(col(Vulnerability.category)).where(col(Vulnerability.person_id) == row.person_id)
    ).scalars()
    risks = risks_in(categories)
    if risks and not row.risk_confirmed.strip():
        return (
            f"{' and '.join(r.lower() for r in risks)} is recorded on this case since "
            f"{row.name}'s authority was given; record it again with the risk confirmed"
        )
    return ""
