"""The debtor screen: one case during a call. Account detail stays masked until ID&V passes;
holds are shown first; the script and the routes open for each debt are beside the debts."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.services.arrangements import ArrangementPreview, ArrangementRequest
from drp_tui.services.calls import CallInfo, Outcome
from drp_tui.services.caseview import CaseView
from drp_tui.services.casework import Refused
from drp_tui.services.workstation import Workstation
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal, ArrangementPlan
from screens.debtor_actions import CaseActions
from screens.debtor_bookings import CaseBookings
from screens.debtor_view import (
    DEBT_COLUMNS,
    NEXT_OPENING,
    debt_cells,
    header_content,
    holds_content,
    more_keys_content,
    person_content,
    routes_content,
    script_content,
    vulnerability_content,
)
from screens.history import HistoryBox, HistoryLineDialog
from screens.jobs import RunsJobs, Says, after_jobs
from screens.kept import KeptStyles
from screens.keyorder import KeysFree
from screens.outcome import OutcomeModal
from screens.widgets import KeysFooter


class DebtorScreen(RunsJobs, CaseActions, CaseBookings, KeptStyles):
    CSS_PATH = "debtor.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("i", "idv", "ID&V", id="debtor.idv", tooltip="Record identity checks"),
        Binding(
            "a",
            "affordability",
            "Affordability",
            id="debtor.affordability",
            tooltip="Standard Financial Statement",
        ),
        Binding(
            "r",
            "arrangement",
            "Arrangement",
            id="debtor.arrangement",
            tooltip="Build a payment arrangement",
        ),
        Binding("o", "outcome", "Outcome", id="debtor.outcome", tooltip="Record the call"),
        Binding("n", "next", "Next case", id="debtor.next", show=False),
        Binding("p", "promise", "Promise", id="debtor.promise", show=False),
        Binding("t", "note", "Note", id="debtor.note", show=False),
        Binding("m", "phone", "Mark phone", id="debtor.phone", show=False),
        Binding("e", "refer", "Refer", id="debtor.refer", show=False, tooltip="Refer to an agency"),
        Binding("w", "writeoff", "Write-off", id="debtor.writeoff", show=False),
        Binding("g", "authority", "Third party authority", id="debtor.authority", show=False),
        Binding("l", "letter", "Letter", id="debtor.letter", show=False),
        Binding("c", "complaint", "Complaint", id="debtor.complaint", show=False),
        Binding("b", "appointment", "Appointment", id="debtor.appointment", show=False),
        Binding("R", "reinstate", "Reinstate", id="debtor.reinstate", show=False),
        Binding("s", "sms_consent", "SMS consent", id="debtor.sms_consent", show=False),
        Binding("escape", "leave", "Queue", id="debtor.back"),
    ]
    LEAVE_PROMPT = (
        "[b]Record the outcome before leaving this call[/b]: something was recorded on it."
    )

    class Loaded(Message):
        def __init__(self, view: CaseView) -> None:
            super().__init__()
            self.view = view

    def __init__(
        self, workstation: Workstation, case_id: str, reason: str, view: CaseView | None = None
    ) -> None:
        """`view` is the case already opened (its opening audited) by the caller, so the
        screen's first paint shows it; without it the screen opens the case itself."""
        super().__init__()
        self.workstation = workstation
        self.affordability: AffordabilityScreen | None = None
        self.builder: ArrangementModal | None = None
        # Opens the next case on this screen (reopen), so the old queue is not shown between.
        self.on_next: Callable[[str], None] | None = None
        self._begin(case_id, reason, view)

    def _begin(self, case_id: str, reason: str, view: CaseView | None) -> None:
        self.case_id = case_id
        self.reason = reason
        self.opened = view
        self.view: CaseView | None = None
        self.call: CallInfo | None = None if view is None else view.call
        self.opened_at: datetime = (
            self.workstation.clock() if self.call is None else self.call.opened_at
        )
        self.recorded = False
        self.pending.actions.clear()  # keys that waited for the last case's writes
        self.then: str | None = "next"  # where to go once the outcome is saved
        self.saving = False  # the outcome is being saved: leaving waits for it
        self.leaving: tuple[str | None] | None = None  # (where to), once nothing is over it
        self.draft_told: dict[str, Any] | None = None  # the unsaved statement warned of
        self.awaiting_next = False  # finished: the next case is opening on this screen

    def showing(self) -> Hashable:
        """The case on screen: a read begun for another is dropped (RunsJobs)."""
        return self.case_id

    @property
    def on_call(self) -> bool:
        """A call is open on this screen (every opening of a case is a call)."""
        return not self.recorded

    def reopen(self, case_id: str, reason: str, view: CaseView) -> None:
        """Take the next case on this screen, kept installed so a case opens without
        building and styling the screen again. Everything shown is replaced here, before
        the screen is drawn; late results for the previous case are dropped (`show`)."""
        self._begin(case_id, reason, view)
        self.app.clear_notifications()  # nothing said about the last call shows on this one
        if self.is_mounted:
            self.show_case(view)
            self.query_one("#right", VerticalScroll).scroll_home(animate=False)
            self.query_one("#debts", DataTable).focus()

    def compose(self) -> ComposeResult:
        yield Static("Opening the case…", id="case-header")
        yield Static("", id="holds")
        with Horizontal(id="body"):
            with Vertical(id="left"):
                yield DataTable(id="debts", cursor_type="row")
                yield HistoryBox(id="history")  # Enter on a line shows it whole
            with VerticalScroll(id="right"):
                yield Static("", id="person")
                yield Static("", id="vulnerability")
                yield Static("", id="script")
                yield Static("", id="routes")
        yield Static("", id="more-keys")  # the keys the footer has no room for, and ◆
        yield KeysFooter(show_command_palette=False)  # 80 columns: F1 help names Ctrl+P

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Not styled again (KeptStyles); a leave asked for under a dialog goes on."""
        if self.leaving is not None:  # a failure shown over this screen was closed
            (then,) = self.leaving
            self.call_after_refresh(self.finish, then)

    def finish(self, then: str | None) -> None:
        """Leave the call for `then`, once nothing is over this screen: a dismiss from under
        a dialog (a failure reported meanwhile) would close the dialog instead."""
        if self.app.screen is not self:
            self.leaving = (then,)
            return
        self.leaving = None
        if then == "next" and self.on_next is not None:
            self.awaiting_next = True  # the keys typed meanwhile wait for it (holds_keys)
            self.query_one("#case-header", Static).update(NEXT_OPENING, layout=False)
            self.on_next(self.case_id)
        else:
            self.awaiting_next = False  # left while the next case opens: the queue withdraws it
            self.dismiss(then)

    def back_to_queue(self) -> None:
        """No next case opened here (none is callable, or opening it failed): the queue."""
        if self.awaiting_next:
            self.awaiting_next = False
            self.finish(None)

    def on_resize(self) -> None:
        keymap: dict[str, str] = getattr(self.app, "keymap", {})
        keys = {
            b.id: keymap.get(b.id, b.key) for b in self.BINDINGS if isinstance(b, Binding) and b.id
        }
        line = more_keys_content(keys, self.size.width - 2)
        self.query_one("#more-keys", Static).update(line)

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        if self.opened is None:
            self.open_case(self.case_id, self.reason)
        else:
            self.show_case(self.opened)

    def open_case(self, case_id: str, reason: str) -> None:
        """A new call on the case (a write: its opening is audited), then the case shown."""
        job = partial(self.workstation.open_case, case_id, reason)
        self.write(job, self.show_view, "the opening of the case")

    def reload(self, case_id: str) -> None:
        """Read the case again as this screen's call sees it."""
        call_id = None if self.call is None else self.call.id
        self.read(partial(self.workstation.case, case_id, call_id), self.show_view)

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        self.show_view(message.view)

    def show_view(self, view: CaseView) -> None:
        """Show the case as read, unless it is a late read of the previous case (or of an
        earlier call on it) or nothing has changed."""
        if view.case_id != self.case_id or view == self.view:
            return
        if self.call is not None and (view.call is None or view.call.id != self.call.id):
            return
        self.show_case(view)

    def show_case(self, view: CaseView) -> None:
        self.view = view
        if view.call is not None:
            self.call, self.opened_at = view.call, view.call.opened_at
        self.refresh_bindings()  # i is not offered on a call cut off (CaseActions)
        shown = view.verified
        self._header()
        holds = self.query_one("#holds", Static)
        holds.display = bool(view.holds)
        holds.update(holds_content(view))
        self.query_one("#person", Static).update(person_content(view, shown))
        self._debts(view, shown)
        self.query_one("#history", HistoryBox).show(view)
        vulnerable = self.query_one("#vulnerability", Static)
        vulnerable.display = bool(view.vulnerabilities)
        vulnerable.update(vulnerability_content(view))
        self.query_one("#script", Static).update(script_content(view))
        self._routes(view, shown)

    def _tick(self) -> None:
        # Not while put away or under a full screen (the affordability form): its drawing
        # would cost that screen a redraw each second for a header nobody can see.
        # Nor as the app closes: the stack is empty while this kept screen's clock still ticks.
        stack = self.app.screen_stack
        if stack and (stack[-1] is self or isinstance(stack[-1], ModalScreen)):
            self._header()

    def _header(self) -> None:
        if self.view is None or self.awaiting_next:  # the call is over: says so till the next
            return
        elapsed = int((self.workstation.clock() - self.opened_at).total_seconds())
        self.query_one("#case-header", Static).update(
            header_content(self.view, elapsed),
            layout=False,  # one line, fixed in the CSS: the clock's tick redraws only it
        )

    def _debts(self, view: CaseView, shown: bool) -> None:
        table = self.query_one("#debts", DataTable)
        table.clear(columns=True)
        # Fixed widths: auto widths are measured on an idle pass after the rows land, and a
        # screen drawn before it (a snapshot, a fast key) showed header-wide columns.
        for label, width in DEBT_COLUMNS:
            table.add_column(label, width=width)
        for debt in view.debts:
            table.add_row(*debt_cells(debt, shown), key=debt.id)

    @on(HistoryBox.Open)
    def history_line(self, message: HistoryBox.Open) -> None:
        self.app.push_screen(HistoryLineDialog(message.line))

    def _routes(self, view: CaseView, shown: bool) -> None:
        closed = [
            why
            for action in ("arrangement", "referral")
            if (why := self.workstation.refusal(view, action)) is not None
        ]
        self.query_one("#routes", Static).update(routes_content(view, shown, closed))

    def draft_would_be_lost(self) -> bool:
        """True, with the officer told, if a statement typed on this call and not saved
        would end with the call; the same key again goes on without it."""
        form, call = self.affordability, self.call
        draft = None if form is None or call is None else form.unsaved(call.id)
        if draft is None or draft == self.draft_told:
            return False
        self.draft_told = draft
        self.notify(
            "The affordability statement typed on this call is not saved: a, then Ctrl+S "
            "saves it. The same key again goes on without it.",
            severity="warning",
            timeout=10,
        )
        return True

    @after_jobs
    def action_outcome(self, prompt: str = "", preset: str | None = None) -> None:
        if self.view is None or self.draft_would_be_lost():
            return
        view = self.view
        phone_ids = [phone_id for phone_id, _, _ in view.phones]

        def build(code: OutcomeCode, fields: dict[str, str]) -> Outcome:
            return self.workstation.build_outcome(code, fields, phone_ids=phone_ids)

        self.app.push_screen(
            OutcomeModal(self.workstation.outcome_codes(view), view.phones, build, prompt, preset),
            self._save_outcome,
        )

    def _refused_up_front(self, action: str) -> bool:
        """True, with the reason shown and the attempt recorded, if the rules refuse
        `action` on this call: asked before its form opens, so no form leads to a refusal."""
        assert self.view is not None
        message = self.workstation.refusal(self.view, action)
        if message is None:
            return False
        self.record_refusal(self.view, action, message)
        self._refused(Refused(message))
        return True

    @after_jobs
    def action_affordability(self) -> None:
        if self.view is None or self._refused_up_front("affordability"):
            return
        call_id = None if self.call is None else self.call.id
        if self.affordability is None:  # built once, kept: see AffordabilityScreen
            self.affordability = AffordabilityScreen(
                self.workstation, self.case_id, self.view.debts, call_id
            )
            self.app.install_screen(self.affordability, f"affordability-{id(self)}")
        self.affordability.begin(self.case_id, call_id, self.view.debts)
        self.app.push_screen(self.affordability, self._use_surplus)

    def _use_surplus(self, surplus: Decimal | None) -> None:
        if surplus is not None:
            self.action_arrangement(surplus)

    @after_jobs
    def action_arrangement(self, surplus: Decimal | None = None) -> None:
        if self.view is None or not self.view.debts:
            return
        if self._refused_up_front("arrangement"):
            return
        debts = [d for d in self.view.debts if d.with_agency is None]  # the council's own
        if not debts:
            self.notify("Every debt on this case is with an agency: nothing to arrange here.")
            return
        first = self.workstation.now().date() + timedelta(days=7)
        if surplus is None:  # not from Ctrl+U: compare with the latest saved statement
            surplus = self.workstation.assessed_offer(self.case_id)
            if surplus is not None and surplus <= 0:
                self.notify(
                    "The saved statement leaves nothing for the council's debt: consider a "
                    "debt advice referral.",
                    severity="warning",
                )
                surplus = None
        order = self.workstation.arrangement_order(debts)
        if self.builder is None:  # built once, kept: see ArrangementModal.begin
            self.builder = ArrangementModal(
                order, self.workstation.preview_arrangement, first.isoformat(), surplus
            )
            self.app.install_screen(self.builder, f"arrangement-{id(self)}")
        else:
            self.builder.begin(order, first.isoformat(), surplus)
        self.app.push_screen(self.builder, self._save_arrangement)

    def _save_arrangement(self, plan: ArrangementPlan | None) -> None:
        if plan is None or self.call is None:
            return
        request = ArrangementRequest(
            self.case_id, self.call.id, plan.debts, plan.fields, plan.surplus
        )

        def saved(made: ArrangementPreview) -> str:
            first = made.schedule.instalments[0].amount
            return (
                f"Arrangement saved: {len(made.schedule.instalments)} payments of "
                f"£{first:,.2f}. Record the outcome (ARR) next."
            )

        self.change(partial(self.workstation.make_arrangement, request), "the arrangement", saved)

    def change(
        self,
        job: Callable[[], object],
        what: str,
        done: str | Callable[[Any], str] = "",
    ) -> None:
        """A write on the case on screen (never cancelled; a refusal or failure is shown);
        once saved, `done` is said and the case is read again."""
        case_id = self.case_id

        def saved(result: object) -> None:
            said = done(result) if callable(done) else done
            if said:
                self.notify(said, markup=False)
            if self.case_id == case_id:
                self.reload(case_id)

        self.write(job, saved, what)

    @after_jobs
    def action_promise(self) -> None:
        if self.view is None or self._refused_up_front("promise"):
            return
        self.action_outcome(preset="PTP")

    def record_refusal(self, view: CaseView, action: str, message: str) -> None:
        job = partial(self.workstation.refuse, view, action, message)
        self.change(job, "the record of the refused attempt")

    def _refused(self, refused: Refused) -> None:
        self.notify(
            f"{refused.message}. Nothing was saved; the attempt is recorded.",
            severity="error",
            timeout=8,
            markup=False,
        )

    def action_leave(self) -> None:
        """Esc: back to the queue. A call on which nothing happened is marked not dialled
        (the case keeps its place); one with anything recorded on it asks for its outcome."""
        self.leave(None)

    def action_next(self) -> None:
        self.leave("next")

    def leave(self, then: str | None, says: Says | None = None) -> None:
        """Leave the call, then go `then`: "next" case, None (the queue) or "quit" (if it
        fails, `says` what the officer is told). While the outcome is saving, that is where
        its save goes on to."""
        if self.saving:
            self.then = then
        elif self.recorded:
            self.finish(then)
        elif self.draft_would_be_lost():
            return
        elif self.call is not None:
            call_id = self.call.id
            job = partial(self.workstation.leave_call, call_id)
            self.saving = True  # as for an outcome: the keys typed next wait for where it goes
            left = partial(self.left, call_id, then)
            self.write(job, left, "leaving the call", self._unsaved, says)

    def left(self, call_id: str, then: str | None, left: bool) -> None:
        """The call was checked for leaving: marked not dialled (`left`), or needs an outcome."""
        if self.call is None or call_id != self.call.id:
            return
        self.saving = False  # and where to go: as asked meanwhile (a quit), else as first asked
        then, self.then = self.then if self.then != "next" else then, "next"
        if left:
            self.recorded = True
            self.notify("Not dialled: no call recorded, and the case keeps its place.")
            self.finish(then)
            self.app.post_message(KeysFree())  # judged again where the call went
        else:
            self.then = then
            self.action_outcome(self.LEAVE_PROMPT)
            self.app.post_message(KeysFree())  # the keys typed meanwhile: for its outcome

    def _save_outcome(self, outcome: Outcome | None) -> None:
        if outcome is None:
            self.then = "next"  # Back: the officer stays on the call; leaving is forgotten
        elif self.call is not None:
            call_id = self.call.id
            job = partial(self.workstation.record_outcome, call_id, outcome)
            self.saving = True
            self.write(
                job, partial(self.outcome_saved, call_id), "the outcome of the call", self._unsaved
            )

    def _unsaved(self) -> None:
        """The outcome was not saved (the officer is told): the call stays open, here, and
        the keys typed for the next case are dropped."""
        self.saving = False
        self.then = "next"
        self.app.post_message(KeysFree(drop=True))

    @property
    def holds_keys(self) -> bool:
        """Keys typed while the outcome saves, and the next case opens, are for the next case
        (screens/keyorder.py)."""
        return self.saving or self.awaiting_next or super().holds_keys

    def takes_at_once(self, key: str) -> bool:
        """Esc and / while the outcome saves, or the next case opens, are not held: they are
        for the case just finished (the queue, the search), not the next one (keyorder.py)."""
        bound = self.active_bindings.get(key) if self.saving or self.awaiting_next else None
        return bound is not None and bound.binding.action in ("leave", "search")

    def outcome_saved(self, call_id: str, _: object = None) -> None:
        """The call's outcome is in the store: on to the next case (or where asked)."""
        if self.call is None or call_id != self.call.id:
            return
        self.recorded, self.saving = True, False
        then, self.then = self.then, "next"
        self.finish(then)
        self.app.post_message(KeysFree())  # judged again where the call went (the next case)
