"""`drp sync` against a real hub: a SQLite file and a PostgreSQL database (each test runs on
both). Two officers' desks, a supervisor allocating on the hub, work recorded offline."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select, text

from drp_tui.services.calls import Outcome, make_promise, record_outcome
from drp_tui.services.caseview import case_view
from drp_tui.services.casework import Actor, add_note
from drp_tui.services.payments import record_payment
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Promise, SyncedEvent
from drp_tui.sync.schema import hub_change, hub_event, hub_refusal
from tests.callhelp import unverified_call, verified_call
from tests.hubteam import (
    NOW,
    SUPERVISOR,
    allocate,
    balance,
    case_id,
    case_officers,
    debt_id,
    desk,
    reference,
    run_sync,
    team_hub,
)


def actor(officer: str) -> Actor:
    return Actor(officer, clock=lambda: NOW)


def test_two_desks_and_a_hub_see_the_same_state_and_a_second_sync_moves_nothing(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    allocate(hub, 2, "asmith")
    allocate(hub, 3, "bjones")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")

    run_sync(alex, hub, "asmith")
    run_sync(bo, hub, "bjones")
    # Each desk holds its own cases only (the fourth is not allocated), and the team's officers.
    assert case_officers(alex) == {reference(1): "asmith", reference(2): "asmith"}
    assert case_officers(bo) == {reference(3): "bjones"}

    # Offline: Alex takes a payment and a promise on case 1; Bo records a call on case 3.
    record_payment(
        alex, actor("asmith"), debt_id=debt_id(1), amount=Decimal("120.00"), received_on=NOW.date()
    )
    promise = make_promise(
        alex,
        actor("asmith"),
        policy.holds,
        limits=policy.arrangements,
        case_id=case_id(1),
        call_id=verified_call(alex, actor("asmith"), case_id(1)),
        amount=Decimal("50.00"),
        due_on=date(2026, 12, 1),
    )
    record_outcome(
        bo,
        actor("bjones"),
        policy.holds,
        policy.outcomes,
        call_id=unverified_call(bo, actor("bjones"), case_id(3)),
        outcome=Outcome(code="NA", right_party=False),
        limits=policy.arrangements,
    )

    pushed = run_sync(alex, hub, "asmith")
    assert pushed.pushed_events == 4  # the payment; the call's opening, its ID&V, the promise
    assert pushed.pushed_rows >= 2  # the payment, the promise (and the instalment-free case)
    assert pushed.conflicts == []
    assert pushed.refused == 0
    run_sync(bo, hub, "bjones")

    # The hub took the payment off the balance once, holds every event, and the promise.
    assert balance(hub.as_store(), 1) == Decimal("380.00") == balance(alex, 1)
    with hub.as_store().read() as session:
        assert session.get(Promise, promise.id) is not None
    with hub.read() as connection:
        kinds = sorted(connection.execute(select(hub_event.c.kind)).scalars())
    assert kinds == [
        "case.viewed",  # each call's opening, both desks
        "case.viewed",
        "contact.recorded",
        "idv.recorded",
        "payment.recorded",
        "promise.made",
    ]

    # Alex leaves a note on case 2; the supervisor moves it to Bo: Bo gets it whole, with
    # Alex's note and the move in its history, and Alex sees it has gone.
    later = Actor("asmith", clock=lambda: NOW + timedelta(minutes=5))
    add_note(alex, later, case_id=case_id(2), text="Wants a call after 5pm")
    run_sync(alex, hub, "asmith")
    allocate(hub, 2, "bjones")
    run_sync(alex, hub, "asmith")
    moved = run_sync(bo, hub, "bjones")
    assert moved.pulled_changes >= 1
    assert case_officers(alex)[reference(2)] == "bjones"
    assert case_officers(bo) == {reference(2): "bjones", reference(3): "bjones"}
    assert balance(bo, 2) == Decimal("500.00")
    with bo.read() as session:
        seen = [(e.kind, e.case_id) for e in session.execute(select(SyncedEvent)).scalars()]
    assert ("queue.moved", case_id(2)) in seen
    call = verified_call(bo, actor("bjones"), case_id(2))  # the detail shows after ID&V
    history = [
        line
        for line in case_view(bo, policy, case_id(2), NOW.date(), call).history
        if line.kind != "idv.recorded"  # this call's own check
    ]
    assert [(line.officer, line.kind) for line in history] == [
        ("asmith", "note.added"),  # newest first, wherever it was recorded
        (SUPERVISOR, "queue.moved"),
        (SUPERVISOR, "queue.moved"),
    ]
    assert "Wants a call after 5pm" in history[0].detail
    run_sync(bo, hub, "bjones")  # that call's opening and ID&V

    for store, officer in ((alex, "asmith"), (bo, "bjones")):
        again = run_sync(store, hub, officer)
        assert (again.pushed_events, again.pushed_rows, again.pulled_changes) == (0, 0, 0)

    # Case 2 comes back to Alex, bringing its history from the hub: Alex's own note once.
    allocate(hub, 2, "asmith")
    run_sync(alex, hub, "asmith")
    kinds = [line.kind for line in case_view(alex, policy, case_id(2), NOW.date()).history]
    assert (kinds.count("note.added"), kinds.count("queue.moved")) == (1, 3)


def test_the_hub_refuses_work_on_a_case_never_allocated_to_the_officer(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    allocate(hub, 3, "bjones")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, hub, "asmith")
    run_sync(bo, hub, "bjones")
    # Alex's desk somehow writes on Bo's case (the case row copied into Alex's store).
    with bo.engine.connect() as source, alex.writer.begin() as target:
        for table in ("person", "case", "debt"):
            columns = [c[1] for c in source.exec_driver_sql(f'PRAGMA table_info("{table}")')]
            for row in source.exec_driver_sql(f'SELECT * FROM "{table}"'):
                marks = ", ".join("?" * len(columns))
                target.exec_driver_sql(
                    f'INSERT OR IGNORE INTO "{table}" VALUES ({marks})', tuple(row)
                )
    make_promise(
        alex,
        actor("asmith"),
        policy.holds,
        limits=policy.arrangements,
        case_id=case_id(3),
        call_id=verified_call(alex, actor("asmith"), case_id(3)),
        amount=Decimal("10.00"),
        due_on=date(2026, 12, 1),
    )
    result = run_sync(alex, hub, "asmith")
    assert result.refused == 4  # the call's three events (opened, ID&V, promise) and the row
    with alex.engine.connect() as local:
        assert local.execute(text("SELECT count(*) FROM outbox")).scalar() == 3
        assert local.execute(text("SELECT count(*) FROM rowchange")).scalar() == 1
    with hub.read() as connection:
        assert connection.execute(select(func.count()).select_from(hub_event)).scalar() == 0
        refusals = connection.execute(select(hub_refusal.c.officer_id, hub_refusal.c.case_id)).all()
    assert set(refusals) == {("asmith", case_id(3))}
    # Refused again on the next sync, and still recorded once per item.
    run_sync(alex, hub, "asmith")
    with hub.read() as connection:
        assert connection.execute(select(func.count()).select_from(hub_refusal)).scalar() == 4


def test_a_change_is_fed_once_per_real_change(hub_address: str) -> None:
    hub = team_hub(hub_address)
    with hub.read() as connection:
        before = connection.execute(select(func.count()).select_from(hub_change)).scalar()
    allocate(hub, 1, "asmith")
    allocate(hub, 1, "asmith")  # no change the second time, but a second event
    with hub.read() as connection:
        fed = connection.execute(
            select(hub_change.c.table_name, hub_change.c.moved_to).where(hub_change.c.seq > before)
        ).all()
    assert sorted(fed, key=str) == sorted(
        [("case", "asmith"), ("event", None), ("event", None)], key=str
    )


def test_the_capture_triggers_follow_the_list_of_replicated_tables() -> None:
    import importlib

    from drp_tui.sync.tables import EVENT_TABLES, PUSHED, TABLES

    store = importlib.import_module("drp_tui.store.migrations.versions.0002_sync_bookkeeping")
    links = importlib.import_module("drp_tui.store.migrations.versions.0003_arrangement_debts")
    consent = importlib.import_module("drp_tui.store.migrations.versions.0004_authority_consent")
    keys = importlib.import_module("drp_tui.store.migrations.versions.0011_person_keys")
    diary = importlib.import_module("drp_tui.store.migrations.versions.0013_diary_rows_sync")
    created = (store, links, consent, keys, diary)
    assert set().union(*(set(m.CREATED_HERE) for m in created)) == {
        t.name for t in PUSHED if t.created_on_desk
    }
    sms = importlib.import_module("drp_tui.store.migrations.versions.0012_sms_consent")
    changed = {
        **store.CHANGED_HERE,
        **consent.CHANGED_HERE,
        **sms.CHANGED_HERE,
        **diary.CHANGED_HERE,
    }
    assert {t.name: t.pushed for t in PUSHED if t.pushed} == changed
    hub = importlib.import_module("drp_tui.sync.migrations.versions.h001_hub")
    hub_links = importlib.import_module("drp_tui.sync.migrations.versions.h002_arrangement_debts")
    hub_consent = importlib.import_module("drp_tui.sync.migrations.versions.h003_authorities")
    hub_keys = importlib.import_module("drp_tui.sync.migrations.versions.h013_person_keys")
    hub_diary = importlib.import_module(
        "drp_tui.sync.migrations.versions.h017_complaints_appointments"
    )
    fed = {**hub.FED, **hub_links.FED, **hub_consent.FED, **hub_keys.FED, **hub_diary.FED}
    assert {
        t.name: t.pushed for t in PUSHED if t.name in hub_diary.PUSHED_COLUMNS
    } == hub_diary.PUSHED_COLUMNS
    assert set(fed) == {t.name for t in TABLES} | set(EVENT_TABLES)
    for table in TABLES:
        assert fed[table.name].format(row="n") == table.case_sql("n")


def test_clashes_are_kept_and_flagged_for_a_supervisor(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    from drp_tui.store.models import Arrangement
    from drp_tui.sync.status import open_conflicts

    hub = team_hub(hub_address)
    allocate(hub, 1, "asmith")
    alex, bo = desk(tmp_path, "alex"), desk(tmp_path, "bo")
    run_sync(alex, hub, "asmith")
    run_sync(bo, hub, "bjones")

    def arrange(store: Store, officer: str, arrangement_id: str) -> None:
        with store.write() as session:
            session.add(
                Arrangement(
                    id=arrangement_id,
                    case_id=case_id(1),
                    debt_id=debt_id(1),
                    officer_id=officer,
                    total=Decimal("500.00"),
                    frequency="monthly",
                    created_at=NOW,
                )
            )

    arrange(alex, "asmith", "arr-alex")  # offline, before the case moves
    allocate(hub, 1, "bjones")
    run_sync(bo, hub, "bjones")
    arrange(bo, "bjones", "arr-bo")
    assert run_sync(bo, hub, "bjones").conflicts == []

    late = run_sync(alex, hub, "asmith")
    flagged = {c.kind: c for c in open_conflicts(hub)}
    assert set(flagged) == {"two_live_arrangements", "worked_after_reallocation"}
    assert sorted(late.conflicts) == sorted(c.id for c in flagged.values())
    assert flagged["two_live_arrangements"].detail["arrangements"] == ["arr-alex", "arr-bo"]
    assert flagged["worked_after_reallocation"].case_reference == reference(1)
    # Both arrangements are kept: facts are never thrown away.
    with hub.as_store().read() as session:
        assert session.get(Arrangement, "arr-alex") is not None
        assert session.get(Arrangement, "arr-bo") is not None
    # Sending the same work again flags nothing new.
    assert run_sync(alex, hub, "asmith").conflicts == []
    assert len(open_conflicts(hub)) == 2


def test_a_store_made_into_a_hub_feeds_its_cases_to_each_desk(
    demo_store: Store, tmp_path: Path
) -> None:
    from drp_tui.sync.hub import hub_url, init_hub

    demo_store.engine.dispose()
    hub, _ = init_hub(hub_url(str(demo_store.path)))
    with hub.read() as connection:
        jamie = connection.execute(
            text("""SELECT count(*) FROM "case" WHERE officer_id = 'jmorgan'""")
        ).scalar_one()
    assert jamie > 0
    desk_store = desk(tmp_path, "jamie")
    run_sync(desk_store, hub, "jmorgan", batch=500)
    owners = case_officers(desk_store)
    assert len(owners) == jamie
    assert set(owners.values()) == {"jmorgan"}


def test_an_arrangement_over_two_debts_travels_with_its_links(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    from drp_tui.domain.schedule import build_schedule
    from drp_tui.services.arrangement_store import make_arrangement
    from drp_tui.store.models import Debt

    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(
            Debt(
                id="sundry-1",
                host_system="nga",
                host_ref="S1",
                case_id=case_id(1),
                debt_type="sundry",
                original_amount=Decimal("300.00"),
                balance=Decimal("300.00"),
                stage="reminder",
            )
        )
    allocate(hub, 1, "asmith")
    alex, alex_laptop = desk(tmp_path, "alex"), desk(tmp_path, "alex-laptop")
    run_sync(alex, hub, "asmith")
    run_sync(alex_laptop, hub, "asmith")
    schedule = build_schedule(
        policy.arrangements,
        total=Decimal("800.00"),
        frequency="monthly",
        first=date(2026, 12, 1),
        today=NOW.date(),
        count=8,
        council_tax_upto=Decimal("500.00"),
        override_reason="a long arrangement agreed with the team leader",
    )
    made = make_arrangement(
        alex,
        actor("asmith"),
        policy.holds,
        case_id=case_id(1),
        call_id=verified_call(alex, actor("asmith"), case_id(1)),
        debt_ids=[debt_id(1), "sundry-1"],
        schedule=schedule,
        frequency="monthly",
        apply_order=("council_tax",),
        override_reason="a long arrangement agreed with the team leader",
    )
    pushed = run_sync(alex, hub, "asmith")
    assert pushed.refused == 0
    expected = [(debt_id(1), 1, 50000), ("sundry-1", 2, 30000)]
    links = text(
        "SELECT debt_id, position, amount FROM arrangement_debt WHERE arrangement_id = :a "
        "ORDER BY position"
    )
    with hub.read() as connection:
        assert connection.execute(links, {"a": made.id}).all() == expected
    # The officer's other desk gets it from the feed; the next officer, with the case.
    run_sync(alex_laptop, hub, "asmith")
    allocate(hub, 1, "bjones")
    bo = desk(tmp_path, "bo")
    run_sync(bo, hub, "bjones")
    for store in (alex_laptop, bo):
        with store.engine.connect() as connection:
            assert connection.execute(links, {"a": made.id}).all() == expected
    # A payment on the sundry debt, on Bo's desk, pays the arrangement's first instalment.
    record_payment(
        bo, actor("bjones"), debt_id="sundry-1", amount=Decimal("100.00"), received_on=NOW.date()
    )
    with bo.engine.connect() as connection:
        paid = connection.execute(
            text("SELECT paid FROM instalment WHERE arrangement_id = :a AND number = 1"),
            {"a": made.id},
        ).scalar()
    assert paid == 10000
    again = run_sync(alex, hub, "asmith")
    assert again.refused == 0


def test_two_live_arrangements_covering_one_debt_are_flagged_whichever_debt_comes_first(
    hub_address: str, tmp_path: Path, policy: PolicyBook
) -> None:
    from drp_tui.domain.schedule import build_schedule
    from drp_tui.services.arrangement_store import make_arrangement
    from drp_tui.store.models import Debt
    from drp_tui.sync.status import open_conflicts

    hub = team_hub(hub_address)
    with hub.as_store().write() as session:
        session.add(
            Debt(
                id="sundry-1",
                host_system="nga",
                host_ref="S1",
                case_id=case_id(1),
                debt_type="sundry",
                original_amount=Decimal("300.00"),
                balance=Decimal("300.00"),
                stage="reminder",
            )
        )
    allocate(hub, 1, "asmith")
    desks = {"desk": desk(tmp_path, "alex"), "laptop": desk(tmp_path, "alex-laptop")}
    for store in desks.values():
        run_sync(store, hub, "asmith")

    def arrange(store: Store, debt_ids: list[str], total: str) -> str:
        schedule = build_schedule(
            policy.arrangements,
            total=Decimal(total),
            frequency="monthly",
            first=date(2026, 12, 1),
            today=NOW.date(),
            count=2,
        )
        return make_arrangement(
            store,
            actor("asmith"),
            policy.holds,
            case_id=case_id(1),
            call_id=verified_call(store, actor("asmith"), case_id(1)),
            debt_ids=debt_ids,
            schedule=schedule,
            frequency="monthly",
            apply_order=("council_tax",),
        ).id

    # Offline on each: one over council tax then the sundry debt, one over the sundry debt.
    both = arrange(desks["desk"], [debt_id(1), "sundry-1"], "800.00")
    sundry = arrange(desks["laptop"], ["sundry-1"], "300.00")
    run_sync(desks["desk"], hub, "asmith")
    late = run_sync(desks["laptop"], hub, "asmith")
    flagged = open_conflicts(hub)
    assert [c.kind for c in flagged] == ["two_live_arrangements"]
    assert flagged[0].detail == {"debt": "sundry-1", "arrangements": sorted([both, sundry])}
    assert late.conflicts == [flagged[0].id]
