"""The audit trail: checking the event chain, its anchors and the state tables against it,
and reading a case's history."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select, text
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.services.audit_state import StateProblem, pounds, state_problems
from drp_tui.store.anchors import Anchor, read_anchors
from drp_tui.store.engine import Store
from drp_tui.store.events import ChainCheck, verify_chain
from drp_tui.store.models import Case, Event
from drp_tui.store.personal import Opener


@dataclass
class AuditReport:
    chain: ChainCheck
    anchors: int = 0  # how many anchors were checked
    last_anchor: Anchor | None = None
    hub_anchor: Anchor | None = None  # this desk's last anchor on the hub it syncs with
    anchor_problems: list[str] = field(default_factory=list)
    state: list[StateProblem] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return self.chain.intact and not self.anchor_problems and not self.state

    def as_json(self) -> dict[str, Any]:
        return {
            "events": self.chain.events,
            "intact": self.intact,
            "chain_intact": self.chain.intact,
            "first_broken_seq": self.chain.first_broken_seq,
            "problem": self.chain.problem,
            "anchors": self.anchors,
            "last_anchor": None if self.last_anchor is None else self.last_anchor.as_json(),
            "hub_anchor": None if self.hub_anchor is None else self.hub_anchor.as_json(),
            "anchor_problems": self.anchor_problems,
            "state_problems": [p.as_json() for p in self.state],
        }


def verify(store: Store) -> ChainCheck:
    with store.read() as session:
        events = session.execute(select(Event).order_by(col(Event.seq))).scalars()
        return verify_chain(events)


def verify_all(store: Store, hub: str | None = None) -> AuditReport:
    """The chain link by link, against every anchor recorded for it, then the state tables
    against the events (drp_tui/services/audit_state.py). `hub`: the hub this desk is set to
    sync with (DRP_HUB_URL or the config file), checked against rather than the address the
    desk's own file records, which whoever can write the file can point elsewhere."""
    anchors, unreadable = read_anchors(store.path)
    on_hub, hub_problem, against_hub = _against_hub(store, hub)
    if on_hub is not None:
        anchors.append(on_hub)
    wanted = {a.seq for a in anchors}
    hashes: dict[int, str] = {}
    last = [0]

    def watched(events: Iterator[Event]) -> Iterator[Event]:
        for found in events:
            assert found.seq is not None
            last[0] = found.seq
            if found.seq in wanted:
                hashes[found.seq] = found.hash
            yield found

    with store.read() as session:
        chain = verify_chain(
            watched(iter(session.execute(select(Event).order_by(col(Event.seq))).scalars()))
        )
    report = AuditReport(chain, len(anchors), anchors[-1] if anchors else None)
    report.anchor_problems.extend(f"the anchor file's {at} is unreadable" for at in unreadable)
    if hub_problem is not None:
        report.anchor_problems.append(hub_problem)
    report.hub_anchor = on_hub
    if chain.intact:  # (a broken chain is read only up to its break)
        report.anchor_problems.extend(_against_anchors(anchors, hashes, last[0], chain.events))
    report.state = state_problems(store) + against_hub
    return report


# What says a store has synced, beyond its own record of its hub: events pushed (only a push
# takes an event out of the outbox), events pulled from a hub, or a pull or push recorded.
_SYNCED = """
SELECT EXISTS (SELECT 1 FROM event e WHERE NOT EXISTS
               (SELECT 1 FROM outbox o WHERE o.event_id = e.id)),
       EXISTS (SELECT 1 FROM event e WHERE NOT EXISTS
               (SELECT 1 FROM outbox o WHERE o.event_id = e.id))
       OR EXISTS (SELECT 1 FROM syncedevent)
       OR EXISTS (SELECT 1 FROM syncstate WHERE cursor > 0 OR last_push_at IS NOT NULL
                  OR last_pull_at IS NOT NULL)
"""
_GONE = "this desk has synced, but its record of its hub is gone from the store"
_UNANCHORED = (
    "events were pushed from this desk but the hub holds no anchor for its workstation "
    "{workstation}: the chain could not be checked against it"
)


def _against_hub(
    store: Store, configured: str | None
) -> tuple[Anchor | None, str | None, list[StateProblem]]:
    """This desk's last anchor on the hub it syncs with (none before its first sync), or why
    it could not be read, and its balances against the hub's (drp_tui/sync/desk_check.py).
    A desk that has synced is never called intact unchecked."""
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT workstation_id, hub FROM syncstate WHERE id = 1")
        ).first()
        pushed, synced = (bool(v) for v in connection.execute(text(_SYNCED)).one())
    found = None if row is None else (row[0], row[1])
    elsewhere = None
    if found is not None and configured and synced:
        elsewhere = _elsewhere(str(found[1] or ""), configured)
        found = (found[0], configured)
    if found is None or not found[1]:
        if synced:  # (the hub's address, or the whole sync record, gone from the store)
            return (
                None,
                f"the chain could not be checked against its anchor on the hub: {_GONE}",
                [],
            )
        return None, None, []
    workstation, address = str(found[0]), str(found[1])
    from drp_tui.sync.anchors import last_anchor
    from drp_tui.sync.desk_check import balance_problems, removal_problems
    from drp_tui.sync.errors import HubError
    from drp_tui.sync.hub import connect, hub_url

    try:
        hub = connect(hub_url(address))
        try:
            with hub.read() as connection:
                last = last_anchor(connection, workstation)
                balances = balance_problems(connection, store, workstation)
                removals = removal_problems(connection, store)
        finally:
            hub.engine.dispose()
    except (HubError, InputError) as exc:
        return None, f"the chain could not be checked against its anchor on the hub: {exc}", []
    state = [
        StateProblem(
            "debt",
            b.debt_id,
            b.reference,
            f"balance {pounds(b.held)}",
            f"{pounds(b.expected)} (the hub's, less payments not yet pushed)",
            None,
        )
        for b in balances
    ] + [
        StateProblem(
            "case",
            r.case_id,
            None,
            f"its {r.record_type.replace('_', ' ')} records removed as removed on the hub",
            "the hub's retention never removed them (hubremoval)",
            r.event_seq,
        )
        for r in removals
    ]
    if last is None:
        if pushed:  # (a desk given a new workstation id has no anchor to be held to)
            return None, elsewhere or _UNANCHORED.format(workstation=workstation), state
        return None, elsewhere, state
    return Anchor(last.seq, last.hash, f"{last.received_at} (on the hub)"), elsewhere, state


def _elsewhere(recorded: str, configured: str) -> str | None:
    """Why the hub this store records is not the one drp is set to sync with, or None."""
    from drp_tui.sync.hub import hub_url

    try:
        same = hub_url(recorded).render_as_string(hide_password=True) == hub_url(
            configured
        ).render_as_string(hide_password=True)
    except InputError:
        same = False
    if same:
        return None
    return (
        f"this store records its hub as {recorded or 'nothing'}, not the hub drp is set to "
        "sync with: the chain was checked against the hub set (DRP_HUB_URL or the config file)"
    )


def _against_anchors(
    anchors: list[Anchor], hashes: dict[int, str], last_seq: int, events: int
) -> Iterator[str]:
    highest = max(anchors, key=lambda a: a.seq, default=None)
    if highest is not None and highest.seq > last_seq:
        ends = f"ends at event #{last_seq}" if events else "is empty"
        yield (
            f"the chain {ends} but event #{highest.seq} was anchored on {highest.at}: "
            "events were removed from its end"
        )
    for anchor in anchors:
        found = hashes.get(anchor.seq)
        if anchor.seq <= last_seq and found != anchor.hash:
            what = "is missing" if found is None else "does not have the hash"
            yield (
                f"event #{anchor.seq} {what} anchored on {anchor.at}: "
                "the chain was rewritten and re-hashed from there"
            )
            return  # the first rewrite is the one to look at


def case_history(store: Store, reference: str) -> tuple[Case, list[Event]]:
    with store.read() as session:
        case = session.execute(
            select(Case).where(col(Case.reference) == reference.strip().upper())
        ).scalar_one_or_none()
        if case is None:
            raise InputError("--case", f"no case with reference {reference!r}")
        events = (
            session.execute(
                select(Event).where(col(Event.case_id) == case.id).order_by(col(Event.seq))
            )
            .scalars()
            .all()
        )
        opener = Opener(session)  # shown opened: an erased person's fields read "[erased]"
        shown = [Event(**{**e.model_dump(), "payload": opener.open(e.payload)}) for e in events]
        return case, shown
