"""phone.person_id loses its own index: the unique (person_id, number) constraint's index
already starts with person_id and answers every lookup by person, so the second index was
only another B-tree to write for each number an import or a sync adds (measured with
bench/schema_bench.py; see docs/BENCHMARKS.md). Frozen: later changes are new migrations.

Revision ID: 0005_phone_index
Revises: 0004_authority_consent
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0005_phone_index"
down_revision = "0004_authority_consent"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_phone_person_id", table_name="phone")


def downgrade() -> None:
    op.create_index("ix_phone_person_id", "phone", ["person_id"], unique=False)
