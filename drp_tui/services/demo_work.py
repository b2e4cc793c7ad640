"""The demo's thirty days of officers' work, through the real services so every row has its
event: calls and their outcomes, promises and arrangements (some older, some broken),
placements with agencies and their collections, payments falling due. services/demo.py builds
the people and debts, then calls these."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.dates import is_working_day
from drp_tui.domain.schedule import Frequency, build_schedule, promise_beyond_policy
from drp_tui.services import calls, monitoring, payments, placements
from drp_tui.services.arrangement_store import make_arrangement
from drp_tui.services.arrangements import apply_order
from drp_tui.services.casework import Actor, Refused
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Case, Debt, Phone, Placement, Vulnerability

DEMO_IDV = frozenset({"date_of_birth", "postcode"})  # the checks a demo call passes on
LONDON = ZoneInfo("Europe/London")
AGENCIES = [  # fictional firms
    ("marlowe", "Marlowe Enforcement Ltd", "enforcement_agent"),
    ("kestrel", "Kestrel Enforcement Services", "enforcement_agent"),
    ("brightwater", "Brightwater Collections", "collection_agency"),
    ("harbour", "Harbour Recovery Partners", "collection_agency"),
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


def record_history(
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


def place_some_debts(
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


def older_arrangements(
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
                payments.record_payment(
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
            payments.record_payment(
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
            payments.record_payment(
                store,
                actor,
                debt_id=debt_id,
                amount=Decimal(pence) / 100,
                received_on=day,
                reference=f"HOST{rng.randint(10**7, 10**8 - 1)}",
            )


def _source(agency_id: str) -> str:
    return next(kind for a, _, kind in AGENCIES if a == agency_id)
