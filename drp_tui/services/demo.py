"""The demo portfolio: a deterministic, realistic store for training, trying drp and tests.

People and debts go in through the real importer (from a generated extract); thirty days of
officers' work go in through the real services, so every row has its event and the audit
chain is whole. The same seed gives the same people, debts, amounts and outcomes.
"""

from __future__ import annotations

import csv
import random
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.extract import GENERIC_COLUMNS
from drp_tui.services import allocation, casework, importer, queue
from drp_tui.services.casework import Actor
from drp_tui.services.demo_work import (
    AGENCIES,
    older_arrangements,
    place_some_debts,
    record_history,
)
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Agency, Case, Officer

SUPERVISOR = "psharma"
DEMO_OFFICER = "jmorgan"
# The demo replays about nine calls an officer a day; a target to match keeps reports sensible.
DEMO_CALL_TARGET = 12

OFFICERS = [  # id, name, role, team, skills
    (SUPERVISOR, "Priya Sharma", "supervisor", "Recovery", []),
    (DEMO_OFFICER, "Jamie Morgan", "officer", "Recovery", ["vulnerability"]),
    ("akhan", "Aisha Khan", "officer", "Recovery", []),
    ("dlewis", "Dafydd Lewis", "officer", "Recovery", []),
    ("soconnor", "Siobhan O'Connor", "officer", "Sundry", ["vulnerability"]),
    ("tbrennan", "Tom Brennan", "officer", "Sundry", []),
    ("rpatel", "Ravi Patel", "officer", "Sundry", []),
]
# debt type: (share of debts, typical balance range in pounds, stages weighted to the later)
DEBT_TYPES = {
    "council_tax": (0.50, (150, 2400)),
    "business_rates": (0.07, (800, 25000)),
    "hb_overpayment": (0.12, (200, 6000)),
    "sundry": (0.10, (60, 1500)),
    "commercial_rent": (0.04, (1200, 18000)),
    "parking": (0.10, (70, 400)),
    "former_tenant_arrears": (0.07, (300, 4500)),
}
VULNERABILITIES = [
    "mental health",
    "bereavement",
    "physical disability",
    "long-term illness",
    "low literacy",
    "financial hardship",
    "domestic abuse",
]


@dataclass(frozen=True)
class DemoSummary:
    people: int
    debts: int
    officers: int
    contacts: int
    promises: int
    arrangements: int
    payments: int
    placements: int
    events: int


def seeded_ids(rng: random.Random) -> Callable[[], str]:
    return lambda: str(uuid.UUID(int=rng.getrandbits(128), version=4))


def build_demo(
    store: Store,
    policy: PolicyBook,
    *,
    seed: int,
    people: int,
    now: datetime,
    progress: Callable[[str], None] | None = None,
) -> DemoSummary:
    rng = random.Random(seed)
    fake = Faker("en_GB")
    fake.seed_instance(seed)
    say = progress or (lambda _message: None)
    ids = seeded_ids(rng)
    supervisor = Actor(SUPERVISOR, clock=lambda: now, ids=ids)

    say("officers and agencies")
    with store.write() as session:
        for officer_id, name, role, team, skills in OFFICERS:
            session.add(
                Officer(
                    id=officer_id,
                    name=name,
                    role=role,
                    team=team,
                    skills=skills,
                    daily_call_target=DEMO_CALL_TARGET,
                )
            )
        for agency_id, name, kind in AGENCIES:
            session.add(Agency(id=agency_id, name=name, kind=kind))
        append_event(
            session,
            officer_id=SUPERVISOR,
            kind="demo.created",
            at=now,
            event_id=ids(),
            payload={"seed": seed, "people": people},
        )

    say(f"{people} people and their debts")
    stages_of = {t.id: t.stages for t in policy.recovery.debt_types}
    with tempfile.TemporaryDirectory() as folder:
        extract = Path(folder) / "demo-extract.csv"
        _write_extract(extract, rng, fake, people, now.date(), stages_of)
        result = importer.import_cases(
            store,
            extract,
            importer.read_mapping("generic", stages_of),
            stages_of,
            officer_id=SUPERVISOR,
            at=now,
        )
    assert result.committed, result.rejects[:5]

    say("vulnerabilities, Breathing Space, disputes")
    with store.read() as session:
        cases = session.execute(select(Case).order_by(col(Case.reference))).scalars().all()
        case_ids = [c.id for c in cases]
    _circumstances(store, supervisor, rng, case_ids, now)

    say("allocation")
    queue.rescore(store, policy, now)
    allocation.allocate_cases(store, policy, supervisor, strategy="skills")

    say("agency placements")
    place_some_debts(store, policy, supervisor, rng, now.date())

    say("older arrangements")
    older_arrangements(store, policy, rng, ids, now)

    say("thirty days of calls, promises, arrangements and payments")
    record_history(store, policy, rng, ids, now)
    queue.rescore(store, policy, now)
    with store.read() as session:
        connection = session.connection()
        total = {
            t: connection.exec_driver_sql(f'SELECT count(*) FROM "{t}"').scalar_one()
            for t in (
                "person",
                "debt",
                "officer",
                "contactattempt",
                "promise",
                "arrangement",
                "payment",
                "placement",
                "event",
            )
        }
    return DemoSummary(
        total["person"],
        total["debt"],
        total["officer"],
        total["contactattempt"],
        total["promise"],
        total["arrangement"],
        total["payment"],
        total["placement"],
        total["event"],
    )


def _pick_type(rng: random.Random) -> str:
    names = list(DEBT_TYPES)
    return rng.choices(names, weights=[DEBT_TYPES[n][0] for n in names])[0]


def _write_extract(
    path: Path,
    rng: random.Random,
    fake: Faker,
    people: int,
    today: date,
    stages_of: dict[str, tuple[str, ...]],
) -> None:
    """A generic-format extract: every debt type, stage and both jurisdictions; couples who
    share a council tax debt; Faker's UK names, addresses, postcodes and phone numbers."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(GENERIC_COLUMNS)
        previous: str | None = None
        dealt: dict[str, int] = {}  # debts of each type so far: the first go through every stage
        # Ages 19 to 88 on the demo's own day: Faker's date_of_birth counts from the real
        # clock, so the same seed would give other birthdays tomorrow.
        oldest, youngest = today - relativedelta(years=88), today - relativedelta(years=19)
        for number in range(1, people + 1):
            ref = f"DP{number:06d}"
            female = rng.random() < 0.5
            title = rng.choice(["Mrs", "Ms", "Miss"] if female else ["Mr", "Mr", "Dr"])
            forename = fake.first_name_female() if female else fake.first_name_male()
            street = fake.street_address().split("\n")
            line1, line2 = street[0], ", ".join(street[1:])
            wales = rng.random() < 0.12
            person = [
                ref,
                title,
                forename,
                fake.last_name(),
                fake.date_between_dates(oldest, youngest).isoformat(),
                f"{forename.lower()}.{number}@example.org" if rng.random() < 0.4 else "",
                line1,
                line2,
                fake.city(),
                fake.postcode(),
                fake.cellphone_number(),
                fake.phone_number() if rng.random() < 0.35 else "",
            ]
            joint = previous if previous and rng.random() < 0.05 else ""
            for debt_number in range(rng.choices([1, 2, 3], weights=[70, 22, 8])[0]):
                debt_type = "council_tax" if joint and debt_number == 0 else _pick_type(rng)
                dealt[debt_type] = dealt.get(debt_type, 0) + 1
                writer.writerow(
                    person
                    + _debt(
                        rng,
                        ref,
                        debt_number,
                        debt_type,
                        stages_of[debt_type],
                        today,
                        wales,
                        dealt[debt_type],
                    )
                    + [joint if debt_type == "council_tax" else ""]
                )
            previous = ref


_TYPE_CODES = {
    "council_tax": "CT",
    "business_rates": "NDR",
    "hb_overpayment": "HBO",
    "sundry": "SUN",
    "commercial_rent": "CRT",
    "parking": "PCN",
    "former_tenant_arrears": "FTA",
}


def _debt(
    rng: random.Random,
    person_ref: str,
    number: int,
    debt_type: str,
    stages: tuple[str, ...],
    today: date,
    wales: bool,
    nth_of_type: int,
) -> list[str]:
    low, high = DEBT_TYPES[debt_type][1]
    balance = Decimal(rng.randint(low * 100, high * 100)) / 100
    paid = Decimal(rng.randint(0, int(balance * 60))) / 100
    # The first debts of each type take every stage in turn; the rest lean to the middle.
    drawn = stages[min(int(rng.triangular(0, len(stages), len(stages) * 0.55)), len(stages) - 1)]
    stage = stages[nth_of_type - 1] if nth_of_type <= len(stages) else drawn
    stage_date = today - timedelta(days=rng.randint(5, 420))
    after_lo = "liability_order" in stages and stages.index(stage) >= stages.index(
        "liability_order"
    )
    costs = Decimal("0.00")
    if debt_type in ("council_tax", "business_rates") and stages.index(stage) >= stages.index(
        "summons"
    ):
        costs = Decimal("80.00") if debt_type == "council_tax" else Decimal("112.50")
    year = today.year - (1 if today.month < 4 else 0) - rng.choice([0, 0, 0, 1, 2])
    return [
        f"{_TYPE_CODES[debt_type]}-{person_ref[2:]}-{number + 1}",
        debt_type,
        f"{year}/{(year + 1) % 100:02d}",
        f"{balance + paid:.2f}",
        f"{balance:.2f}",
        f"{costs:.2f}",
        stage,
        stage_date.isoformat(),
        stage_date.isoformat() if after_lo else "",
        "wales" if wales else "england",
    ]


def _circumstances(
    store: Store, actor: Actor, rng: random.Random, case_ids: list[str], now: datetime
) -> None:
    today = now.date()
    for case_id in case_ids:
        roll = rng.random()
        if roll < 0.02:
            casework.record_breathing_space(
                store,
                actor,
                case_id=case_id,
                kind="breathing_space",
                start=today - timedelta(days=rng.randint(1, 50)),
                reference=f"BS{rng.randint(100000, 999999)}",
            )
        elif roll < 0.025:
            casework.record_breathing_space(
                store,
                actor,
                case_id=case_id,
                kind="mental_health_crisis",
                start=today - timedelta(days=rng.randint(1, 120)),
                reference=f"MHC{rng.randint(100000, 999999)}",
            )
        elif roll < 0.03:
            casework.record_death(
                store, actor, case_id=case_id, died_on=today - timedelta(days=rng.randint(5, 60))
            )
        elif roll < 0.04:
            casework.set_hold(
                store,
                actor,
                case_id=case_id,
                kind="dispute",
                reason=rng.choice(
                    [
                        "disputes liability dates",
                        "says the account was paid in full",
                        "appeal against the PCN pending",
                    ]
                ),
            )
        if rng.random() < 0.08:
            casework.record_vulnerability(
                store,
                actor,
                case_id=case_id,
                category=rng.choice(VULNERABILITIES),
                consent=True,
                notes="Disclosed on a call; agreed to it being recorded.",
                review_on=today + timedelta(days=rng.randint(30, 120)),
            )
