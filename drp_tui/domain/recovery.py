"""Debt types, their recovery stages, and which recovery routes are open for a debt.
DOMAIN.md §1 and decision 11."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from drp_tui.domain.errors import InputError, NoFigureError, PolicyError
from drp_tui.domain.money import Money
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

FIRST_STAGE = "first"

# Routes that hand a debt to an outside agency, and the kind of agency each needs.
REFERRAL_ROUTES = {
    "enforcement_agent": "enforcement_agent",
    "crar": "enforcement_agent",
    "collection_agency": "collection_agency",
}


@dataclass(frozen=True)
class DebtType:
    dated: Dated
    id: str
    name: str
    priority: bool
    stages: tuple[str, ...]
    non_payment: str


@dataclass(frozen=True)
class Route:
    dated: Dated
    id: str
    name: str
    debt_types: tuple[str, ...]
    from_stage: str
    min_balance: Money | None  # open at this balance or more
    max_concurrent: int | None
    calculator: str | None
    above_balance: Money | None = None  # open only at more than this balance


@dataclass(frozen=True)
class RecoveryPolicy:
    debt_types: tuple[DebtType, ...]
    routes: tuple[Route, ...]

    def debt_type(self, debt_type: str, on: date) -> DebtType:
        rows = [row for row in self.debt_types if row.id == debt_type]
        if not rows:
            known = ", ".join(sorted({row.id for row in self.debt_types}))
            raise InputError("debt type", f"{debt_type!r} is not a debt type; use one of {known}")
        try:
            return in_force(rows, on)
        except NoFigureError:
            raise NoFigureError(
                f"recovery.toml [[debt_type]]: {debt_type} has no row in force on {on.isoformat()}"
            ) from None

    @property
    def debt_type_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(row.id for row in self.debt_types))


def load_recovery(doc: Mapping[str, Any], path: str) -> RecoveryPolicy:
    def debt_type(r: RowReader) -> DebtType:
        stages = r.names("stages")
        if len(set(stages)) != len(stages):
            raise r.fail("stages repeat")
        return DebtType(
            r.dated(split_by_jurisdiction=False),
            r.text("id"),
            r.text("name"),
            r.flag("priority", False),
            stages,
            r.text("non_payment"),
        )

    types = read_rows(doc, "debt_type", path, debt_type, group=lambda t: t.id)
    stages_of = {t.id: t.stages for t in types}

    def route(r: RowReader) -> Route:
        debt_types = r.names("debt_types", tuple(stages_of))
        from_stage = r.text("from_stage")
        for name in debt_types:
            if from_stage != FIRST_STAGE and from_stage not in stages_of[name]:
                raise r.fail(f"from_stage {from_stage!r} is not a stage of {name}")
        max_concurrent = r.whole("max_concurrent", 1) if "max_concurrent" in r.row else None
        if "min_balance" in r.row and "above_balance" in r.row:
            raise r.fail("give min_balance (at least) or above_balance (more than), not both")
        return Route(
            dated=r.dated(),
            id=r.text("id"),
            name=r.text("name"),
            debt_types=debt_types,
            from_stage=from_stage,
            min_balance=r.money("min_balance") if "min_balance" in r.row else None,
            max_concurrent=max_concurrent,
            calculator=r.text("calculator") if "calculator" in r.row else None,
            above_balance=r.money("above_balance") if "above_balance" in r.row else None,
        )

    # Routes may share an id across debt types; rows clash only for the same id, debt type and
    # jurisdiction, which _check_route_overlap looks at type by type.
    routes = read_rows(doc, "route", path, route, group=lambda r: (r.id, r.debt_types))
    _check_route_overlap(routes, path)
    return RecoveryPolicy(types, routes)


def _check_route_overlap(routes: tuple[Route, ...], path: str) -> None:
    seen: dict[tuple[str, str, str], list[Dated]] = {}
    for number, route in enumerate(routes, start=1):
        for debt_type in route.debt_types:
            for jurisdiction in route.dated.jurisdictions:
                key = (route.id, debt_type, jurisdiction)
                for other in seen.get(key, []):
                    if _overlaps(other, route.dated):
                        raise PolicyError(
                            path,
                            f"route {route.id} for {debt_type} in "
                            f"{jurisdiction} is given twice for one period",
                            row=number,
                        )
                seen.setdefault(key, []).append(route.dated)


def _overlaps(a: Dated, b: Dated) -> bool:
    a_end = a.effective_to or date.max
    b_end = b.effective_to or date.max
    return a.effective_from <= b_end and b.effective_from <= a_end


@dataclass(frozen=True)
class RouteCheck:
    id: str
    name: str
    open: bool
    reason: str
    calculator: str | None
    note: str


def recovery_routes(
    policy: RecoveryPolicy,
    *,
    debt_type: str,
    stage: str,
    jurisdiction: str,
    balance: Money,
    on: date,
    running: Mapping[str, int] | None = None,
) -> list[RouteCheck]:
    """Every route listed for this debt type, each open or closed with the reason.

    `running` counts routes already in place on the debtor (for example two attachment orders),
    so a route with a concurrency limit closes when the limit is reached.
    """
    kind = policy.debt_type(debt_type, on)
    if stage not in kind.stages:
        raise InputError(
            "stage", f"{stage!r} is not a stage of {kind.name}; use one of {', '.join(kind.stages)}"
        )
    reached = kind.stages.index(stage)
    running = running or {}
    best: dict[str, tuple[tuple[bool, bool, bool], RouteCheck]] = {}
    for route in policy.routes:
        if debt_type not in route.debt_types:
            continue
        in_force_here = route.dated.covers(on, jurisdiction)
        check = _check(route, kind, reached, jurisdiction, balance, on, running, in_force_here)
        # Several rows can describe one route (by period or jurisdiction): an open one wins,
        # then one written for this jurisdiction, whose reason says most, then the one in
        # force on the day (a later threshold, not an ended one).
        rank = (check.open, jurisdiction in route.dated.jurisdictions, in_force_here)
        if route.id not in best or rank > best[route.id][0]:
            best[route.id] = (rank, check)
    return [check for _, check in best.values()]


def _check(
    route: Route,
    kind: DebtType,
    reached: int,
    jurisdiction: str,
    balance: Money,
    on: date,
    running: Mapping[str, int],
    in_force_here: bool,
) -> RouteCheck:
    def verdict(is_open: bool, reason: str) -> RouteCheck:
        return RouteCheck(route.id, route.name, is_open, reason, route.calculator, route.dated.note)

    if jurisdiction not in route.dated.jurisdictions:
        return verdict(False, f"not available in {jurisdiction.title()}")
    if not in_force_here:
        ended = route.dated.effective_to
        when = f"since {ended.isoformat()}" if ended and ended < on else "on this date"
        return verdict(False, f"not available in {jurisdiction.title()} {when}")
    if route.from_stage != FIRST_STAGE and reached < kind.stages.index(route.from_stage):
        return verdict(False, f"needs stage {route.from_stage.replace('_', ' ')}")
    if route.min_balance is not None and balance < route.min_balance:
        return verdict(False, f"balance under £{route.min_balance:,.2f}")
    if route.above_balance is not None and balance <= route.above_balance:
        return verdict(False, f"balance not over £{route.above_balance:,.2f}")
    if route.max_concurrent is not None and running.get(route.id, 0) >= route.max_concurrent:
        return verdict(False, f"already {route.max_concurrent} in place (the most allowed)")
    return verdict(True, "open")
