"""A desk's balances, and what it removed as the hub's retention did, against the hub (issue 20,
`drp audit verify` on a desk that syncs).

On an officer's desk every debt came whole from the hub: no event here sealed its balance, so
the state checks (services/audit_state.py) cannot judge it. The hub can: for each debt of a
case the desk and the hub both give this desk's officer, the desk's balance must be the hub's,
less the payments recorded here and not yet pushed. A debt the hub changed since this desk's
last pull (a payment from elsewhere, a supervisor's import) is not judged: the desk has not
seen that change yet.

A case a desk removed because the hub's retention did (a `retention.removed_on_hub` event
sealing it, services/retention.py) must be one the hub lists in `hubremoval` with that
record type: the seal makes verify pass over the case's missing records, and anyone with the
desk's file and drp's code can append such an event (review 20d).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select, text

from drp_tui.store.engine import Store
from drp_tui.store.rawsql import chunks
from drp_tui.store.seals import REMOVED_ON_HUB, RETENTION
from drp_tui.sync.common import raw_table
from drp_tui.sync.schema import hub_change, hub_removal, hub_workstation


@dataclass(frozen=True)
class BalanceProblem:
    debt_id: str
    reference: str
    held: int  # pence, on this desk
    expected: int  # pence: the hub's, less this desk's payments not yet pushed


def balance_problems(hub: Connection, store: Store, workstation_id: str) -> list[BalanceProblem]:
    registered = hub.execute(
        select(hub_workstation.c.officer_id, hub_workstation.c.cursor).where(
            hub_workstation.c.id == workstation_id
        )
    ).first()
    if registered is None:
        return []
    officer, hub_cursor = str(registered[0]), int(registered[1] or 0)
    debt, case = raw_table("debt"), raw_table("case")
    # The debts the hub gives this desk's officer, whatever the desk's own rows now say of
    # who holds their case (a case's officer cleared on the desk must not hide its debts).
    on_hub = {
        str(d): (str(c), int(b))
        for d, c, b in hub.execute(
            select(debt.c.id, debt.c.case_id, debt.c.balance)
            .join(case, case.c.id == debt.c.case_id)
            .where(case.c.officer_id == officer)
        )
    }
    with store.engine.connect() as local:
        # How far this desk has pulled: as far as the hub recorded at its last sync, or
        # further (a sync cut short after its pull), never less (a cursor wound back on the
        # desk would leave every debt "changed since" and judged by nobody).
        desk_cursor = int(
            local.execute(text("SELECT cursor FROM syncstate WHERE id = 1")).scalar_one() or 0
        )
        cursor = max(desk_cursor, hub_cursor)
        held: dict[str, tuple[str, int]] = {}
        for some in chunks(sorted(on_hub)):
            marks = ", ".join(f":d{i}" for i in range(len(some)))
            for d, ref, b in local.execute(
                text(
                    'SELECT d.id, c.reference, d.balance FROM debt d JOIN "case" c '
                    f"ON c.id = d.case_id WHERE d.id IN ({marks})"
                ),
                {f"d{i}": v for i, v in enumerate(some)},
            ):
                held[str(d)] = (str(ref), int(b))
        unpushed = {
            str(d): int(p)
            for d, p in local.execute(
                text(
                    "SELECT p.debt_id, sum(p.amount) FROM payment p JOIN rowchange r "
                    "ON r.table_name = 'payment' AND r.row_key = p.id GROUP BY p.debt_id"
                )
            )
        }
    found: list[BalanceProblem] = []
    for some in chunks(sorted(held)):
        cases = sorted({on_hub[d][0] for d in some})
        since = {
            str(key)
            for (key,) in hub.execute(
                select(hub_change.c.row_key).where(
                    hub_change.c.seq > cursor,
                    hub_change.c.table_name == "debt",
                    hub_change.c.case_id.in_(cases),
                    (hub_change.c.origin.is_(None)) | (hub_change.c.origin != workstation_id),
                )
            )
        }
        for debt_id in some:
            if debt_id in since:
                continue
            expected = on_hub[debt_id][1] - unpushed.get(debt_id, 0)
            reference, balance = held[debt_id]
            if balance != expected:
                found.append(BalanceProblem(debt_id, reference, balance, expected))
    return found


@dataclass(frozen=True)
class RemovalProblem:
    case_id: str
    record_type: str
    event_seq: int  # the desk's retention.removed_on_hub event sealing it


_REMOVED_HERE = f"""
SELECT e.seq, j.key, j.value FROM audit_seal s JOIN event e ON e.id = s.event_id
JOIN json_each(s.body) j WHERE s.kind = '{RETENTION}' AND e.kind = '{REMOVED_ON_HUB}'
ORDER BY e.seq
"""


def removal_problems(hub: Connection, store: Store) -> list[RemovalProblem]:
    """Each case this desk removed as removed on the hub that the hub never removed so."""
    with store.engine.connect() as local:
        here = [(int(q), str(c), str(t)) for q, c, t in local.exec_driver_sql(_REMOVED_HERE)]
    listed: set[tuple[str, str]] = set()
    for some in chunks(sorted({c for _, c, _ in here})):
        listed.update(
            (str(c), str(t))
            for c, t in hub.execute(
                select(hub_removal.c.case_id, hub_removal.c.record_type).where(
                    hub_removal.c.case_id.in_(some)
                )
            )
        )
    return [RemovalProblem(c, t, q) for q, c, t in here if (c, t) not in listed]
