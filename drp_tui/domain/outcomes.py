"""Call outcome codes (DOMAIN.md §13): what each code means and which fields it needs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from drp_tui.domain.holds import ACTIONS as HOLD_ACTIONS
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

OUTCOME_CLASSES = ("success", "reach", "fail")
OUTCOME_FIELDS = ("amount", "date", "callback_at", "phone", "reason")
# What recording a code does beyond the contact attempt, and the form fields each needs.
OUTCOME_EFFECTS: Mapping[str, tuple[str, ...]] = {
    "promise": ("amount", "date"),
    "phone_wrong": ("phone",),
    "phone_disconnected": ("phone",),
    "dispute_hold": ("reason",),
    "breathing_space": ("date",),
    "deceased": (),
    "keeps_callback": (),  # the call never happened (abandoned): a due callback stays due
}
# The ID&V a code needs on the call: "passed" (a right-party conversation about the debt),
# "failed" (the code records that the check failed) or "none" (the code records that no one
# was spoken to, so no check may have been recorded).
IDV_NEEDS = ("passed", "failed", "none")
# What a code may require to have happened on the call before it is recorded.
OUTCOME_REQUIRES = ("arrangement",)


@dataclass(frozen=True)
class OutcomeCode:
    dated: Dated
    code: str
    name: str
    outcome_class: str
    right_party: bool
    needs: tuple[str, ...]
    system: bool  # set by drp itself, not offered to officers
    idv: str | None = None  # the ID&V result the call must have, if any
    effects: tuple[str, ...] = ()
    refused_on_hold: str | None = None  # the hold action (holds.ACTIONS) the code amounts to
    requires: str | None = None  # what must have been done on the call (OUTCOME_REQUIRES)


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

    def code(self, code: str, on: date) -> OutcomeCode:
        """The code in force on `on` (NoFigureError if there is none)."""
        return in_force([c for c in self.codes if c.code == code], on)


def load_outcomes(doc: Mapping[str, Any], path: str) -> OutcomePolicy:
    def build(r: RowReader) -> OutcomeCode:
        outcome_class = r.text("class")
        if outcome_class not in OUTCOME_CLASSES:
            raise r.fail(f"class must be one of {', '.join(OUTCOME_CLASSES)}")
        needs = r.names("needs", OUTCOME_FIELDS) if r.row.get("needs") else ()
        effects = r.names("effects", tuple(OUTCOME_EFFECTS)) if r.row.get("effects") else ()
        for effect in effects:
            missing = [f for f in OUTCOME_EFFECTS[effect] if f not in needs]
            if missing:
                raise r.fail(f"effect {effect!r} needs {', '.join(missing)} in 'needs'")
        idv = r.text("idv") if "idv" in r.row else None
        if idv is not None and idv not in IDV_NEEDS:
            raise r.fail(f"idv must be one of {', '.join(IDV_NEEDS)}")
        refused_on_hold = r.text("refused_on_hold") if "refused_on_hold" in r.row else None
        if refused_on_hold is not None and refused_on_hold not in HOLD_ACTIONS:
            raise r.fail(f"refused_on_hold must be one of {', '.join(HOLD_ACTIONS)}")
        requires = r.text("requires") if "requires" in r.row else None
        if requires is not None and requires not in OUTCOME_REQUIRES:
            raise r.fail(f"requires must be one of {', '.join(OUTCOME_REQUIRES)}")
        right_party = r.flag("right_party", False)
        if right_party and idv is None:
            raise r.fail("a right-party code must say the ID&V it needs ('idv')")
        return OutcomeCode(
            r.dated(split_by_jurisdiction=False),
            r.text("code"),
            r.text("name"),
            outcome_class,
            right_party,
            needs,
            r.flag("system", False),
            idv,
            effects,
            refused_on_hold,
            requires,
        )

    return OutcomePolicy(read_rows(doc, "code", path, build, group=lambda c: c.code))
