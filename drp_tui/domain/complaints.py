"""Complaints about recovery: the council's stages (its own stage 1 and 2, then the Local
Government and Social Care Ombudsman), the reply each is owed within working days, and
whether recovery pauses while a complaint at that stage is open. The figures are a council's
policy (data/policy/complaints.toml)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from drp_tui.domain.dates import is_working_day
from drp_tui.domain.errors import PolicyError
from drp_tui.domain.policy import Dated, RowReader, in_force, read_rows

STAGES = ("stage_1", "stage_2", "ombudsman")
CHANNELS = ("phone", "letter", "email", "online", "in_person")
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "withdrawn")


@dataclass(frozen=True)
class ComplaintStage:
    dated: Dated
    stage: str
    name: str
    reply_working_days: int
    pauses_recovery: bool


@dataclass(frozen=True)
class ComplaintPolicy:
    stages: tuple[ComplaintStage, ...]

    def stage(self, stage: str, on: date) -> ComplaintStage:
        rows = (s for s in self.stages if s.stage == stage)
        return in_force(rows, on, table=f"complaints.toml [[stage]] {stage}")


def load_complaints(doc: Mapping[str, Any], path: str) -> ComplaintPolicy:
    def build(r: RowReader) -> ComplaintStage:
        stage = r.text("stage")
        if stage not in STAGES:
            raise r.fail(f"'stage' must be one of {', '.join(STAGES)}")
        return ComplaintStage(
            dated=r.dated(split_by_jurisdiction=False),
            stage=stage,
            name=r.text("name"),
            reply_working_days=r.whole("reply_working_days", 1),
            pauses_recovery=r.flag("pauses_recovery", False),
        )

    stages = read_rows(doc, "stage", path, build, group=lambda s: s.stage)
    missing = [s for s in STAGES if s not in {row.stage for row in stages}]
    if missing:
        raise PolicyError(path, f"no [[stage]] row for {', '.join(missing)}")
    return ComplaintPolicy(stages)


def reply_due(received: date, working_days: int, jurisdiction: str = "england") -> date:
    """The last day for the reply: `working_days` working days after the day received (that
    day not counted; weekends and the jurisdiction's bank holidays skipped)."""
    day, left = received, working_days
    while left:
        day = date.fromordinal(day.toordinal() + 1)
        if is_working_day(day, jurisdiction):
            left -= 1
    return day
