"""What the hub's retention removed, as a desk learns of it (issue 20, hub revision h024). The
change feed carries no deletions: `drp retention apply --hub` records each case it applies a
record type to in `hubremoval`, numbered in the order written, and each sync reads, from
where this desk last stopped (`syncstate.removal_cursor`), those of cases ever allocated to the
desk's officer (all a desk's own login may read of it on PostgreSQL) that this desk holds. A
case removed whole whose id the hub has again, allocated to this officer, is kept: its arrival
brought it whole. The caller removes what is returned and moves the cursor to `through` in
the same transaction (services/retention.py `remove_removed_on_hub`).
"""

from __future__ import annotations

from sqlalchemy import exists, func, select, text

from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import Desk, HubRemoval, HubRemovals, raw_table
from drp_tui.sync.schema import hub_allocation, hub_removal


def removal_cursor(desk: Desk) -> int:
    with desk.store.engine.connect() as local:
        found = local.execute(text("SELECT removal_cursor FROM syncstate WHERE id = 1")).first()
    return 0 if found is None else int(found[0])


def removed_here(desk: Desk) -> HubRemovals:
    """The hub's removals since this desk's cursor of cases it holds, oldest first."""
    cursor = removal_cursor(desk)
    case, removal = raw_table("case"), hub_removal
    had = exists().where(
        hub_allocation.c.case_id == removal.c.case_id,
        hub_allocation.c.officer_id == desk.officer_id,
    )
    back = exists().where(case.c.id == removal.c.case_id, case.c.officer_id == desk.officer_id)
    whole_and_back = (removal.c.record_type == "financial") & back
    with desk.hub.read() as hub:
        # (the newest number first: a removal written while this one is read is read next time)
        high = int(hub.execute(select(func.coalesce(func.max(removal.c.seq), 0))).scalar_one())
        found = hub.execute(
            select(removal.c.case_id, removal.c.record_type, removal.c.removed_at)
            .where(removal.c.seq > cursor, removal.c.seq <= high, had, ~whole_and_back)
            .order_by(removal.c.seq)
        ).all()
    held: set[str] = set()
    with desk.store.engine.connect() as local:
        for some in chunks(sorted({str(r[0]) for r in found})):
            held.update(local.execute(select(case.c.id).where(case.c.id.in_(some))).scalars())
    return HubRemovals(
        max(high, cursor),
        [HubRemoval(str(c), str(t), str(at)) for c, t, at in found if str(c) in held],
    )
