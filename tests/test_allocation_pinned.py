"""Allocation's results pinned as they were before its load path was made faster (issue 18):
for every strategy, with the bulk path (officer index dropped and built again) and without,
and for a rebalance lent until a day, the same cases go to the same officers, and the event's
plan digest, its seal and the store's assignment are exactly what they were. The demo store
has held cases, cases placed with agencies, vulnerable people, trained officers and cases
already on officers' queues."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from datetime import date

import pytest

from drp_tui.domain.queue import STRATEGIES, Strategy
from drp_tui.services import allocation
from drp_tui.services.casework import Actor
from drp_tui.services.policy import PolicyBook
from drp_tui.store import bulk
from drp_tui.store.engine import Store
from tests.conftest import DEMO_NOW


def outcome(store: Store, kind: str) -> dict[str, object]:
    """What the latest `kind` event recorded and what the store holds after it."""
    db = sqlite3.connect(store.path)
    event_id, payload = db.execute(
        "SELECT id, payload FROM event WHERE kind = ? ORDER BY seq DESC LIMIT 1", (kind,)
    ).fetchone()
    seals = db.execute(
        "SELECT kind, body FROM audit_seal WHERE event_id = ? ORDER BY kind", (event_id,)
    ).fetchall()
    cases = db.execute('SELECT id, officer_id FROM "case" ORDER BY id').fetchall()
    indexes = db.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'case' "
        "ORDER BY name"
    ).fetchall()
    db.close()
    found = json.loads(payload)
    return {
        "payload": hashlib.sha256(json.dumps(found, sort_keys=True).encode()).hexdigest(),
        "assignment_sha256": found["assignment_sha256"],
        "seals": [(k, hashlib.sha256(b.encode()).hexdigest()) for k, b in seals],
        "cases": hashlib.sha256(repr(cases).encode()).hexdigest(),
        "indexes": indexes,
    }


def unallocate(store: Store) -> None:
    """Two cases in three lose their officer; the rest stay and count towards loads."""
    db = sqlite3.connect(store.path)
    db.execute('UPDATE "case" SET officer_id = NULL WHERE rowid % 3 != 0')
    db.commit()
    db.close()


# Measured on this test's demo store with drp at 4589893, before the change.
INDEXES = [
    ("ix_case_hold_kind", 'CREATE INDEX ix_case_hold_kind ON "case" (hold_kind)'),
    ("ix_case_next_action_due", 'CREATE INDEX ix_case_next_action_due ON "case" (next_action_due)'),
    ("ix_case_officer_id", 'CREATE INDEX ix_case_officer_id ON "case" (officer_id)'),
    ("ix_case_status", 'CREATE INDEX ix_case_status ON "case" (status)'),
    ("sqlite_autoindex_case_1", None),
    ("sqlite_autoindex_case_2", None),
    ("sqlite_autoindex_case_3", None),
]
PINNED: dict[str, tuple[int, dict[str, tuple[int, int]], dict[str, object]]] = {
    "balanced": (
        141,
        {
            "akhan": (11, 3090),
            "dlewis": (9, 2396),
            "jmorgan": (21, 3754),
            "rpatel": (8, 1996),
            "soconnor": (59, 4248),
            "tbrennan": (33, 3628),
        },
        {
            "payload": "27b616eaf2dfcb599e2d342e0ad0dc2fd2e2958caf643a6be1a9d02a1002cbf2",
            "assignment_sha256": "49f98bf7fbe21517f8b49c8963f4a1aa8b187e6454662c0e1dc368312a481e4a",
            "seals": [
                ("case.officer", "8945e121e006d76f1f6f044d509754cc11a297df1d01284b5f6b79d14edc6710")
            ],
            "cases": "33d0f5e3e687724805ac810dda037441803b958de6ce621a58299694ffba7384",
            "indexes": INDEXES,
        },
    ),
    "round-robin": (
        141,
        {
            "akhan": (24, 3630),
            "dlewis": (24, 3314),
            "jmorgan": (24, 3198),
            "rpatel": (23, 3094),
            "soconnor": (23, 2982),
            "tbrennan": (23, 2894),
        },
        {
            "payload": "f9f1f453cae45b7b4b31cf0afbe665bc209adcf058a5a230734130ddf8e4a2db",
            "assignment_sha256": "aaf5d73f879e84316301547d3788ce9384557dabf552f335a5d4505f86bbdc63",
            "seals": [
                ("case.officer", "dfe7c6d8eaba32340a5bf55ea8912c103a4e8415b0046efc2c1a290fa42a9791")
            ],
            "cases": "d4c3b65d0e7a6a257bb3e62679f96e9ce3fea2a57e1339218894ae7683116974",
            "indexes": INDEXES,
        },
    ),
    "skills": (
        141,
        {
            "akhan": (29, 3060),
            "dlewis": (9, 2396),
            "jmorgan": (15, 3764),
            "rpatel": (30, 1972),
            "soconnor": (30, 4282),
            "tbrennan": (28, 3638),
        },
        {
            "payload": "817c51f90a55c1cc0faf6a8d0c5544d53f4c53dccc9d0d311d78e7599430ad1a",
            "assignment_sha256": "143b02640211c3b5db810b3fcb001ff91dd6ed855ab99d071ab8367200f19599",
            "seals": [
                ("case.officer", "f198dc084c2530ea7f25cc15c8d4bc711bf1267b4c6f895c806446eebd093058")
            ],
            "cases": "c75c001eb08bca59d16d80745d34d1c0f854001f9036c9c5a9dd2b7aee2dba04",
            "indexes": INDEXES,
        },
    ),
    "rebalance": (
        36,
        {"rpatel": (7, 1772), "soconnor": (29, 3170)},
        {
            "payload": "0453d52090bc300a58d28a275222d86b93af681d0220926f85884994322ee0e2",
            "assignment_sha256": "30b09e9c651c03cbe7de4f03ea07de4da83c53157153c3d27ca22a2b527b6514",
            "seals": [
                ("case.officer", "ea79b04e761e6dac6ca6ca592705554895a9eac2ca78989aa43896e9960f529c")
            ],
            "cases": "830a93ecf1418e45bba5eaebbb2204d58bf76f4c76c2000ecc79cc3390761e88",
            "indexes": INDEXES,
        },
    ),
}


@pytest.mark.parametrize("bulk_path", [False, True], ids=["row-by-row", "index-rebuilt"])
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_allocation_gives_the_same_cases_digest_and_seal_as_before(
    demo_store: Store,
    policy: PolicyBook,
    monkeypatch: pytest.MonkeyPatch,
    strategy: Strategy,
    bulk_path: bool,
) -> None:
    monkeypatch.setattr(bulk, "BULK_MIN_ROWS", 1 if bulk_path else 10**9)
    unallocate(demo_store)
    supervisor = Actor("psharma", clock=lambda: DEMO_NOW)
    plan = allocation.allocate_cases(demo_store, policy, supervisor, strategy=strategy)
    found = outcome(demo_store, "queue.allocated")
    assert (plan.cases, plan.per_officer, found) == PINNED[strategy]


def test_a_rebalance_lent_until_a_day_gives_the_same_cases_and_seal_as_before(
    demo_store: Store, policy: PolicyBook
) -> None:
    supervisor = Actor("psharma", clock=lambda: DEMO_NOW)
    plan = allocation.rebalance_absent(
        demo_store,
        policy,
        supervisor,
        absent="tbrennan",
        strategy="balanced",
        until=date(2030, 1, 1),
    )
    found = outcome(demo_store, "queue.rebalanced")
    assert (plan.cases, plan.per_officer, found) == PINNED["rebalance"]
