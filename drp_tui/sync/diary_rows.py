"""Complaints and appointments a desk sends (issue 21): each judged by rules.py before the
push writes it, as a PostgreSQL hub's database judges them for a desk's own login (h017)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection

from drp_tui.sync.moved import case_officers
from drp_tui.sync.rules import Sender, appointment_refusal, complaint_refusal

JUDGED = ("complaint", "appointment")


def diary_row_refusals(
    hub: Connection,
    sender: Sender,
    table: str,
    rows: dict[str, dict[str, Any]],
    accepted: list[str],
    on_hub: dict[str, dict[str, Any]],
) -> dict[str, str]:
    """Why each of the `accepted` rows of `table` (complaint or appointment) is refused, by key."""
    refused: dict[str, str] = {}
    if table == "complaint":
        for k in accepted:
            why = complaint_refusal(rows[k], on_hub.get(k), sender)
            if why is not None:
                refused[k] = why
        return refused
    officers = case_officers(hub, {rows[k]["case_id"] for k in accepted})
    for k in accepted:
        row = rows[k]
        why = appointment_refusal(row, on_hub.get(k), sender, officers.get(row["case_id"]))
        if why is not None:
            refused[k] = why
    return refused
