"""A case's opening the officer takes back before it is shown (services/opening.py): no call
is ever left open on a case the officer did not see, whichever side decides first."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from drp_tui.domain.errors import InputError
from drp_tui.services.calls import leave_call, view_call
from drp_tui.services.opening import CaseOpening, open_unless_withdrawn
from drp_tui.store.engine import Store
from tests.test_casework import actor, one_case_store
from tests.test_tui_jobs import store_locked


def calls(store: Store) -> list[tuple[str, str]]:
    with sqlite3.connect(store.path) as db:
        return db.execute("SELECT case_id, status FROM call ORDER BY rowid").fetchall()


def viewed(store: Store) -> int:
    with sqlite3.connect(store.path) as db:
        (n,) = db.execute("SELECT count(*) FROM event WHERE kind = 'case.viewed'").fetchone()
        return int(n)


def test_withdrawn_while_waiting_for_the_store_writes_nothing(tmp_path: Path) -> None:
    """A sync holds the store; the officer withdraws the opening while its write waits: once
    the store is free nothing is written (no call, no `case.viewed`)."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    asked = threading.Event()
    wanted = opening.wanted

    def asking() -> bool:
        asked.set()
        return wanted()

    opening.wanted = asking  # type: ignore[method-assign]
    result: list[object] = []
    with store_locked(store):
        job = threading.Thread(
            target=lambda: result.append(
                open_unless_withdrawn(store, actor(), "c1", "queue", opening)
            )
        )
        job.start()  # its write waits for the store
        assert not asked.is_set()
        assert opening.withdraw() is None  # nothing written yet: nothing to leave
    job.join()
    assert asked.is_set()
    assert result == [None]
    assert calls(store) == []
    assert viewed(store) == 0


def test_withdrawn_while_being_written_is_left_by_the_job_as_not_dialled(
    tmp_path: Path,
) -> None:
    """Withdrawn after the write had the store but before the call was handed on: the job
    itself closes the call as not dialled; the officer's side has nothing to do."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    told: list[str | None] = []
    wanted = opening.wanted

    def then_withdrawn() -> bool:
        still = wanted()  # asked in the write's transaction, the store its own
        told.append(opening.withdraw())
        return still

    opening.wanted = then_withdrawn  # type: ignore[method-assign]
    assert open_unless_withdrawn(store, actor(), "c1", "queue", opening) is None
    assert told == [None]
    assert calls(store) == [("c1", "not_dialled")]


def test_withdrawn_after_it_was_handed_on_is_the_withdrawers_to_leave(tmp_path: Path) -> None:
    """The call was written and handed on, not yet shown, when the officer withdrew it:
    withdraw gives its id (to be left as not dialled), once; it is then not shown."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    call = open_unless_withdrawn(store, actor(), "c1", "queue", opening)
    assert call is not None
    assert opening.withdraw() == call.id
    assert opening.withdraw() is None  # once: never left twice
    assert not opening.show()


def test_shown_before_it_was_withdrawn_is_not_taken_back(tmp_path: Path) -> None:
    """Once shown, the call is the case screen's: a late withdraw (Ctrl+Q) leaves it alone."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    call = open_unless_withdrawn(store, actor(), "c1", "queue", opening)
    assert call is not None
    assert opening.show()
    assert opening.withdraw() is None
    assert calls(store) == [("c1", "open")]


def test_a_failure_once_withdrawn_is_not_reported(tmp_path: Path) -> None:
    """The write failed (here: no such case; in drp, the sync held the store past the busy
    timeout) after the officer withdrew it: nothing was written and nothing is reported. Not
    withdrawn, the failure is the officer's to see, as for any write."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    with pytest.raises(InputError):
        open_unless_withdrawn(store, actor(), "no-such-case", "queue", opening)
    opening.withdraw()
    assert open_unless_withdrawn(store, actor(), "no-such-case", "queue", opening) is None
    assert calls(store) == []


def test_an_opening_withdrawn_once_written_leaves_no_view_in_the_audit_trail(
    tmp_path: Path,
) -> None:
    """`Enter Esc` in one burst, no sync: the call was written before Esc's turn and is left
    as not dialled, never shown. The officer never saw the case, so no `case.viewed` is
    audited (events are append-only: it must never have been written)."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    call = open_unless_withdrawn(store, actor(), "c1", "queue", opening)
    assert call is not None
    assert opening.withdraw() == call.id
    assert leave_call(store, actor(), call.id)  # nothing done on it: not dialled
    assert calls(store) == [("c1", "not_dialled")]
    assert viewed(store) == 0


def test_a_call_shown_is_audited_as_viewed_once(tmp_path: Path) -> None:
    """The case shown: its viewing audited with why and the call (again: no second one)."""
    store = one_case_store(tmp_path)
    opening = CaseOpening()
    call = open_unless_withdrawn(store, actor(), "c1", "search: Bloggs", opening)
    assert call is not None
    assert opening.show()
    view_call(store, actor(), call.id)
    view_call(store, actor(), call.id)
    with sqlite3.connect(store.path) as db:
        payloads = db.execute("SELECT payload FROM event WHERE kind = 'case.viewed'").fetchall()
    assert len(payloads) == 1
    assert call.id in payloads[0][0]
    assert "search: Bloggs" in payloads[0][0]
