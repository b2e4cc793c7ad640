"""The officer's call queue: today's figures, then open cases in priority order with the
reason each is there and whether it may be called now."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Select, Static
from textual.worker import get_current_worker

from drp_tui.read_ahead import QueueReadAhead
from drp_tui.services.caseview import CaseView
from drp_tui.services.opening import CaseOpening
from drp_tui.services.queue import QueueEntry, in_queue_order
from drp_tui.services.reports import OfficerFigures
from drp_tui.services.workstation import Workstation
from screens.dialog import PromptModal
from screens.jobs import RunsJobs
from screens.keyorder import KeysFree
from screens.queue_view import figures_line, filter_choices, filtered, kept_row
from screens.widgets import KeysFooter

if TYPE_CHECKING:
    from screens.debtor import DebtorScreen

FIXED_WIDTH = 3 + 9 + 22 + 5 + 16 + 6 * 2  # #, case, name, score, call now, cell padding
# Three days of calls at the usual target of sixty. Textual measures and draws every row it
# is given, so a table of a whole 10k queue would take seconds; the filters and search reach
# the rest.
SHOWN_ROWS = 200


class QueueScreen(RunsJobs, Screen[None]):
    CSS_PATH = "queue.tcss"
    AUTO_FOCUS = "#queue"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "open", "Open case", id="queue.open"),
        Binding("slash", "search", "Search", id="queue.search"),
        Binding("d", "diary", "Diary", id="queue.diary", tooltip="What is due today"),
        Binding("f", "filter", "Filter", id="queue.filter", tooltip="Filter by debt type or stage"),
        Binding(
            "r",
            "refresh",
            "Refresh",
            id="queue.refresh",
            tooltip="Reload the queue and today's figures",
        ),
        Binding("q", "app.quit", "Quit", id="app.quit"),
    ]

    class Loaded(Message):
        """The queue and today's figures, read in a worker thread."""

        def __init__(self, entries: list[QueueEntry], figures: OfficerFigures) -> None:
            super().__init__()
            self.entries = entries
            self.figures = figures

    class Opened(Message):
        """A call opened on a case from the queue or search, its opening audited; `ahead` if
        the view was read before it was opened; `resumed` for a call left open when drp
        last closed."""

        def __init__(self, view: CaseView, reason: str, ahead: bool, resumed: bool = False) -> None:
            super().__init__()
            self.view = view
            self.reason = reason
            self.ahead = ahead
            self.resumed = resumed

    class ReadAhead(Message):
        """The highlighted case, read before Enter is pressed (nothing recorded)."""

        def __init__(self, view: CaseView) -> None:
            super().__init__()
            self.view = view

    def __init__(self, workstation: Workstation, read_ahead: QueueReadAhead | None = None) -> None:
        super().__init__()
        self.workstation = workstation
        self.queue_read_ahead = read_ahead  # the first queue, read by another process
        self.entries: list[QueueEntry] = []  # the whole queue
        self.shown: list[QueueEntry] = []  # the rows on screen, after the filters
        self.moving_on = False  # a call just finished: the next Loaded opens the next case
        self.passed: set[str] = set()  # the cases called (or skipped) since the queue was shown
        self.debtor: DebtorScreen | None = None
        self.ahead: CaseView | None = None  # the highlighted case, read ahead of Enter
        self.resume_checked = False  # calls left open by the last run are offered once
        self.figures: OfficerFigures | None = None  # today's, as last read
        self.figures_shown = ""
        self.opening = False  # a case is being opened: the keys typed after Enter wait for it
        self.case_opening: CaseOpening | None = None  # the last asked for, until withdrawn
        self.last_called: str | None = None  # moved down by its outcome: not followed there

    def compose(self) -> ComposeResult:
        officer = self.workstation.officer
        yield Static(
            Content.from_markup("[b]drp[/b] · $name ($id)", name=officer.name, id=officer.id),
            id="title",
        )
        banner = self.workstation.renewal_banner()
        if banner:
            yield Static(banner, id="renewals", markup=False)
        yield Static("Loading today's figures…", id="figures")
        with Horizontal(id="filters"):
            yield Select[str]([], prompt="All debt types", id="type-filter", compact=True)
            yield Select[str]([], prompt="All stages", id="stage-filter", compact=True)
            yield Static("", id="shown")
        yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        yield Static("", id="detail")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.load()
        self.set_interval(1, self.tick_clock)

    def tick_clock(self) -> None:
        """The time in the figures line, kept current (checked each second, redrawn when the
        minute changes, and only while the queue is on screen)."""
        if self.figures is None or not self.is_current:
            return
        text = self._figures(self.figures)
        if text != self.figures_shown:
            self._show_figures(text)

    def _show_figures(self, text: str) -> None:
        self.figures_shown = text
        self.query_one("#figures", Static).update(text)

    def action_refresh(self) -> None:
        self.load()

    @on(DataTable.RowSelected, "#queue")
    def action_open(self) -> None:
        table = self.query_one("#queue", DataTable)
        if not self.shown or table.cursor_row < 0:
            return
        self._open_entry(self.shown[table.cursor_row], "queue")

    def _open_entry(self, entry: QueueEntry, reason: str) -> None:
        """Open a queued case, asking why first when it should not be called now."""
        if entry.callable_now:
            self._open(entry.case_id, reason)
            return

        def call_anyway(why: str | None) -> None:
            if why:
                self._open(entry.case_id, f"{reason}: called anyway: {why}")

        self.app.push_screen(
            PromptModal(
                Content.from_markup(
                    "[b]$reference should not be called now[/b]: $why.\nTo call anyway, give "
                    "the reason (it is recorded with the case); Esc to choose another case.",
                    reference=entry.reference,
                    why="; ".join(entry.why_not),
                ),
                "why this call cannot wait",
                confirm="Call anyway",
            ),
            call_anyway,
        )

    def action_filter(self) -> None:
        self.query_one("#type-filter", Select).focus()

    @on(Select.Changed)
    def filter_changed(self) -> None:
        self._fill()
        self.query_one("#queue", DataTable).focus()

    def action_search(self) -> None:
        from screens.search import Opening, SearchModal

        def opened(choice: Opening | None) -> None:
            if choice is not None:
                self._open(choice.case_id, choice.reason)

        self.app.push_screen(SearchModal(self.workstation), opened)

    def action_diary(self) -> None:
        """The diary's case opens as from the queue, with the queue's calling rules: a case a
        hold keeps out of the queue is judged by them too (the debtor screen keeps its
        holds)."""
        from screens.diary import DiaryModal
        from screens.search import Opening

        def opened(choice: Opening | None) -> None:
            if choice is None:
                return
            queued = next((e for e in self.entries if e.case_id == choice.case_id), None)
            queued = queued or self.workstation.calling_check(choice.case_id)
            if queued is None:
                self._open(choice.case_id, choice.reason)
            else:
                self._open_entry(queued, choice.reason)

        self.app.push_screen(DiaryModal(self.workstation), opened)

    @property
    def holds_keys(self) -> bool:
        """While a case opens, the keys typed after Enter wait: they are for the case (`t`
        a note on it), not the queue (screens/keyorder.py)."""
        return self.opening or super().holds_keys

    def _opened(self, drop: bool = False) -> None:
        """The case is on screen (or, `drop`, will not be): the keys typed for it go on."""
        if self.opening:
            self.opening = False
            self.app.post_message(KeysFree(drop))

    def jobs_failed(self) -> None:
        super().jobs_failed()
        self._opened(drop=True)
        if self.debtor is not None:
            self.debtor.back_to_queue()  # the next case did not open on it

    def _open(self, case_id: str, reason: str = "queue") -> None:
        ahead = self.ahead if self.ahead is not None and self.ahead.case_id == case_id else None
        self.opening = True
        self.case_opening = opening = CaseOpening()
        self.write(
            partial(self._open_case, case_id, reason, ahead, opening),
            partial(self._arrived, opening),
            "the opening of the case",
        )

    def withdraw(self, then: Callable[[], None] = lambda: None) -> None:
        """The officer left while a case opens (Esc, / or Ctrl+Q): it does not, then `then`."""
        self.moving_on = False
        opening, self.case_opening = self.case_opening, None
        call_id = None if opening is None else opening.withdraw()
        self._opened()
        if call_id is None:
            then()
            return
        leave = partial(self.workstation.leave_call, call_id)  # written, not shown: not dialled
        self.write(leave, lambda _: then(), "leaving the call")

    def _arrived(self, opening: CaseOpening, opened: Opened | None) -> None:
        if opened is not None and opening.withdrawn and opened.view.call is not None:
            leave = partial(self.workstation.leave_call, opened.view.call.id)
            self.write(leave, what="leaving the call")  # taken back once its viewing was audited
        elif opened is not None:
            self.show_case(opened)

    def _open_case(
        self, case_id: str, reason: str, ahead: CaseView | None, opening: CaseOpening
    ) -> Opened | None:
        """Record the opening (a write: the job runner's), then show the case: as read
        ahead when its row was highlighted (the debtor screen reads it again once drawn),
        else as read now. The first paint is the case, never a loading line, and nothing of
        it is shown before the opening, and its viewing, are in the audit trail (a viewing
        that cannot be recorded shows no case: NotViewed). None if withdrawn meanwhile."""
        call = self.workstation.open_call_unless(case_id, reason, opening)
        if call is None:
            return None
        # Read ahead before the call, so masked as every call starts: the same view.
        view = replace(ahead, call=call) if ahead is not None else None
        view = view or self.workstation.case(case_id, call.id)
        if not self.workstation.view_call(call.id, opening):
            return None  # withdrawn meanwhile: whoever withdrew it leaves the call
        return self.Opened(view, reason, ahead is not None)

    @work(thread=True, exclusive=True, group="read-ahead")
    def _read_ahead(self, case_id: str) -> None:
        """Read the highlighted case so Enter shows it at once. A failure here is not the
        officer's concern: Enter reads it again and reports what went wrong."""
        # The first time, also load the case screens, which start-up leaves until needed.
        import screens.debtor  # noqa: F401

        try:
            view = self.workstation.case(case_id)
        except Exception:
            return
        if not get_current_worker().is_cancelled:
            self.post_message(self.ReadAhead(view))

    @on(ReadAhead)
    def read_ahead(self, message: ReadAhead) -> None:
        self.ahead = message.view

    @on(Opened)
    def show_case(self, message: Opened) -> None:
        from screens.debtor import DebtorScreen

        # The case screen's call finished with "next": the next case opens on it, in place.
        in_place = (
            self.debtor is not None and self.debtor.awaiting_next and self.app.screen is self.debtor
        )
        if self.app.screen is not self and not in_place:
            # Another call came up first (one cut off, resumed): this one was opened but is
            # not shown, so it is left as not dialled rather than left open unseen.
            call = message.view.call
            if call is not None and (
                self.debtor is None or self.debtor.call is None or self.debtor.call.id != call.id
            ):
                self.write(partial(self.workstation.leave_call, call.id), what="leaving the call")
            self._opened()
            if self.debtor is not None:  # waiting for this case under a dialog: the queue
                self.debtor.back_to_queue()
            return
        case_id = message.view.case_id  # its viewing audited before it came here

        def after(result: str | None) -> None:
            self.withdraw()  # left while the next case opened: it does not
            if result == "quit":
                self.app.exit()
                return
            # The call is recorded (or left) and the officer is back here: the whole queue
            # is read again, and the search opened if asked.
            self.passed.clear()
            self.app.post_message(KeysFree())  # held while the outcome saved: for the queue
            self.load()
            if result == "search":
                self.action_search()

        # One debtor screen, kept installed and given each case: building and styling a
        # new one was most of the time from Enter to the case on screen.
        if self.debtor is None:
            self.debtor = DebtorScreen(self.workstation, case_id, message.reason, message.view)
            self.debtor.on_next = self._next_after
            self.app.install_screen(self.debtor, f"debtor-{id(self)}")
        else:
            self.debtor.reopen(case_id, message.reason, message.view)
        if message.ahead:
            self.debtor.call_after_refresh(self.debtor.reload, case_id)
        if not in_place:
            self.app.push_screen(self.debtor, after)
        self._opened()
        if message.resumed:
            self.debtor.notify(
                "This call was cut off when drp last closed: record its outcome (o) to finish "
                "it. It stays masked and nothing new can be agreed on it; call again after.",
                severity="warning",
                timeout=12,
            )

    def _next_after(self, called: str) -> None:
        """The case screen's call on `called` is recorded: only that case is read again
        (nothing else changed), then the next callable case opens on the case screen. The
        keys typed after the outcome wait for it."""
        self.moving_on, self.last_called = True, called
        self.passed.add(called)  # n n skips two cases, not back to the first (it keeps its place)
        self.opening = True
        self.read(partial(self._called, called), partial(self._update, called))

    @work(thread=True, exclusive=True, group="queue", exit_on_error=False)
    def load(self) -> None:
        first, self.queue_read_ahead = self.queue_read_ahead, None
        figures = self.workstation.today()  # while the first queue is read elsewhere
        queue = first.result() if first is not None else None
        if queue is None:
            queue = self.workstation.queue()
        self.post_message(self.Loaded(queue, figures))

    def _called(self, case_id: str) -> Loaded:
        """The case just called as the queue has it now (gone, if no longer queued), and
        today's figures (its call among them)."""
        return self.Loaded(self.workstation.queue([case_id]), self.workstation.today())

    def _update(self, case_id: str, called: Loaded) -> None:
        """The queue held, with the case called replaced by its new entry, in order."""
        kept = [entry for entry in self.entries if entry.case_id != case_id]
        self.post_message(self.Loaded(in_queue_order([*kept, *called.entries]), called.figures))

    def _interrupted(self) -> Opened | None:
        """Calls cut off when drp last closed, marked so (a write), the first to finish."""
        for call in self.workstation.interrupted_calls()[:1]:
            view = self.workstation.case(call.case_id, call.id)
            self.workstation.view_call(call.id)  # audited (once) before it is shown
            return self.Opened(view, call.reason, ahead=False, resumed=True)
        return None

    def _resume(self, opened: Opened | None) -> None:
        if opened is not None:
            self.show_case(opened)
        else:
            self._opened()

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        if not self.resume_checked:  # once, at start: the queue first, then any call to finish
            self.resume_checked = True
            self.opening = True  # a call cut off may open: keys typed meanwhile are for it
            self.write(self._interrupted, self._resume, "finishing the calls cut off")
        self.entries = message.entries
        self.figures = message.figures
        self._show_figures(self._figures(message.figures))
        self._filter_choices()
        self._fill()
        if self.moving_on:
            self.moving_on = False
            upcoming = [e for e in self.shown if e.callable_now and e.case_id not in self.passed]
            if upcoming:
                self._open(upcoming[0].case_id)
            else:
                self._opened()
                if self.debtor is not None:
                    self.debtor.back_to_queue()

    @on(DataTable.RowHighlighted, "#queue")
    def describe(self, event: DataTable.RowHighlighted) -> None:
        """The highlighted case in full: its reason, and every reason it may not be called."""
        entry = next((e for e in self.shown if e.case_id == event.row_key.value), None)
        detail = self.query_one("#detail", Static)
        if entry is None:
            detail.update("")
            return
        self._read_ahead(entry.case_id)
        call = "may be called now" if entry.callable_now else "; ".join(entry.why_not)
        detail.update(
            Content.from_markup(
                "[b]$reference[/b] $name: $reason — $call",
                reference=entry.reference,
                name=entry.name,
                reason=entry.reason,
                call=call,
            )
        )

    def on_resize(self) -> None:
        if self.entries:
            self._fill()
        self.tick_clock()  # the figures in full or shorter, to the new width

    def _figures(self, f: OfficerFigures) -> str:
        room = self.query_one("#figures", Static).size.width or self.size.width - 2
        return figures_line(f, self.workstation.now(), self.entries, room)

    def _filter_choices(self) -> None:
        """Only the debt types and stages in this queue, so no filter comes up empty."""
        on = self.workstation.now().date()
        choices = filter_choices(self.entries, self.workstation.policy.recovery, on)
        for select_id, options in zip(("#type-filter", "#stage-filter"), choices, strict=True):
            select = self.query_one(select_id, Select)
            chosen = select.value
            with self.prevent(Select.Changed):
                select.set_options(options)
                if any(value == chosen for _, value in options):
                    select.value = chosen

    def _filtered(self) -> list[QueueEntry]:
        debt_type = self.query_one("#type-filter", Select)
        stage = self.query_one("#stage-filter", Select)
        # Read once, not per entry: a Select's value is a reactive, slow to read 20k times.
        wanted_type = None if debt_type.is_blank() else str(debt_type.value)
        return filtered(self.entries, wanted_type, None if stage.is_blank() else str(stage.value))

    def _fill(self) -> None:
        """The rows, as filtered. On screen, the case highlighted stays so where it moves (Enter
        opens the case seen, a reload landing as it is pressed): see kept_row."""
        row = self.query_one("#queue", DataTable).cursor_row
        kept = self.shown[row].case_id if self.is_current and 0 <= row < len(self.shown) else None
        kept = None if kept == self.last_called else kept
        matching = self._filtered()
        self.shown = matching[:SHOWN_ROWS]
        self.query_one("#shown", Static).update(
            f"{len(matching):,} cases"
            if len(matching) <= SHOWN_ROWS
            else f"top {SHOWN_ROWS} of {len(matching):,} shown: filter (f) or search (/)"
        )
        table = self.query_one("#queue", DataTable)
        table.clear(columns=True)
        why_width = max(18, self.size.width - FIXED_WIDTH - 2)
        widths = {"#": 3, "Case": 9, "Name": 22, "Score": 5, "Why": why_width, "Call now?": 16}
        for label, width in widths.items():
            table.add_column(label, width=width)
        for number, entry in enumerate(self.shown, start=1):
            reference = Text(entry.reference, style="bold yellow" if entry.callback_due else "")
            name = Text(entry.name)
            if entry.vulnerable:
                name.append(" ◆", style="magenta")
            call = (
                Text("yes", style="green")
                if entry.callable_now
                else Text(entry.why_not[0] if entry.why_not else "no", style="dim")
            )
            table.add_row(
                str(number),
                reference,
                name,
                str(entry.points),
                Text(entry.reason, no_wrap=True),
                call,
                key=entry.case_id,
            )
        table.move_cursor(row=kept_row(self.shown, kept))
