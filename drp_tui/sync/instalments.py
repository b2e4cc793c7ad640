"""Instalments a desk sends, judged by rules.py's `instalment_refusal` before the push writes
them, as a PostgreSQL hub's database judges them for a desk's own login (h020): what an
arrangement's instalments have paid may rise only within the payments on its debts."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, func, select

from drp_tui.sync.common import raw_table
from drp_tui.sync.rules import instalment_refusal


def instalment_refusals(
    hub: Connection,
    rows: dict[str, dict[str, Any]],
    accepted: list[str],
    on_hub: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """Why each of the `accepted` instalments is refused, by key. Judged in order, each on what
    the hub has once the ones before it are written (as the database's trigger judges them)."""
    arrangements = sorted({rows[k]["arrangement_id"] for k in accepted})
    instalment, arrangement = raw_table("instalment"), raw_table("arrangement")
    link, payment = raw_table("arrangement_debt"), raw_table("payment")
    paid: dict[str, dict[str, int]] = defaultdict(dict)
    for owner, key, amount in hub.execute(
        select(instalment.c.arrangement_id, instalment.c.id, instalment.c.paid).where(
            instalment.c.arrangement_id.in_(arrangements)
        )
    ):
        paid[owner][key] = int(amount)
    debts: dict[str, set[str]] = defaultdict(set)
    for owner, debt in hub.execute(
        select(arrangement.c.id, arrangement.c.debt_id).where(arrangement.c.id.in_(arrangements))
    ).all():
        if debt is not None:
            debts[owner].add(debt)
    for owner, debt in hub.execute(
        select(link.c.arrangement_id, link.c.debt_id).where(link.c.arrangement_id.in_(arrangements))
    ).all():
        debts[owner].add(debt)
    covered = sorted(set().union(*debts.values())) if debts else []
    received = {
        str(debt): int(total or 0)
        for debt, total in hub.execute(
            select(payment.c.debt_id, func.sum(payment.c.amount))
            .where(payment.c.debt_id.in_(covered))
            .group_by(payment.c.debt_id)
        )
    }
    refused: dict[str, str] = {}
    for k in accepted:
        row = rows[k]
        owner = row["arrangement_id"]
        others = sum(v for key, v in paid[owner].items() if key != row["id"])
        before = on_hub.get(k)
        why = instalment_refusal(
            int(row["paid"]),
            None if before is None else int(before["paid"]),
            others,
            sum(received.get(debt, 0) for debt in debts[owner]),
        )
        if why is None:
            paid[owner][row["id"]] = int(row["paid"])
        else:
            refused[k] = why
    return refused
