"""An allocation's plan, digest and seal are made as text in C (services/allocation_plans.py):
they must be exactly the text the plain Python forms give (`repr` of the (rowid, officer)
pairs, `seals.json_object` of the pairs), for logins and ids that need escaping too."""

from __future__ import annotations

import hashlib
import json
import random
import sqlite3
from pathlib import Path

import pytest

from drp_tui.services import allocation, audit
from drp_tui.services.allocation_plans import plan_json, plan_repr, seal_text
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import open_store
from drp_tui.store.seals import json_object
from tests.test_allocation_bulk import NOW, make_store

LOGINS = [
    ["o0", "o1", "o2"],
    ["it's", 'say "hi"', "back\\slash", "tab\there", "café", "o'\"\\"],
]


@pytest.mark.parametrize("officers", LOGINS)
def test_the_plan_texts_are_what_repr_and_json_object_give(officers: list[str]) -> None:
    rng = random.Random(18)
    for cases in (0, 1, 2, 57):
        keys = sorted(rng.sample(range(1, 10**7), cases))
        texts = list(map(str, keys))
        positions = [rng.randrange(len(officers)) for _ in keys]
        given = [officers[n] for n in positions]
        ids = [f"c{k}" if k % 3 else f'c"{k}\\' for k in keys]
        assert plan_repr(texts, positions, officers) == repr(list(zip(keys, given, strict=True)))
        assert plan_json(texts, given, positions, officers) == json_object(
            list(zip(texts, given, strict=True))
        )
        plain_ids = [f"c{k}" for k in keys]
        for some, plain in ((plain_ids, True), (ids, not any('"' in i for i in ids))):
            made = seal_text(some, given, positions, officers, plain)
            assert made == json_object(list(zip(some, given, strict=True)))
            assert json.loads(made) == dict(zip(some, given, strict=True))


def test_ids_and_logins_that_need_escaping_are_sealed_and_verified(
    tmp_path: Path, policy: PolicyBook
) -> None:
    path = tmp_path / "drp.sqlite"
    make_store(path)
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("UPDATE officer SET id = 'o\"1' WHERE id = 'o1'")
    db.execute("""UPDATE "case" SET id = 'c"007\\' WHERE id = 'c007'""")
    db.commit()
    db.close()
    store = open_store(path)
    plan = allocation.allocate_cases(
        store, policy, Actor("sup", clock=lambda: NOW), strategy="balanced"
    )
    assert plan.committed
    assert plan.cases == 60
    db = sqlite3.connect(path)
    pairs = db.execute('SELECT id, officer_id FROM "case" ORDER BY rowid').fetchall()
    rowids = db.execute('SELECT rowid, officer_id FROM "case" ORDER BY rowid').fetchall()
    (body,) = db.execute("SELECT body FROM audit_seal").fetchone()
    (payload,) = db.execute("SELECT payload FROM event WHERE kind = 'queue.allocated'").fetchone()
    db.close()
    assert 'o"1' in {officer for _, officer in pairs}
    assert body == json_object(pairs)
    sealed = json.loads(payload)["seals"]["case.officer"]
    assert sealed == {"rows": 60, "sha256": hashlib.sha256(body.encode()).hexdigest()}
    digest = hashlib.sha256(repr(rowids).encode()).hexdigest()
    assert json.loads(payload)["assignment_sha256"] == digest
    assert audit.verify_all(store).intact
    store.engine.dispose()
