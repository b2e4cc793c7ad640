"""The operating-system login drp acts for, and the officer mapped to it: light enough to ask
before the ORM loads (the workstation reads its first queue ahead, in a second process, while
the rest loads). The rules on who may act are in services/identity."""

from __future__ import annotations

import getpass
import os

from sqlalchemy import text

from drp_tui.store.engine import Store


def os_login() -> str:
    """The login of the effective user (from the password database, not $USER or $LOGNAME,
    which anyone can set)."""
    try:
        import pwd

        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):  # not POSIX, or a uid with no entry
        return getpass.getuser()


def mapped_officer_id(store: Store, login: str) -> str | None:
    """The id of the officer mapped to `login` in `store`, if any."""
    with store.engine.connect() as connection:
        found = connection.execute(
            text("SELECT id FROM officer WHERE login = :login"), {"login": login}
        ).scalar_one_or_none()
    return None if found is None else str(found)
