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
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from faker import Faker
from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.dates import is_working_day
from drp_tui.domain.extract import GENERIC_COLUMNS
from drp_tui.domain.schedule import Frequency, build_schedule, promise_beyond_policy
from drp_tui.services import allocation, calls, casework, importer, monitoring, placements, queue
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import apply_order
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Agency, Case, Debt, Officer, Phone, Placement, Vulnerability

DEMO_IDV = frozenset({"date_of_birth", "postcode"})  # the checks a demo call passes on
LONDON = ZoneInfo("Europe/London")
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
AGENCIES = [  # fictional firms
    ("marlowe", "Marlowe Enforcement Ltd", "enforcement_agent"),
    ("kestrel", "Kestrel Enforcement Services", "enforcement_agent"),
    ("brightwater", "Brightwater Collections", "collection_agency"),
    ("harbour", "Harbour Recovery Partners", "collection_agency"),
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
OUTCOMES = [  # code, weight, right party
    ("NA", 30, False),
    ("VM", 14, False),
    ("BUSY", 4, False),
    ("RPC", 8, True),
    ("PTP", 14, True),
    ("ARR", 9, True),
    ("CALLBACK", 6, True),
    ("REFUSED", 3, True),
    ("TPC", 5, False),
    ("WRONG", 3, False),
    ("ADVICE", 2, True),
    ("DISPUTE", 1, True),
    ("VULN", 1, True),
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
    _placements(store, policy, supervisor, rng, now.date())

    say("older arrangements")
    _older_arrangements(store, policy, rng, ids, now)

    say("thirty days of calls, promises, arrangements and payments")
    _history(store, policy, rng, ids, now)
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


def _history(
    store: Store, policy: PolicyBook, rng: random.Random, ids: Callable[[], str], now: datetime
) -> None:
    """Thirty days of work, day by day, through the services, then monitoring each day."""
    today = now.date()
    with store.read() as session:
        queues: dict[str, list[str]] = {}
        for officer_id, case_id in session.execute(
            select(col(Case.officer_id), col(Case.id))
            .where(col(Case.officer_id).is_not(None))
            .order_by(col(Case.reference))
        ):
            queues.setdefault(str(officer_id), []).append(case_id)
        phones = {p.person_id: p.id for p in session.execute(select(Phone)).scalars()}
        person_of = {c.id: c.person_id for c in session.execute(select(Case)).scalars()}
        debts: dict[str, list[Debt]] = {}
        for debt in session.execute(select(Debt).order_by(col(Debt.host_ref))).scalars():
            debts.setdefault(debt.case_id, []).append(debt)
    placed = _with_agencies(store)
    codes = [code for code, _, _ in OUTCOMES]
    weights = [weight for _, weight, _ in OUTCOMES]
    right_party = {code: rpc for code, _, rpc in OUTCOMES}
    for back in range(30, 0, -1):
        day = today - timedelta(days=back)
        if not is_working_day(day):
            continue
        for officer_id, officer_cases in sorted(queues.items()):
            clock_time = datetime.combine(day, time(9, 5), LONDON)
            callbacks = _callbacks_due(store, officer_id, day)
            others = [
                c
                for c in rng.sample(officer_cases, min(len(officer_cases), 9))
                if c not in callbacks
            ]
            for case_id in [*callbacks, *others][:12]:
                clock_time += timedelta(minutes=rng.randint(4, 25))
                moment = max(clock_time, callbacks.get(case_id, clock_time))

                actor = Actor(officer_id, clock=lambda m=moment: m, ids=ids)  # type: ignore[misc]
                code = rng.choices(codes, weights=weights)[0]
                # Debts with an agency are the agency's to collect: not asked for on a call.
                case_debts = [d for d in debts.get(case_id, []) if d.id not in placed]
                if not case_debts:
                    continue
                debt = max(case_debts, key=lambda d: d.balance)
                callback = (
                    moment + timedelta(days=rng.randint(1, 3), hours=rng.randint(0, 3))
                    if code == "CALLBACK"
                    else None
                )
                ended = moment + timedelta(minutes=rng.randint(1, 12))
                promised, due = None, None
                if code == "PTP":
                    promised = min(
                        debt.balance, Decimal(rng.choice([25, 40, 50, 75, 100, 150, 200]))
                    )
                    due = moment.date() + timedelta(days=rng.randint(1, 10))
                    if promised <= 0:
                        code, promised = "RPC", None  # nothing left to promise on this debt
                call = calls.open_call(store, actor, case_id, "queue")
                if right_party[code]:
                    calls.record_idv(store, actor, call_id=call.id, passed_checks=DEMO_IDV)
                if code == "ARR" and not _arrange(
                    store, policy, rng, actor, case_id, call.id, debt, moment
                ):
                    code = "RPC"  # talked it through, nothing agreed
                outcome = calls.Outcome(
                    code=code,
                    right_party=right_party[code],
                    amount=promised,
                    on=due,
                    callback_at=callback,
                    phone_id=phones.get(person_of[case_id]),
                    reason=_reason(policy, code, promised, due, moment),
                    notes=_note(code),
                    debt_id=debt.id,
                )
                try:
                    calls.record_outcome(
                        store,
                        actor,
                        policy.holds,
                        policy.outcomes,
                        call_id=call.id,
                        ended_at=ended,
                        outcome=outcome,
                        limits=policy.arrangements,
                    )
                except Refused:  # a promise on a held case is refused: the call ends anyway
                    calls.record_outcome(
                        store,
                        actor,
                        policy.holds,
                        policy.outcomes,
                        call_id=call.id,
                        ended_at=ended,
                        outcome=calls.Outcome("RPC", True, notes="On hold: no payment asked."),
                        limits=policy.arrangements,
                    )
        _payments_due(store, rng, ids, day)
        monitoring.check_arrangements(
            store,
            policy,
            Actor(
                "system",
                clock=lambda d=day: datetime.combine(  # type: ignore[misc]
                    d, time(23, 0), LONDON
                ),
                ids=ids,
            ),
            day,
        )


def _reason(
    policy: PolicyBook, code: str, promised: Decimal | None, due: date | None, moment: datetime
) -> str:
    if code == "DISPUTE":
        return "customer disputes the debt on the call"
    if (
        code == "PTP"
        and promised is not None
        and due is not None
        and promise_beyond_policy(policy.arrangements, promised, due, moment.date())
    ):
        return "clears what is left of the balance"
    return ""


def _with_agencies(store: Store) -> set[str]:
    with store.read() as session:
        return set(
            session.execute(
                select(col(Placement.debt_id)).where(col(Placement.status) == "open")
            ).scalars()
        )


def _placements(
    store: Store, policy: PolicyBook, actor: Actor, rng: random.Random, today: date
) -> None:
    """Debts with an enforcement agent are placed with one; some older sundry debts and
    former tenant arrears are with a collection agency. On a case with vulnerabilities the
    referral is confirmed, as an officer must."""
    with store.read() as session:
        debts = session.execute(select(Debt).order_by(col(Debt.host_ref))).scalars().all()
        vulnerable = set(
            session.execute(
                select(col(Case.id)).join(
                    Vulnerability, col(Vulnerability.person_id) == col(Case.person_id)
                )
            ).scalars()
        )
    for debt in debts:
        if debt.stage in ("enforcement_agent", "warrant_of_control", "crar_notice"):
            agency = rng.choice(["marlowe", "kestrel"])
        elif (
            debt.debt_type in ("sundry", "former_tenant_arrears", "hb_overpayment")
            and debt.stage in ("letter_of_claim", "final_notice")
            and rng.random() < 0.5
        ):
            agency = rng.choice(["brightwater", "harbour"])
        else:
            continue
        placed_on = min(today, (debt.stage_date or today) + timedelta(days=rng.randint(1, 20)))
        try:
            placements.place_with_agency(
                store,
                actor,
                policy.holds,
                debt_id=debt.id,
                agency_id=agency,
                placed_on=placed_on,
                confirmation="agency told of the vulnerability; it follows its own policy"
                if debt.case_id in vulnerable
                else "",
            )
        except Refused:
            continue
        if placed_on < today - timedelta(days=60) and rng.random() < 0.25:
            placements.return_placement(
                store,
                actor,
                debt_id=debt.id,
                agency_id=agency,
                returned_on=placed_on + timedelta(days=rng.randint(40, 58)),
                reason=rng.choice(
                    [
                        "nulla bona",
                        "gone away",
                        "no contact made",
                        "vulnerable: returned to council",
                    ]
                ),
            )


def _older_arrangements(
    store: Store, policy: PolicyBook, rng: random.Random, ids: Callable[[], str], now: datetime
) -> None:
    """Arrangements agreed two to five months ago, most instalments paid since, so that
    monitoring finds some completed, some breached and many still running."""
    with store.read() as session:
        candidates = session.execute(
            select(
                col(Case.id),
                col(Case.officer_id),
                col(Debt.id),
                col(Debt.balance),
                col(Debt.debt_type),
            )
            .join(Debt, col(Debt.case_id) == col(Case.id))
            .where(col(Case.officer_id).is_not(None), col(Case.hold_kind).is_(None))
            .order_by(col(Debt.host_ref))
        ).all()
    placed = _with_agencies(store)
    for case_id, officer_id, debt_id, balance, debt_type in candidates:
        if rng.random() > 0.06 or balance < Decimal("60") or debt_id in placed:
            continue
        made = datetime.combine(
            now.date() - timedelta(days=rng.randint(60, 150)), time(11, 0), LONDON
        )
        actor = Actor(str(officer_id), clock=lambda m=made: m, ids=ids)  # type: ignore[misc]
        count = rng.randint(3, 6)
        schedule = build_schedule(
            policy.arrangements,
            total=balance,
            frequency="monthly",
            first=made.date() + timedelta(days=7),
            today=made.date(),
            count=count,
            debt_type=debt_type,
            override_reason="demo: older arrangement",
        )
        if not schedule.possible or schedule.errors:
            continue
        call = calls.open_call(store, actor, case_id, "queue")
        calls.record_idv(store, actor, call_id=call.id, passed_checks=DEMO_IDV)
        try:
            make_arrangement(
                store,
                actor,
                policy.holds,
                case_id=case_id,
                call_id=call.id,
                debt_ids=[debt_id],
                schedule=schedule,
                frequency="monthly",
                apply_order=apply_order(policy, made.date()),
            )
            code = "ARR"
        except Refused:
            code = "RPC"
        calls.record_outcome(
            store,
            actor,
            policy.holds,
            policy.outcomes,
            call_id=call.id,
            outcome=calls.Outcome(code, True, notes=_note(code)),
            limits=policy.arrangements,
        )
        if code != "ARR":
            continue
        reliable = rng.random() < 0.6
        for instalment in schedule.instalments:
            if instalment.due >= now.date() - timedelta(days=30):
                break  # the thirty days of history pay what falls due from here on
            if reliable or rng.random() < 0.5:
                payer = Actor(
                    "system",
                    clock=lambda d=instalment.due: datetime.combine(  # type: ignore[misc]
                        d, time(6, 0), LONDON
                    ),
                    ids=ids,
                )
                casework.record_payment(
                    store,
                    payer,
                    debt_id=debt_id,
                    amount=instalment.amount,
                    received_on=instalment.due,
                    reference=f"HOST{rng.randint(10**7, 10**8 - 1)}",
                )
    first_day = now.date() - timedelta(days=31)
    monitoring.check_arrangements(
        store,
        policy,
        Actor("system", clock=lambda: datetime.combine(first_day, time(23, 0), LONDON), ids=ids),
        first_day,
    )


def _callbacks_due(store: Store, officer_id: str, day: date) -> dict[str, datetime]:
    """The officer's callbacks due by the end of `day`, earliest first."""
    end = datetime.combine(day, time(20, 0), LONDON)
    with store.read() as session:
        rows = session.execute(
            select(col(Case.id), col(Case.next_action_due))
            .where(col(Case.officer_id) == officer_id, col(Case.next_action_due) <= end)
            .order_by(col(Case.next_action_due))
        ).all()
    return {case_id: due for case_id, due in rows if due is not None}


def _note(code: str) -> str:
    return {
        "NA": "No answer.",
        "VM": "Voicemail: asked for a call back, no details left.",
        "RPC": "Spoke to the customer; explained the balance and next steps.",
        "PTP": "Promise to pay agreed.",
        "ARR": "Payment arrangement agreed and confirmed.",
        "CALLBACK": "Customer asked to be called back.",
        "REFUSED": "Refused to pay.",
        "TPC": "Third party answered; no details disclosed.",
        "WRONG": "Wrong number.",
        "ADVICE": "Referred to free debt advice.",
        "DISPUTE": "Customer disputes the debt.",
        "VULN": "Customer disclosed a vulnerability.",
        "BUSY": "Line busy.",
    }.get(code, "")


def _arrange(
    store: Store,
    policy: PolicyBook,
    rng: random.Random,
    actor: Actor,
    case_id: str,
    call_id: str,
    debt: Debt,
    moment: datetime,
) -> bool:
    """The arrangement agreed on an ARR call; False if none could be made."""
    if debt.balance <= Decimal("20"):
        return False
    frequency: Frequency = rng.choice(["monthly", "monthly", "fortnightly"])
    schedule = build_schedule(
        policy.arrangements,
        total=debt.balance,
        frequency=frequency,
        first=moment.date() + timedelta(days=rng.randint(3, 14)),
        today=moment.date(),
        count=rng.randint(3, 10),
        debt_type=debt.debt_type,
        override_reason="demo: agreed affordable amount",
    )
    if not schedule.possible or schedule.errors:
        return False
    try:
        make_arrangement(
            store,
            actor,
            policy.holds,
            case_id=case_id,
            call_id=call_id,
            debt_ids=[debt.id],
            schedule=schedule,
            frequency=frequency,
            apply_order=apply_order(policy, moment.date()),
            override_reason=None,
        )
    except Refused:
        return False
    return True


def _payments_due(store: Store, rng: random.Random, ids: Callable[[], str], day: date) -> None:
    """Host payments landing today: most promises and instalments due today are paid."""
    with store.read() as session:
        connection = session.connection()
        due = connection.exec_driver_sql(
            "SELECT p.debt_id, p.amount FROM promise p WHERE p.due_on = ? AND p.debt_id IS NOT "
            "NULL UNION ALL SELECT a.debt_id, i.amount FROM instalment i JOIN arrangement a ON "
            "a.id = i.arrangement_id WHERE i.due_on = ? AND a.status = 'live' AND a.debt_id IS "
            "NOT NULL",
            (day.isoformat(), day.isoformat()),
        ).fetchall()
        placed = connection.exec_driver_sql(
            "SELECT p.debt_id, p.agency_id, d.balance FROM placement p JOIN debt d ON d.id = "
            "p.debt_id WHERE p.status = 'open' AND d.balance > 0 ORDER BY p.debt_id"
        ).fetchall()
    actor = Actor("system", clock=lambda: datetime.combine(day, time(6, 0), LONDON), ids=ids)
    for debt_id, agency_id, pence in placed:
        if rng.random() < 0.02:  # an agency remits a part payment now and then
            amount = min(Decimal(pence) / 100, Decimal(rng.choice([20, 35, 50, 100])))
            casework.record_payment(
                store,
                actor,
                debt_id=debt_id,
                amount=amount,
                received_on=day,
                source=_source(agency_id),
                agency_id=agency_id,
                reference=f"REM{rng.randint(10**6, 10**7 - 1)}",
            )
    for debt_id, pence in due:
        if rng.random() < 0.72:
            casework.record_payment(
                store,
                actor,
                debt_id=debt_id,
                amount=Decimal(pence) / 100,
                received_on=day,
                reference=f"HOST{rng.randint(10**7, 10**8 - 1)}",
            )


def _source(agency_id: str) -> str:
    return next(kind for a, _, kind in AGENCIES if a == agency_id)
