"""Push: this desk's outbox (events) and changed rows to the hub, in batches, each batch one
hub transaction and then one local one; what a desk may not send is refused and recorded,
and clashes the facts cannot settle are flagged for a supervisor."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from functools import partial
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    select,
    text,
    update,
)

import drp_tui.store.models  # noqa: F401  (registers the store's tables)
from drp_tui.store.personal import WRITTEN_TEXT
from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import (
    CONFLICT_NAMESPACE,
    Desk,
    SyncResult,
    as_dicts,
    checkpoint,
    count_of,
    insert_rows,
    key_of,
    raw_table,
    retrying,
    rows_by_key,
    update_columns,
    upsert,
)
from drp_tui.sync.conflicts import flag_conflicts
from drp_tui.sync.diary_rows import JUDGED, diary_row_refusals, settle_bookings
from drp_tui.sync.errors import HubError
from drp_tui.sync.hub import desk_login
from drp_tui.sync.instalments import instalment_refusals
from drp_tui.sync.placements import feed_back, settle_placements
from drp_tui.sync.rules import (
    NEVER_ALLOCATED,
    Sender,
    event_refusal,
    no_such_officer,
    officer_refusal,
    payload_of,
    payment_refusal,
    promise_refusal,
    time_refusal,
    writeoff_refusal,
)
from drp_tui.sync.schema import (
    hub_allocation,
    hub_change,
    hub_event,
    hub_refusal,
)
from drp_tui.sync.staged import append_copied, push_staged
from drp_tui.sync.tables import PUSHED, Replicated

# --- push


def _allocated(connection: Connection, pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    found: set[tuple[str, str]] = set()
    cases = sorted({case for case, _ in pairs})
    for chunk in chunks(cases):
        for case, officer in connection.execute(
            select(hub_allocation.c.case_id, hub_allocation.c.officer_id).where(
                hub_allocation.c.case_id.in_(chunk)
            )
        ):
            if (case, officer) in pairs:
                found.add((case, officer))
    return found


def refuse(connection: Connection, desk: Desk, items: list[tuple[str, str | None, str]]) -> None:
    """Record refused items (item, case, reason) as security events on the hub, once each."""
    if not items:
        return
    insert_rows(
        connection,
        hub_refusal,
        [
            {
                "id": str(uuid.uuid5(CONFLICT_NAMESPACE, f"refused:{desk.workstation_id}:{item}")),
                "workstation_id": desk.workstation_id,
                "officer_id": desk.officer_id,
                "case_id": case,
                "item": item,
                "reason": reason,
                "received_at": desk.now_text(),
            }
            for item, case, reason in items
        ],
    )


def sender_of(connection: Connection, officer_id: str) -> Sender | None:
    """The officer a desk syncs as, as the hub knows them (None: not on the hub)."""
    officer = raw_table("officer")
    row = connection.execute(
        select(officer.c.id, officer.c.role, officer.c.team).where(officer.c.id == officer_id)
    ).first()
    return None if row is None else Sender(str(row.id), str(row.role), str(row.team or ""))


def _sender(connection: Connection, desk: Desk) -> Sender:
    sender = sender_of(connection, desk.officer_id)
    if sender is None:  # checked when the desk registers; gone since
        raise HubError(no_such_officer(desk.officer_id))
    return sender


def push_events(desk: Desk, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        total = count_of(local, "SELECT count(*) FROM outbox")
    after, done = 0, 0
    with desk.hub.read() as hub:  # a desk's own login pushes through the server's check
        staged = desk_login(hub) is not None
    while True:
        with desk.store.engine.connect() as local:
            batch = list(
                as_dicts(
                    local.execute(
                        text(
                            "SELECT e.seq, e.id, e.officer_id, e.at, e.case_id, e.kind, e.payload, "
                            "e.prev_hash, e.hash FROM outbox o JOIN event e ON e.id = o.event_id "
                            "WHERE e.seq > :after ORDER BY e.seq LIMIT :n"
                        ),
                        {"after": after, "n": desk.batch},
                    )
                )
            )
        if not batch:
            return
        after = batch[-1]["seq"]

        def send(batch: list[dict[str, Any]] = batch) -> list[str]:
            if staged:
                accepted_ids, refused_items = push_staged(desk, batch, desk.now_text())
                result.refused += len(refused_items)
                checkpoint("push-events-sent")
                return accepted_ids
            with desk.hub.write(origin=desk.workstation_id) as hub:
                sender = _sender(hub, desk)
                wanted = {(e["case_id"], desk.officer_id) for e in batch if e["case_id"]}
                allowed = _allocated(hub, wanted)
                now = desk.clock()
                verdicts = [
                    (
                        e,
                        event_refusal(e, sender, (e["case_id"], desk.officer_id) in allowed)
                        or time_refusal(str(e["kind"]), e["at"], now),
                    )
                    for e in batch
                ]
                accepted = [e for e, why in verdicts if why is None]
                refused = [
                    (f"event {e['id']}", e["case_id"], why)
                    for e, why in verdicts
                    if why is not None
                ]
                if accepted:
                    received = desk.now_text()
                    appended = [
                        {
                            **{k: v for k, v in e.items() if k != "seq"},
                            "workstation_id": desk.workstation_id,
                            "received_at": received,
                        }
                        for e in accepted
                    ]
                    if desk.hub.is_postgresql:
                        append_copied(hub, appended)
                    else:
                        hub.execute(upsert(hub, hub_event, ignore=True, on=("id",)), appended)
                refuse(hub, desk, refused)
                result.refused += len(refused)
                checkpoint("push-events-sent")
            return [e["id"] for e in accepted]

        sent = retrying(send, desk.delays)
        checkpoint("push-events-committed")
        with desk.store.writer.begin() as local:  # one prepared DELETE a key, run in C
            if sent:
                local.exec_driver_sql(
                    "DELETE FROM outbox WHERE event_id = ?", [(event_id,) for event_id in sent]
                )
        result.pushed_events += len(sent)
        done += len(batch)
        desk.report("push events", done, total)


def _case_of_rows(
    local: Connection, spec: Replicated, keys: Sequence[str]
) -> dict[str, str | None]:
    cases: dict[str, str | None] = {}
    for chunk in chunks(keys):
        rows = local.execute(
            text(
                f"SELECT {spec.key_sql('t')}, {spec.case_sql('t')} FROM {spec.sql_name} t "
                f"WHERE {spec.key_sql('t')} IN :keys"
            ).bindparams(bindparam("keys", expanding=True)),
            {"keys": list(chunk)},
        )
        cases.update({str(key): case for key, case in rows})
    return cases


def push_rows(desk: Desk, result: SyncResult) -> None:
    with desk.store.engine.connect() as local:
        total = count_of(local, "SELECT count(*) FROM rowchange")
    done = 0
    for spec in PUSHED:
        after = ""
        while True:
            with desk.store.engine.connect() as local:
                pending: dict[str, int] = dict(
                    local.execute(
                        text(
                            "SELECT row_key, version FROM rowchange WHERE table_name = :t "
                            "AND row_key > :after ORDER BY row_key LIMIT :n"
                        ),
                        {"t": spec.name, "after": after, "n": desk.batch},
                    ).all()
                )
                if not pending:
                    break
                keys = list(pending)
                after = keys[-1]
                rows = {key_of(spec, r): r for r in rows_by_key(local, spec, keys)}
                cases = _case_of_rows(local, spec, keys)
            sent = set(retrying(partial(_send_rows, desk, spec, rows, cases, result), desk.delays))
            checkpoint("push-rows-committed")
            # Sent rows leave the queue unless changed again meanwhile; so do queued rows that
            # no longer exist here.
            done_with = [k for k in keys if k in sent or k not in rows]
            if done_with:
                with desk.store.writer.begin() as local:
                    local.execute(
                        text(
                            "DELETE FROM rowchange WHERE table_name = :t AND row_key = :k "
                            "AND version = :v"
                        ),
                        [{"t": spec.name, "k": k, "v": pending[k]} for k in done_with],
                    )
            result.pushed_rows += len(sent)
            done += len(keys)
            desk.report("push rows", done, total)


def _send_rows(
    desk: Desk,
    spec: Replicated,
    rows: dict[str, dict[str, Any]],
    cases: dict[str, str | None],
    result: SyncResult,
) -> list[str]:
    table = raw_table(spec.name)
    with desk.hub.write(origin=desk.workstation_id) as hub:
        wanted = {(case, desk.officer_id) for case in cases.values() if case}
        allowed = _allocated(hub, wanted)
        accepted = [k for k in rows if (cases.get(k), desk.officer_id) in allowed]
        refused = [
            (f"{spec.name} {k}", cases.get(k), NEVER_ALLOCATED) for k in rows if k not in accepted
        ]
        erased = _erased_after(hub, spec, {cases.get(k) for k in accepted})
        on_erased = [k for k in accepted if cases.get(k) in erased]
        blanked = WRITTEN_TEXT.get(spec.name, ())
        for k in on_erased if blanked else ():  # kept, as the erasure keeps the hub's own
            rows[k] = {**rows[k], **dict.fromkeys(blanked, "")}
        dropped = [] if blanked else on_erased
        accepted = [k for k in accepted if k not in dropped]
        on_hub = {key_of(spec, r): r for r in rows_by_key(hub, spec, accepted)}
        if spec.name == "case":  # moved away: unread on a desk's own login (h020), unchanged
            dropped += [k for k in accepted if k not in on_hub]
            accepted = [k for k in accepted if k in on_hub]
        unexplained = _row_refusals(hub, desk, spec, rows, accepted, on_hub)
        sender = _sender(hub, desk) if spec.name == "promise" else None
        unexplained |= _named_refusals(desk, sender, spec, rows, accepted, on_hub, unexplained)
        refused += [(f"{spec.name} {k}", cases.get(k), why) for k, why in unexplained.items()]
        accepted = [k for k in accepted if k not in unexplained]
        existing = set(on_hub)
        settled = {k for k, r in on_hub.items() if spec.settled is not None and spec.settled(r)}
        new = [rows[k] for k in accepted if k not in existing]
        if new and not spec.created_on_desk:
            refused += [
                (f"{spec.name} {key_of(spec, r)}", r.get("case_id"), "not on the hub") for r in new
            ]
            accepted = [k for k in accepted if k in existing]
            new = []
        # Changes to rows the hub has first (a placement returned frees its debt for the
        # placement made after it); a settled row keeps the hub's copy and goes back.
        changed = [rows[k] for k in accepted if k in existing and k not in settled]
        double = (  # before the changes are written: a move into a booked slot is undone
            settle_bookings(hub, table, new, changed, on_hub) if spec.name == "appointment" else []
        )
        update_columns(hub, table, changed, spec.pushed, spec.key)
        clashes = settle_placements(hub, table, new, cases) if spec.name == "placement" else []
        # A row of a case moved away is not one a desk's own login reads: not new.
        insert_rows(hub, table, new)
        back = {c.clashed: c.case_id for c in clashes} | {b.clashed: b.case_id for b in double}
        back |= {k: cases.get(k) for k in settled if rows[k] != on_hub[k]}
        feed_back(hub, hub_change, spec.name, back)
        # A desk's own login may not write balances: on its PostgreSQL hub a trigger does.
        if spec.name == "payment" and new and desk_login(hub) is None:
            debt = raw_table("debt")
            hub.execute(
                update(debt)
                .where(debt.c.id == bindparam("debt_"))
                .values(balance=debt.c.balance - bindparam("amount_")),
                [{"debt_": r["debt_id"], "amount_": r["amount"]} for r in new],
            )
        flagged = flag_conflicts(hub, desk, spec, [rows[k] for k in accepted], new, clashes, double)
        result.conflicts += [c for c in flagged if c not in result.conflicts]  # once a sync
        refuse(hub, desk, refused)
        result.refused += len(refused)
    return accepted + dropped  # (dropped rows leave the queue: the desk erases them too)


# What a desk wrote about a person that an erasure on the hub (`drp erase --hub`) must not see
# come back: a vulnerability, an affordability statement or an authorised person recorded on a
# desk before it heard of the erasure is dropped at its push, not taken; the desk's own copy
# goes at the same sync (services/privacy.py after_sync). A complaint or an appointment is
# kept, its free text blanked (store/personal.py WRITTEN_TEXT), as the erasure keeps the hub's.
ERASURE_DROPS = ("vulnerability", "assessment", "thirdpartyauthority")


def _erased_after(hub: Connection, spec: Replicated, cases: set[str | None]) -> set[str]:
    """The cases among `cases` whose person was erased on the hub."""
    wanted = sorted(c for c in cases if c)
    if (spec.name not in ERASURE_DROPS and spec.name not in WRITTEN_TEXT) or not wanted:
        return set()
    event = raw_table("event")
    found: set[str] = set()
    for chunk in chunks(wanted):
        found |= {
            str(c)
            for (c,) in hub.execute(
                select(event.c.case_id).where(
                    event.c.kind == "person.erased", event.c.case_id.in_(chunk)
                )
            )
        }
    return found


def _named_refusals(
    desk: Desk,
    sender: Sender | None,
    spec: Replicated,
    rows: dict[str, dict[str, Any]],
    accepted: list[str],
    on_hub: dict[str, dict[str, Any]],
    refused: dict[str, str],
) -> dict[str, str]:
    """Rows naming another officer as who did the work, and promises a desk settled itself
    (rules.py), by key: a new row whole, a row the hub has by the columns the desk may change
    (the only ones written)."""
    named: dict[str, str] = {}
    for k in accepted:
        before = on_hub.get(k)
        sent = rows[k] if before is None else {**before, **{c: rows[k][c] for c in spec.pushed}}
        why = None if k in refused else officer_refusal(spec.name, sent, before, desk.officer_id)
        if why is None and k not in refused and sender is not None:
            why = promise_refusal(sent, before, sender)
        if why is not None:
            named[k] = why
    return named


def _explaining(
    hub: Connection, desk: Desk, kinds: tuple[str, ...], cases: set[str], field: str
) -> dict[str, dict[str, Any]]:
    """The sender's events of `kinds` on `cases` already on the hub, by the row their payload
    names in `field`."""
    found: dict[str, dict[str, Any]] = {}
    for chunk in chunks(sorted(cases)):
        for event in hub.execute(
            select(hub_event.c.kind, hub_event.c.payload, hub_event.c.case_id).where(
                hub_event.c.officer_id == desk.officer_id,
                hub_event.c.kind.in_(kinds),
                hub_event.c.case_id.in_(chunk),
            )
        ):
            named = payload_of(dict(event._mapping)).get(field)
            if isinstance(named, str):
                found[named] = dict(event._mapping)
    return found


def _row_refusals(
    hub: Connection,
    desk: Desk,
    spec: Replicated,
    rows: dict[str, dict[str, Any]],
    accepted: list[str],
    on_hub: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """Rows that arrive without the event that explains them, or in another officer's name
    (rules.py), by key."""
    if spec.name in JUDGED and accepted:
        sender = _sender(hub, desk)
        return diary_row_refusals(hub, sender, spec.name, rows, accepted, on_hub, desk.clock())
    if spec.name == "instalment" and accepted:
        return instalment_refusals(hub, rows, accepted, on_hub)
    if spec.name not in ("payment", "writeoffrequest") or not accepted:
        return {}
    debt = raw_table("debt")
    debts = {rows[k]["debt_id"] for k in accepted}
    case_of_debt = dict(
        hub.execute(select(debt.c.id, debt.c.case_id).where(debt.c.id.in_(debts))).all()
    )
    cases = {case for case in case_of_debt.values() if case}
    refused: dict[str, str] = {}
    if spec.name == "payment":
        events = _explaining(hub, desk, ("payment.recorded",), cases, "payment")
        payment = raw_table("payment")
        earlier: dict[str, list[int]] = {}
        for debt_id, amount in hub.execute(
            select(payment.c.debt_id, payment.c.amount).where(payment.c.debt_id.in_(debts))
        ):
            earlier.setdefault(debt_id, []).append(int(amount))
        for k in accepted:
            if k in on_hub:
                continue
            row = rows[k]
            event = events.get(k)  # about the payment's own case, or it explains nothing
            if event is not None and event["case_id"] != case_of_debt.get(row["debt_id"]):
                event = None
            why = payment_refusal(int(row["amount"]), event, earlier.get(row["debt_id"], []))
            if why is not None:
                refused[k] = why
            else:  # a second reversal in this batch finds this one
                earlier.setdefault(row["debt_id"], []).append(int(row["amount"]))
        return refused
    sender = _sender(hub, desk)
    decisions = _explaining(hub, desk, ("writeoff.approved", "writeoff.refused"), cases, "request")
    for k in accepted:
        event = decisions.get(k)
        status = rows[k]["status"]
        explains = (
            event
            if event is not None
            and event["kind"] == f"writeoff.{status}"
            and event["case_id"] == case_of_debt.get(rows[k]["debt_id"])
            else None
        )
        why = writeoff_refusal(rows[k], on_hub.get(k), sender, explains)
        if why is not None:
            refused[k] = why
    return refused
