"""The opening of a case's call that the officer may take back before it is shown: the next
case opening on the case screen after an outcome, left by Esc, / or Ctrl+Q while its write
waits for the store (a sync holding it). A call is never left open on a case the officer did
not see: withdrawn before its write has the store, nothing is written; withdrawn after, the
call is closed as not dialled (leave_call), by the job itself or by whoever withdrew it,
and no viewing of the case is audited. Not withdrawn, the case's viewing is audited
(`case.viewed`, view_before_shown) before the case is shown: never a case on screen unaudited.

The job runs in a worker thread and the officer's keys on the UI thread: the two decide
under one lock, so exactly one of them owns a call opened and then withdrawn."""

from __future__ import annotations

import threading

from drp_tui.services.calls import CallInfo, Withdrawn, leave_call, open_call, view_call
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store


class NotViewed(Exception):
    """The case's viewing could not be audited, so the case is not shown: its call was left
    as not dialled (`left`) or, that failing or something being done on it, left as it was."""

    def __init__(self, error: Exception, left: bool) -> None:
        super().__init__(str(error))
        self.error, self.left = error, left


class CaseOpening:
    """One opening of a call, between the job that writes it and the screen that shows it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._withdrawn = False
        self._opened: str | None = None  # the call written and handed on, not yet shown
        self._settled = False  # shown, or its leaving is someone's to write

    @property
    def withdrawn(self) -> bool:
        with self._lock:
            return self._withdrawn

    def wanted(self) -> bool:
        return not self.withdrawn

    def hand_on(self, call_id: str) -> bool:
        """The job wrote the call: True if it goes on to be shown, False if it was withdrawn
        meanwhile (the job leaves it)."""
        with self._lock:
            if self._withdrawn:
                return False
            self._opened = call_id
            return True

    def withdraw(self) -> str | None:
        """The officer took the opening back: the call already written and handed on (the
        caller leaves it as not dialled), or None (nothing written, or the job leaves it)."""
        with self._lock:
            self._withdrawn = True
            if self._opened is None or self._settled:
                return None
            self._settled = True
            return self._opened

    def show(self) -> bool:
        """The screen got the call: True if it may show it, False if it was withdrawn."""
        with self._lock:
            if self._withdrawn:
                return False
            self._settled = True
            return True


def open_unless_withdrawn(
    store: Store, actor: Actor, case_id: str, reason: str, opening: CaseOpening
) -> CallInfo | None:
    """A new call on the case, as open_call, unless `opening` was withdrawn: then None, with
    nothing written (withdrawn before the store was free) or the call closed as not dialled
    (withdrawn while it was being written). The case's viewing is audited only once it is
    shown (calls.view_call, by the screen that shows it): withdrawn unseen, it has none. A
    write that fails once withdrawn (the sync held the store past its busy timeout) wrote
    nothing and is nobody's to report: the officer has left, and "Not saved: the opening of
    the case" would ask them to open it again."""
    try:
        call = open_call(store, actor, case_id, reason, wanted=opening.wanted, viewed=False)
    except Withdrawn:
        return None
    except Exception:
        if opening.withdrawn:
            return None
        raise
    if opening.hand_on(call.id):
        return call
    leave_call(store, actor, call.id)
    return None


def view_before_shown(
    store: Store, actor: Actor, call_id: str, opening: CaseOpening | None = None
) -> bool:
    """The case of a call opened unseen is about to be shown: its viewing audited first
    (calls.view_call), unless `opening` was withdrawn (False: the withdrawer leaves the
    call). From here leaving the call is the screen's: withdrawn later, the case is not
    shown and the screen leaves the call, its viewing recorded though never shown (a record
    of more than was seen, never a case seen and not recorded). If the audit fails the case
    must not be shown: the call is left as not dialled and NotViewed raised."""
    if opening is not None and not opening.show():
        return False
    try:
        view_call(store, actor, call_id)
    except Exception as error:
        try:
            left = leave_call(store, actor, call_id)
        except Exception:
            left = False
        raise NotViewed(error, left) from error
    return True
