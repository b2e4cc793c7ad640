"""Who has a case now, as a desk may learn it. On a PostgreSQL hub a desk's own login reads a
case row only while the case is its officer's (hub revision h020): of a case moved away from
it, `drp_moved_cases` gives only the case's id and its officer, never the row (its hold reason,
what its new officer recorded since)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, bindparam, select, text

from drp_tui.store.rawsql import chunks
from drp_tui.sync.common import raw_table
from drp_tui.sync.hub import desk_login


def case_officers(hub: Connection, cases: Iterable[str]) -> dict[str, str | None]:
    """The officer each of `cases` is allocated to on the hub, of those this session may know
    of: readable, or (a desk's own login) ever allocated to its officer."""
    wanted = sorted(set(cases))
    case = raw_table("case")
    found: dict[str, str | None] = {}
    for chunk in chunks(wanted):
        found.update(
            hub.execute(select(case.c.id, case.c.officer_id).where(case.c.id.in_(chunk))).all()
        )
    hidden = [c for c in wanted if c not in found]
    if hidden and desk_login(hub) is not None:
        moved = text("SELECT id, officer_id FROM drp_moved_cases(:wanted)").bindparams(
            bindparam("wanted")
        )
        for chunk in chunks(hidden):
            found.update(hub.execute(moved, {"wanted": list(chunk)}).all())
    return found
