"""Write-off rules: reason codes, and approval limits by role (DOMAIN.md §12)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from drp_tui.domain.errors import NotPermitted
from drp_tui.domain.money import Money
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

ROLES = ("officer", "supervisor", "manager", "s151")


def role_rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else 0


@dataclass(frozen=True)
class WriteOffReasons:
    dated: Dated
    codes: Mapping[str, str]


@dataclass(frozen=True)
class ApprovalLimit:
    dated: Dated
    role: str
    up_to: Money | None


@dataclass(frozen=True)
class WriteOffPolicy:
    reasons: tuple[WriteOffReasons, ...]
    limits: tuple[ApprovalLimit, ...]

    def reason_codes(self, on: date) -> Mapping[str, str]:
        return in_force(self.reasons, on).codes

    def check_approval(self, role: str, amount: Money, on: date) -> None:
        """Refuse unless `role` may approve a write-off of `amount`, saying who may."""
        limits = {lim.role: lim for lim in self.limits if lim.dated.covers(on)}
        own = limits.get(role)
        if own is not None and (own.up_to is None or amount <= own.up_to):
            return
        able = sorted(
            (lim for lim in limits.values() if lim.up_to is None or amount <= lim.up_to),
            key=lambda lim: role_rank(lim.role),
        )
        who = able[0].role if able else "nobody under the current scheme"
        limit = "" if own is None or own.up_to is None else f" (your limit is £{own.up_to:,.2f})"
        raise NotPermitted(f"a write-off of £{amount:,.2f} needs approval by a {who}{limit}")


def load_writeoff(doc: Mapping[str, Any], path: str) -> WriteOffPolicy:
    def reasons(r: RowReader) -> WriteOffReasons:
        codes = r.get("codes")
        if (
            not isinstance(codes, Mapping)
            or not codes
            or not all(isinstance(v, str) for v in codes.values())
        ):
            raise r.fail("[reasons.codes] must map each code to its description")
        return WriteOffReasons(
            r.dated(split_by_jurisdiction=False), {str(k): str(v) for k, v in codes.items()}
        )

    def limit(r: RowReader) -> ApprovalLimit:
        role = r.text("role")
        if role not in ROLES:
            raise r.fail(f"role must be one of {', '.join(ROLES)}")
        return ApprovalLimit(
            r.dated(split_by_jurisdiction=False),
            role,
            r.money("up_to") if "up_to" in r.row else None,
        )

    return WriteOffPolicy(
        read_rows(doc, "reasons", path, reasons),
        read_rows(doc, "approval_limit", path, limit, group=lambda x: x.role),
    )
