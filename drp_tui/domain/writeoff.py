"""Write-off rules: reason codes, and approval limits by role (DOMAIN.md §12)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError, NotPermitted
from drp_tui.domain.money import Money
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

ROLES = ("officer", "supervisor", "manager", "s151")
# The facts a reason's evidence may be checked against, in what drp holds.
ON_RECORD_CHECKS = {
    "placement_returned": "the debt's return by its agency",
    "death_recorded": "the death recorded on the case",
}


def role_rank(role: str) -> int:
    return ROLES.index(role) if role in ROLES else 0


@dataclass(frozen=True)
class WriteOffReasons:
    dated: Dated
    codes: Mapping[str, str]
    evidence: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # code -> fields
    fields: Mapping[str, str] = field(default_factory=dict)  # evidence field -> its label
    date_fields: frozenset[str] = frozenset()
    on_record: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # code -> checks

    def evidence_for(self, code: str) -> list[tuple[str, str]]:
        """The evidence a request with reason `code` must give: (field, label)."""
        return [(key, self.fields[key]) for key in self.evidence.get(code, ())]

    def check_request(self, code: str, note: str, given: Mapping[str, str]) -> dict[str, str]:
        """A request's note and evidence (see `check_evidence`): the note is required."""
        if not note.strip():
            raise InputError("--note", "say what the evidence is and where it is kept")
        return self.check_evidence(code, given)

    def check_evidence(self, code: str, given: Mapping[str, str]) -> dict[str, str]:
        """The evidence for `code`, cleaned; InputError naming what is missing, unknown or
        not a date."""
        wanted = self.evidence.get(code, ())
        unknown = sorted(set(given) - set(wanted))
        if unknown:
            takes = ", ".join(wanted) or "no evidence fields"
            raise InputError(
                "--evidence", f"{', '.join(unknown)} is not evidence for {code} (it takes {takes})"
            )
        cleaned = {key: str(given.get(key, "")).strip() for key in wanted}
        missing = [key for key in wanted if not cleaned[key]]
        if missing:
            raise InputError(
                "--evidence",
                f"{code} needs " + "; ".join(f"{key} ({self.fields[key]})" for key in missing),
            )
        for key in wanted:
            if key in self.date_fields:
                cleaned[key] = parse_date(cleaned[key], key).isoformat()
        return cleaned


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

    def reasons_on(self, on: date) -> WriteOffReasons:
        return in_force(self.reasons, on)

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
        fields = r.row.get("fields", {})
        if not isinstance(fields, Mapping) or not all(
            isinstance(v, str) and v.strip() for v in fields.values()
        ):
            raise r.fail("[reasons.fields] must map each evidence field to what it is")
        evidence = r.get("evidence")
        if not isinstance(evidence, Mapping) or set(evidence) != set(codes):
            raise r.fail("[reasons.evidence] must list every reason code (with [] for none)")
        for code, needed in evidence.items():
            if not isinstance(needed, list) or not all(n in fields for n in needed):
                raise r.fail(
                    f"[reasons.evidence] {code} must list fields described in [reasons.fields]"
                )
        date_fields = frozenset(r.names("date_fields")) if "date_fields" in r.row else frozenset()
        if not date_fields <= set(fields):
            raise r.fail("date_fields must name fields described in [reasons.fields]")
        on_record = r.row.get("on_record", {})
        if not isinstance(on_record, Mapping):
            raise r.fail("[reasons.on_record] must map reason codes to checks")
        for code, checks in on_record.items():
            unknown = [c for c in checks if c not in ON_RECORD_CHECKS]
            if code not in codes or not isinstance(checks, list) or unknown:
                raise r.fail(
                    f"[reasons.on_record] {code}: {', '.join(map(str, unknown)) or checks!r} "
                    f"must be a reason code with a list of {', '.join(ON_RECORD_CHECKS)}"
                )
        return WriteOffReasons(
            r.dated(split_by_jurisdiction=False),
            {str(k): str(v) for k, v in codes.items()},
            {str(k): tuple(str(n) for n in v) for k, v in evidence.items()},
            {str(k): str(v) for k, v in fields.items()},
            date_fields,
            {str(k): tuple(str(c) for c in v) for k, v in on_record.items()},
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
