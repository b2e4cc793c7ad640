"""The first schema: people, debts, cases, contact, promises, arrangements, assessments,
agencies, payments, vulnerabilities, Breathing Space, write-offs, and the append-only event
log with its outbox. Frozen: later changes are new migrations.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "event",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("at", sa.Text(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(), nullable=False),
        sa.Column("hash", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
        sa.UniqueConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_kind"), ["kind"], unique=False)

    op.create_table(
        "officer",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("team", sa.String(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("daily_call_target", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_team"), ["team"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("host_system", sa.String(), nullable=False),
        sa.Column("host_ref", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("forename", sa.String(), nullable=False),
        sa.Column("surname", sa.String(), nullable=False),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("preferred_contact", sa.Text(), nullable=False),
        sa.Column("deceased_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host_system", "host_ref"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_surname"), ["surname"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_deceased_on"), ["deceased_on"], unique=False)

    op.create_table(
        "address",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("line1", sa.String(), nullable=False),
        sa.Column("line2", sa.String(), nullable=False),
        sa.Column("town", sa.String(), nullable=False),
        sa.Column("postcode", sa.String(), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_address_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_address_postcode"), ["postcode"], unique=False)

    op.create_table(
        "breathingspace",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("end", sa.Date(), nullable=True),
        sa.Column("treatment_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("breathingspace", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_breathingspace_person_id"), ["person_id"], unique=False
        )

    op.create_table(
        "case",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("reference", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("hold_kind", sa.String(), nullable=True),
        sa.Column("hold_reason", sa.String(), nullable=True),
        sa.Column("hold_until", sa.Date(), nullable=True),
        sa.Column("next_action_due", sa.Text(), nullable=True),
        sa.Column("priority_score", sa.Integer(), nullable=False),
        sa.Column("priority_reason", sa.String(), nullable=False),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_next_action_due"), ["next_action_due"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_case_officer_id"), ["officer_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_case_hold_kind"), ["hold_kind"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("event_id", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "phone",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("number", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "number"),
    )
    with op.batch_alter_table("phone", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_phone_person_id"), ["person_id"], unique=False)

    op.create_table(
        "vulnerability",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("category", sa.String(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("recorded_by", sa.String(), nullable=True),
        sa.Column("recorded_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("vulnerability", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vulnerability_person_id"), ["person_id"], unique=False)

    op.create_table(
        "assessment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("surplus", sa.Integer(), nullable=False),
        sa.Column("available_for_priority", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_case_id"), ["case_id"], unique=False)

    op.create_table(
        "contactattempt",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("phone_id", sa.String(), nullable=True),
        sa.Column("started_at", sa.Text(), nullable=False),
        sa.Column("ended_at", sa.Text(), nullable=True),
        sa.Column("outcome_code", sa.String(), nullable=True),
        sa.Column("right_party", sa.Boolean(), nullable=False),
        sa.Column("idv_result", sa.String(), nullable=False),
        sa.Column("abandon_reason", sa.String(), nullable=True),
        sa.Column("notes", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["phone_id"],
            ["phone.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("contactattempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contactattempt_case_id"), ["case_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_contactattempt_officer_id"), ["officer_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_contactattempt_started_at"), ["started_at"], unique=False
        )

    op.create_table(
        "debt",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("host_system", sa.String(), nullable=False),
        sa.Column("host_ref", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("debt_type", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("original_amount", sa.Integer(), nullable=False),
        sa.Column("balance", sa.Integer(), nullable=False),
        sa.Column("costs", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("stage_date", sa.Date(), nullable=True),
        sa.Column("liability_order_date", sa.Date(), nullable=True),
        sa.Column("jurisdiction", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("host_system", "host_ref"),
    )
    with op.batch_alter_table("debt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_debt_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_debt_debt_type"), ["debt_type"], unique=False)

    op.create_table(
        "arrangement",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=True),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("frequency", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("override_reason", sa.String(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.Column("status_reason", sa.String(), nullable=False),
        sa.Column("status_changed_at", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("arrangement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_arrangement_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrangement_debt_id"), ["debt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_arrangement_status"), ["status"], unique=False)

    op.create_table(
        "debtparty",
        sa.Column("debt_id", sa.String(), nullable=False),
        sa.Column("person_id", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["person_id"],
            ["person.id"],
        ),
        sa.PrimaryKeyConstraint("debt_id", "person_id"),
    )
    op.create_table(
        "payment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=True),
        sa.Column("reference", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_debt_id"), ["debt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_received_on"), ["received_on"], unique=False)

    op.create_table(
        "placement",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=False),
        sa.Column("agency_id", sa.String(), nullable=False),
        sa.Column("placed_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("returned_on", sa.Date(), nullable=True),
        sa.Column("return_reason", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["agency.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_placement_agency_id"), ["agency_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_placement_debt_id"), ["debt_id"], unique=False)

    op.create_table(
        "promise",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("case_id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=True),
        sa.Column("officer_id", sa.String(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["officer_id"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_promise_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_promise_due_on"), ["due_on"], unique=False)

    op.create_table(
        "writeoffrequest",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("debt_id", sa.String(), nullable=False),
        sa.Column("reason_code", sa.String(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(), nullable=False),
        sa.Column("requested_at", sa.Text(), nullable=False),
        sa.Column("approved_by", sa.String(), nullable=True),
        sa.Column("approved_at", sa.Text(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"],
            ["officer.id"],
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["debt.id"],
        ),
        sa.ForeignKeyConstraint(
            ["requested_by"],
            ["officer.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("writeoffrequest", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_writeoffrequest_debt_id"), ["debt_id"], unique=False)

    op.create_table(
        "instalment",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("arrangement_id", sa.String(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("paid", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["arrangement_id"],
            ["arrangement.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("instalment", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_instalment_arrangement_id"), ["arrangement_id"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":  # a team hub
        op.execute(
            "CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$"
        )
        for action in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
                "FOR EACH ROW EXECUTE FUNCTION event_append_only()"
            )
        return
    for action in ("UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER event_no_{action.lower()} BEFORE {action} ON event "
            "BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END"
        )


def downgrade() -> None:
    on_event = " ON event" if op.get_bind().dialect.name == "postgresql" else ""
    for action in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS event_no_{action}{on_event}")
    with op.batch_alter_table("instalment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_instalment_arrangement_id"))

    op.drop_table("instalment")
    with op.batch_alter_table("writeoffrequest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_writeoffrequest_debt_id"))

    op.drop_table("writeoffrequest")
    with op.batch_alter_table("promise", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_promise_due_on"))
        batch_op.drop_index(batch_op.f("ix_promise_case_id"))

    op.drop_table("promise")
    with op.batch_alter_table("placement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_placement_debt_id"))
        batch_op.drop_index(batch_op.f("ix_placement_agency_id"))

    op.drop_table("placement")
    with op.batch_alter_table("payment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_received_on"))
        batch_op.drop_index(batch_op.f("ix_payment_debt_id"))

    op.drop_table("payment")
    op.drop_table("debtparty")
    with op.batch_alter_table("arrangement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_arrangement_status"))
        batch_op.drop_index(batch_op.f("ix_arrangement_debt_id"))
        batch_op.drop_index(batch_op.f("ix_arrangement_case_id"))

    op.drop_table("arrangement")
    with op.batch_alter_table("debt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_debt_debt_type"))
        batch_op.drop_index(batch_op.f("ix_debt_case_id"))

    op.drop_table("debt")
    with op.batch_alter_table("contactattempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contactattempt_started_at"))
        batch_op.drop_index(batch_op.f("ix_contactattempt_officer_id"))
        batch_op.drop_index(batch_op.f("ix_contactattempt_case_id"))

    op.drop_table("contactattempt")
    with op.batch_alter_table("assessment", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_case_id"))

    op.drop_table("assessment")
    with op.batch_alter_table("vulnerability", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vulnerability_person_id"))

    op.drop_table("vulnerability")
    with op.batch_alter_table("phone", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_phone_person_id"))

    op.drop_table("phone")
    op.drop_table("outbox")
    with op.batch_alter_table("case", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_status"))
        batch_op.drop_index(batch_op.f("ix_case_hold_kind"))
        batch_op.drop_index(batch_op.f("ix_case_officer_id"))
        batch_op.drop_index(batch_op.f("ix_case_next_action_due"))

    op.drop_table("case")
    with op.batch_alter_table("breathingspace", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breathingspace_person_id"))

    op.drop_table("breathingspace")
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_address_postcode"))
        batch_op.drop_index(batch_op.f("ix_address_person_id"))

    op.drop_table("address")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_surname"))
        batch_op.drop_index(batch_op.f("ix_person_deceased_on"))

    op.drop_table("person")
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_team"))

    op.drop_table("officer")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_kind"))
        batch_op.drop_index(batch_op.f("ix_event_case_id"))
        batch_op.drop_index(batch_op.f("ix_event_at"))

    op.drop_table("event")
    op.drop_table("agency")
