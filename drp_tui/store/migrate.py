"""Running the Alembic migrations that live inside the package: the store's, and the hub's own
tables (kept in their own version table beside the store schema's)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

SCRIPT_LOCATION = "drp_tui.store:migrations"
HUB_SCRIPT_LOCATION = "drp_tui.sync:migrations"


def alembic_config(script_location: str = SCRIPT_LOCATION) -> Config:
    config = Config()
    config.set_main_option("script_location", script_location)
    return config


def head_revision(script_location: str = SCRIPT_LOCATION) -> str:
    head = ScriptDirectory.from_config(alembic_config(script_location)).get_current_head()
    assert head is not None
    return head


def upgrade_to_head(
    engine: Engine, revision: str = "head", script_location: str = SCRIPT_LOCATION
) -> None:
    config = alembic_config(script_location)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
