"""Calls for service tests: promises, arrangements and right-party outcomes are made on a
call with ID&V passed on it, as the workstation makes them."""

from __future__ import annotations

from drp_tui.services import calls
from drp_tui.services.casework import Actor
from drp_tui.store.engine import Store

PASS = frozenset({"date_of_birth", "postcode"})


def verified_call(store: Store, actor: Actor, case_id: str) -> str:
    """A new call on the case with ID&V passed on it; its id."""
    call = calls.open_call(store, actor, case_id, "queue")
    assert calls.record_idv(store, actor, call_id=call.id, passed_checks=PASS) == "passed"
    return call.id


def unverified_call(store: Store, actor: Actor, case_id: str) -> str:
    """A new call on the case, nothing checked yet; its id."""
    return calls.open_call(store, actor, case_id, "queue").id
