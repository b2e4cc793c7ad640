"""Cases the hub's retention removed whole, as a desk learns of them (issue 20, hub revision
h021). The change feed carries no deletions: `drp retention apply --hub` records each case it
removes whole in `hubremovedcase`, and each sync asks for those ever allocated to the desk's
officer (all a desk's own login may read of it on PostgreSQL) that this desk still holds. A
case of the same id the hub has again, allocated to this officer, is kept: its arrival brought
it whole.
"""

from __future__ import annotations

from sqlalchemy import exists, select

from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import Desk, raw_table
from drp_tui.sync.schema import hub_allocation, hub_removed_case


def removed_here(desk: Desk) -> list[tuple[str, str]]:
    """(case id, when the hub removed it) of the cases this desk holds that the hub's
    retention removed whole."""
    case, removed = raw_table("case"), hub_removed_case
    had = exists().where(
        hub_allocation.c.case_id == removed.c.case_id,
        hub_allocation.c.officer_id == desk.officer_id,
    )
    back = exists().where(case.c.id == removed.c.case_id, case.c.officer_id == desk.officer_id)
    with desk.hub.read() as hub:
        found = dict(
            hub.execute(select(removed.c.case_id, removed.c.removed_at).where(had, ~back)).all()
        )
    held: set[str] = set()
    with desk.store.engine.connect() as local:
        for some in chunks(sorted(found)):
            held.update(local.execute(select(case.c.id).where(case.c.id.in_(some))).scalars())
    return [(str(c), str(found[c])) for c in sorted(held)]
