"""What the debtor screen's action mixins (screens/debtor_actions.py, debtor_bookings.py) use
of DebtorScreen, declared once."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.screen import Screen

from drp_tui.services.calls import CallInfo
from drp_tui.services.caseview import CaseView
from drp_tui.services.casework import Refused
from drp_tui.services.workstation import Workstation

T = TypeVar("T")


class DebtorPart(Screen[str | None]):
    """Mixed into DebtorScreen, which gives what is declared here."""

    workstation: Workstation
    case_id: str
    view: CaseView | None
    call: CallInfo | None

    def change(
        self, job: Callable[[], object], what: str, done: str | Callable[[Any], str] = ""
    ) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def read(self, work: Callable[[], T], then: Callable[[T], None]) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def _refused_up_front(self, action: str) -> bool:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def _refused(self, refused: Refused) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def write(
        self,
        work: Callable[[], T],
        then: Callable[[T], None] | None = None,
        what: str = "",
        failed: Callable[[], None] | None = None,
    ) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into

    def reload(self, case_id: str) -> None:
        raise NotImplementedError  # given by DebtorScreen, which this is mixed into
