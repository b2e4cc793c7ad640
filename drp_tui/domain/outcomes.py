"""Call outcome codes (DOMAIN.md §13): what each code means and which fields it needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

OUTCOME_CLASSES = ("success", "reach", "fail")
OUTCOME_FIELDS = ("amount", "date", "callback_at", "phone", "reason")


@dataclass(frozen=True)
class OutcomeCode:
    dated: Dated
    code: str
    name: str
    outcome_class: str
    right_party: bool
    needs: tuple[str, ...]
    system: bool  # set by drp itself, not offered to officers


@dataclass(frozen=True)
class OutcomePolicy:
    codes: tuple[OutcomeCode, ...]

    def offered(self, on: date) -> list[OutcomeCode]:
        """Codes an officer may choose on `on`, in file order."""
        chosen: dict[str, OutcomeCode] = {}
        for code in self.codes:
            if code.code not in chosen and not code.system:
                rows = [c for c in self.codes if c.code == code.code]
                if any(c.dated.covers(on) for c in rows):
                    chosen[code.code] = in_force(rows, on)
        return list(chosen.values())


def load_outcomes(doc: Mapping[str, Any], path: str) -> OutcomePolicy:
    def build(r: RowReader) -> OutcomeCode:
        outcome_class = r.text("class")
        if outcome_class not in OUTCOME_CLASSES:
            raise r.fail(f"class must be one of {', '.join(OUTCOME_CLASSES)}")
        needs = r.names("needs", OUTCOME_FIELDS) if r.row.get("needs") else ()
        return OutcomeCode(
            r.dated(split_by_jurisdiction=False),
            r.text("code"),
            r.text("name"),
            outcome_class,
            r.flag("right_party", False),
            needs,
            r.flag("system", False),
        )

    return OutcomePolicy(read_rows(doc, "code", path, build, group=lambda c: c.code))
