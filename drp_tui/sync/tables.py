"""Which tables travel between a workstation and the hub, and who may change what.

The hub decides who owns a case (allocation), what a debt is (host imports) and the team's
officers and agencies. A workstation creates the facts of its calls (contact attempts,
promises, arrangements with the debts they cover and their instalments, assessments,
payments, placements, vulnerabilities, Breathing Space, third parties' authority, write-off
requests, complaints, appointments) and may change a few columns of rows it did not create (a
callback time, a hold, a phone's status or consent to texts, a date of death, an authority
ended). Anything else a
workstation sends is not applied: the hub's copy stands.

`case_of` is SQL giving the case a row belongs to, with `{row}` standing for the row; the
hub sends a row only to the officer whose case it belongs to. Team-wide tables have none.
Tables are listed parents first, the order rows are written in.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

TEAM_WIDE = ""
BY_PERSON = 'SELECT c.id FROM "case" c WHERE c.person_id = {row}.person_id'
BY_DEBT = "SELECT d.case_id FROM debt d WHERE d.id = {row}.debt_id"


@dataclass(frozen=True)
class Replicated:
    name: str
    case_of: str
    # Columns a workstation may change on a row the hub already has.
    pushed: tuple[str, ...] = ()
    # A workstation may create rows of this table.
    created_on_desk: bool = False
    key: tuple[str, ...] = ("id",)
    # Whether the hub's copy of a row is settled: a desk may no longer change it (an ended
    # authority is not un-ended, a closed or clashed placement not reopened).
    settled: Callable[[dict[str, Any]], bool] | None = None

    def case_sql(self, row: str) -> str:
        """The case of `row` (an alias or NEW) as a scalar SQL expression, or NULL."""
        if not self.case_of:
            return "NULL"
        if self.case_of.startswith("SELECT"):
            return f"({self.case_of.format(row=row)})"
        return f"{row}.{self.case_of}"

    def key_sql(self, row: str) -> str:
        """The row's key (as `row_key` writes it) as a SQL expression on `row`."""
        return f" || '{KEY_SEPARATOR}' || ".join(f"{row}.{column}" for column in self.key)

    @property
    def sql_name(self) -> str:
        return f'"{self.name}"' if self.name == "case" else self.name

    @property
    def is_pushed(self) -> bool:
        return self.created_on_desk or bool(self.pushed)


TABLES: tuple[Replicated, ...] = (
    Replicated("officer", TEAM_WIDE),
    Replicated("agency", TEAM_WIDE),
    Replicated(
        "person", 'SELECT c.id FROM "case" c WHERE c.person_id = {row}.id', ("deceased_on",)
    ),
    Replicated("address", BY_PERSON),
    Replicated("phone", BY_PERSON, ("status", "sms_consent_at")),
    Replicated(
        "case", "id", ("hold_kind", "hold_reason", "hold_until", "next_action_due", "updated_at")
    ),
    Replicated("debt", "case_id"),
    Replicated("debtparty", BY_DEBT, key=("debt_id", "person_id")),
    Replicated(
        "contactattempt",
        "case_id",
        ("ended_at", "outcome_code", "right_party", "idv_result", "abandon_reason", "notes"),
        created_on_desk=True,
    ),
    Replicated("promise", "case_id", ("status",), created_on_desk=True),
    Replicated(
        "arrangement",
        "case_id",
        ("status", "status_reason", "status_changed_at"),
        created_on_desk=True,
    ),
    Replicated(
        "arrangement_debt",
        "SELECT a.case_id FROM arrangement a WHERE a.id = {row}.arrangement_id",
        created_on_desk=True,
        key=("arrangement_id", "debt_id"),
    ),
    # Before instalments: what an arrangement's instalments have paid is judged against the
    # payments the hub has on its debts (rules.py instalment_refusal), so a push sends those first.
    Replicated("payment", BY_DEBT, created_on_desk=True),
    Replicated(
        "instalment",
        "SELECT a.case_id FROM arrangement a WHERE a.id = {row}.arrangement_id",
        ("paid",),
        created_on_desk=True,
    ),
    Replicated("assessment", "case_id", created_on_desk=True),
    Replicated(
        "placement",
        BY_DEBT,
        ("status", "returned_on", "return_reason"),
        created_on_desk=True,
        settled=lambda row: row["status"] != "open",
    ),
    Replicated("vulnerability", BY_PERSON, ("review_on", "notes"), created_on_desk=True),
    Replicated("breathingspace", BY_PERSON, ("end", "treatment_end"), created_on_desk=True),
    Replicated(
        "thirdpartyauthority",
        BY_PERSON,
        ("ended_at", "ended_by", "end_reason"),
        created_on_desk=True,
        settled=lambda row: row["ended_at"] is not None,
    ),
    Replicated(
        "writeoffrequest",
        BY_DEBT,
        ("status", "approved_by", "approved_at"),
        created_on_desk=True,
    ),
    # Complaints and appointments (issue 21): taken or booked on a desk, moved on a stage,
    # answered, rescheduled, cancelled, kept or missed there; in the sender's own name only.
    Replicated(
        "complaint",
        "case_id",
        (
            "stage",
            "stage_started_on",
            "pauses_recovery",
            "reply_due",
            "status",
            "outcome",
            "remedy",
            "closed_on",
        ),
        created_on_desk=True,
        settled=lambda row: row["status"] != "open",  # a closed complaint is final
    ),
    # Cancelled, kept or missed is final: another desk's stale reschedule goes back (review 21d).
    Replicated(
        "appointment",
        "case_id",
        ("starts_at", "status", "note"),
        created_on_desk=True,
        settled=lambda row: row["status"] != "booked",
    ),
    # The keys sealing events' personal fields (store/personal.py): a desk makes them, never
    # changes one; an erasure on the hub reaches the desks holding the person's case.
    Replicated("personkey", BY_PERSON, created_on_desk=True),
)
PUSHED = tuple(table for table in TABLES if table.is_pushed)
# Events travel too: a workstation's own in `event`, pushed ones on the hub in `hubevent`.
EVENT_TABLES = ("event", "hubevent")
KEY_SEPARATOR = " "


def row_key(values: tuple[object, ...]) -> str:
    return KEY_SEPARATOR.join(str(value) for value in values)
