"""Alembic environment for the hub's own tables: drp passes the connection in, and the hub's
revisions are kept in their own version table beside the store schema's."""

from __future__ import annotations

from alembic import context

from drp_tui.sync.schema import HUB_METADATA

HUB_VERSION_TABLE = "hub_alembic_version"

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=HUB_METADATA,
    version_table=HUB_VERSION_TABLE,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
