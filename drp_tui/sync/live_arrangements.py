"""Which live arrangements cover a debt on the hub: those linked to it (arrangement_debt) and
those made for it alone (arrangement.debt_id, from desks before links). Two or more on one
debt is a clash for a supervisor: its payments would go to whichever was made first."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Connection, Table, select

from drp_tui.store.rawsql import chunks


def live_covering(
    hub: Connection, arrangement: Table, links: Table, debts: Iterable[str]
) -> dict[str, list[tuple[str, str]]]:
    """Each of `debts`' live arrangements as (id, case id), by id."""
    found: dict[str, set[tuple[str, str]]] = defaultdict(set)
    live = arrangement.c.status == "live"
    for chunk in chunks(sorted(set(debts))):
        alone = select(arrangement.c.debt_id, arrangement.c.id, arrangement.c.case_id).where(
            arrangement.c.debt_id.in_(chunk), live
        )
        linked = (
            select(links.c.debt_id, arrangement.c.id, arrangement.c.case_id)
            .join(arrangement, arrangement.c.id == links.c.arrangement_id)
            .where(links.c.debt_id.in_(chunk), live)
        )
        for query in (alone, linked):
            for debt_id, arrangement_id, case_id in hub.execute(query):
                found[debt_id].add((arrangement_id, case_id))
    return {debt: sorted(arrangements) for debt, arrangements in found.items()}
