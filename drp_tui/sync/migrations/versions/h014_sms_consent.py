"""A desk's own login may change a phone's consent to texts (`phone.sms_consent_at`, from store
revision 0012_sms_consent) as it may its status: an officer records or withdraws the debtor's
consent on a call, and the hub takes it. Frozen: later changes are new migrations.

Revision ID: h014_sms_consent
Revises: h013_person_keys
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "h014_sms_consent"
down_revision = "h013_person_keys"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('GRANT UPDATE ("sms_consent_at") ON phone TO drp_desk')


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute('REVOKE UPDATE ("sms_consent_at") ON phone FROM drp_desk')
