"""Revision 0004: phone.person_id's own index goes (the unique (person_id, number) index
answers lookups by person). A store made by the schema before it upgrades with every row and
every relationship as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic import command

from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import (
    SCHEMA_REVISION,
    current_revision,
    open_store,
    sqlite_engine,
)
from drp_tui.store.migrate import alembic_config, head_revision, upgrade_to_head

BEFORE = "0004_authority_consent"


def every_row(path: Path) -> dict[str, list[tuple[object, ...]]]:
    db = sqlite3.connect(path)
    tables = [
        name
        for (name,) in db.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "AND name != 'alembic_version' ORDER BY name"
        )
    ]
    rows = {t: db.execute(f'SELECT * FROM "{t}" ORDER BY rowid').fetchall() for t in tables}
    db.close()
    return rows


def test_a_store_made_by_the_revision_before_upgrades_with_every_row_intact(
    demo_template: Path, tmp_path: Path, policy: PolicyBook
) -> None:
    path = tmp_path / "old.sqlite"
    # The store made by the schema before this revision: the demo store's data (people, cases,
    # debts and phones from its host extract, calls, arrangements, placements, payments,
    # events, sync bookkeeping), taken back to the revision before (0004). Tables later
    # revisions added (audit_seal, 0006) are not in a 0004 store.
    engine = sqlite_engine(path)
    upgrade_to_head(engine, revision=BEFORE)
    engine.dispose()
    old = sqlite3.connect(path)
    old.execute("ATTACH DATABASE ? AS demo", (str(demo_template),))
    old.execute("PRAGMA foreign_keys = OFF")
    for (name,) in old.execute(
        "SELECT name FROM main.sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND name != 'alembic_version'"
    ).fetchall():  # the old schema's tables and columns (later revisions add some)
        columns = ", ".join(
            f'"{c}"' for (c,) in old.execute(f"SELECT name FROM pragma_table_info('{name}')")
        )
        old.execute(f'INSERT INTO main."{name}" ({columns}) SELECT {columns} FROM demo."{name}"')
    old.commit()
    old.execute("DETACH DATABASE demo")
    old.close()
    engine = sqlite_engine(path)
    assert current_revision(engine) == BEFORE
    engine.dispose()
    before = every_row(path)
    assert len(before["phone"]) > 2
    assert len(before["event"]) > 100

    store = open_store(path)
    assert current_revision(store.engine) == SCHEMA_REVISION == head_revision()
    store.engine.dispose()
    after = every_row(path)
    for later in ("audit_seal", "complaint", "appointment", "personkey"):  # later revisions
        assert after.pop(later, []) == []
    # a later revision adds officer.login, empty, and the empty storekind table
    assert after.pop("storekind") == []
    assert {row[-1] for row in after["officer"]} == {None}
    after["officer"] = [row[:-1] for row in after["officer"]]
    # and phone.sms_consent_at (0010), empty: nobody has consented to texts yet
    assert {row[-1] for row in after["phone"]} == {None}
    after["phone"] = [row[:-1] for row in after["phone"]]
    assert after == before
    db = sqlite3.connect(path)
    assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    assert "ix_phone_person_id" not in names
    plan = db.execute(
        "EXPLAIN QUERY PLAN SELECT number FROM phone WHERE person_id = 'p'"
    ).fetchall()
    assert "INDEX sqlite_autoindex_phone_" in str(plan)


def test_revision_0004_downgrades_to_the_index_it_removed(tmp_path: Path) -> None:
    path = tmp_path / "drp.sqlite"
    open_store(path).engine.dispose()
    engine = sqlite_engine(path)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)
    engine.dispose()
    db = sqlite3.connect(path)
    assert db.execute(
        "SELECT sql FROM sqlite_master WHERE name = 'ix_phone_person_id'"
    ).fetchone() == ("CREATE INDEX ix_phone_person_id ON phone (person_id)",)
