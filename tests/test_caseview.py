"""The debtor screen's history: the newest work first, whatever order it was written in."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlmodel import col

from drp_tui.services.caseview import HISTORY_LINES, case_view
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Event
from tests.callhelp import verified_call
from tests.conftest import DEMO_NOW
from tests.tui import first_case


def test_history_is_newest_first_even_when_written_out_of_order(
    demo_store: Store, policy: PolicyBook
) -> None:
    case_id, _ = first_case(demo_store)
    # A late-arriving record of an old call is written after today's note, and many old
    # events after that: the timeline is still by time, and today's note is not pushed off.
    with demo_store.write() as session:
        append_event(
            session,
            officer_id="jmorgan",
            kind="note.added",
            at=DEMO_NOW,
            case_id=case_id,
            payload={"text": "Called back today"},
        )
        for days in range(1, HISTORY_LINES + 2):
            append_event(
                session,
                officer_id="jmorgan",
                kind="note.added",
                at=DEMO_NOW - timedelta(days=400 + days),
                case_id=case_id,
                payload={"text": f"Imported note {days}"},
            )

    # Seen on a call with ID&V passed (at the same moment as the note, so the note sorts
    # first: it was written first among equals).
    call = verified_call(demo_store, Actor("jmorgan", clock=lambda: DEMO_NOW), case_id)
    shown = case_view(demo_store, policy, case_id, DEMO_NOW.date(), call).history
    assert len(shown) == HISTORY_LINES
    history = [line for line in shown if line.kind != "idv.recorded"]

    assert history[0].detail == "text Called back today"
    details = [line.detail for line in history]
    # The demo's own events on the case come before the old imported ones, oldest last.
    assert details.index("text Imported note 1") < details.index("text Imported note 2")
    assert "text Imported note 41" not in details


def test_openings_stay_in_the_audit_trail_not_the_history(
    demo_store: Store, policy: PolicyBook
) -> None:
    """Each look at a case is audited; listing them would push the calls and payments off
    the history (forty looks would fill it)."""
    case_id, _ = first_case(demo_store)
    before = case_view(demo_store, policy, case_id, DEMO_NOW.date()).history
    with demo_store.write() as session:
        for minutes in range(HISTORY_LINES):
            append_event(
                session,
                officer_id="jmorgan",
                kind="case.viewed",
                at=DEMO_NOW + timedelta(minutes=minutes),
                case_id=case_id,
                payload={"reason": "queue"},
            )

    assert case_view(demo_store, policy, case_id, DEMO_NOW.date()).history == before
    with demo_store.read() as session:
        looks = session.execute(
            select(col(Event.seq)).where(
                col(Event.case_id) == case_id, col(Event.kind) == "case.viewed"
            )
        ).all()
    assert len(looks) >= HISTORY_LINES
