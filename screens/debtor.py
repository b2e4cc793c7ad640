"""The debtor screen: one case during a call. Account detail stays masked until ID&V passes;
holds are shown first; the script and the routes open for each debt are beside the debts."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, ScrollableContainer, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Static

from drp_tui.domain.holds import refusing
from drp_tui.domain.outcomes import OutcomeCode
from drp_tui.domain.recovery import RouteCheck
from drp_tui.services.caseview import CaseView, DebtLine, mask
from drp_tui.services.casework import Outcome, Refused
from drp_tui.services.workstation import Workstation
from screens.actions import (
    HIDDEN,
    PhoneMark,
    PhoneModal,
    Referral,
    ReferralModal,
    WriteOffAsk,
    WriteOffModal,
    debt_label,
    referral_routes,
)
from screens.affordability import AffordabilityScreen
from screens.arrangement import ArrangementModal, ArrangementPlan
from screens.dialog import PromptModal, ShowsFailures
from screens.idv import IdvChoice, IdvModal
from screens.outcome import OutcomeModal
from screens.text import LINE
from screens.widgets import KeysFooter

# Balance second, so it shows at 80 columns too. At 120 columns the five fit the left pane
# exactly (72 with each cell's padding), so no scroll bar takes a row there.
DEBT_COLUMNS = (("Debt", 15), ("Balance", 11), ("Stage", 15), ("Reference", 12), ("Costs", 9))
HISTORY_COLUMNS = (("When", 12), ("Who", 8), ("What", 22))  # then the detail, to the edge


class DebtorScreen(ShowsFailures, Screen[str | None]):
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
        Binding("escape", "leave", "Queue", id="debtor.back"),
    ]
    LEAVE_PROMPT = (
        "[b]Record the outcome before leaving this call[/b] (ABANDONED, with a "
        "reason, if it did not happen)."
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
        self._styled_for: int | None = None  # the app's CSS when this screen was last styled
        self._begin(case_id, reason, view)

    def _begin(self, case_id: str, reason: str, view: CaseView | None) -> None:
        self.case_id = case_id
        self.reason = reason
        self.opened = view
        self.view: CaseView | None = None
        self.opened_at: datetime = self.workstation.clock()
        self.on_call = reason.startswith("queue")  # opened to call; search views are not calls
        self.recorded = False

    def reopen(self, case_id: str, reason: str, view: CaseView) -> None:
        """Take the next case on this screen, kept installed so a case opens without
        building and styling the screen again. Everything shown is replaced here, before
        the screen is drawn; late results for the previous case are dropped (`show`)."""
        self._begin(case_id, reason, view)
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
                # Read-only lines, not a DataTable: filling a table on every case was a
                # third of the time from Enter to the case on screen.
                with ScrollableContainer(id="history"):
                    yield Static("", id="history-lines")
            with VerticalScroll(id="right"):
                yield Static("", id="person")
                yield Static("", id="vulnerability")
                yield Static("", id="script")
                yield Static("", id="routes")
        yield KeysFooter(show_command_palette=False)  # 80 columns: F1 help names Ctrl+P

    def on_screen_resume(self, event: events.ScreenResume) -> None:
        """Textual styles every widget again whenever a screen comes back: a sixth of the
        time from Enter to the next case on screen. That is needed only if the app's CSS
        changed (a new theme) while the screen was put away; the case shown is new content,
        not new styles. Runs before Textual's own handler, which reads the flag."""
        generation = self.app._css_update_count
        if generation == self._styled_for:
            event.refresh_styles = False
        self._styled_for = generation

    def on_mount(self) -> None:
        self.set_interval(1, self._tick)
        if self.opened is None:
            self.open_case(self.case_id, self.reason)
        else:
            self.show_case(self.opened)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def open_case(self, case_id: str, reason: str) -> None:
        self.post_message(self.Loaded(self.workstation.open_case(case_id, reason)))

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def reload(self, case_id: str) -> None:
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    @on(Loaded)
    def show(self, message: Loaded) -> None:
        """Show the case as read, unless it is a late read of the previous case or
        nothing has changed."""
        if message.view.case_id == self.case_id and message.view != self.view:
            self.show_case(message.view)

    def show_case(self, view: CaseView) -> None:
        self.view = view
        shown = view.verified
        self._header()
        holds = self.query_one("#holds", Static)
        holds.display = bool(view.holds)
        holds.update(
            LINE.join(
                Content.from_markup(
                    "[b]ON HOLD[/b] $name $until: no $refused",
                    name=h.name,
                    until=h.until,
                    refused=", ".join(
                        a.replace("_", " ") for a in sorted(h.refuses) if a != "queue"
                    ),
                )
                for h in view.holds
            )
        )
        self._person(view, shown)
        self._debts(view, shown)
        self._history(view)
        vulnerable = self.query_one("#vulnerability", Static)
        vulnerable.display = bool(view.vulnerabilities)
        vulnerable.update(
            Content.from_markup(
                "[b]Vulnerability[/b] ◆ $needs", needs="; ".join(view.vulnerabilities)
            )
        )
        self._script(view)
        self._routes(view, shown)

    def _tick(self) -> None:
        # Not while put away or under a full screen (the affordability form): its drawing
        # would cost that screen a redraw each second for a header nobody can see.
        top = self.app.screen
        if top is self or isinstance(top, ModalScreen):
            self._header()

    def _header(self) -> None:
        if self.view is None:
            return
        view = self.view
        elapsed = int((self.workstation.clock() - self.opened_at).total_seconds())
        balance = f"£{view.balance:,.2f}" if view.verified else f"£{HIDDEN}"
        idv = "[green]ID&V passed[/green]" if view.verified else "[yellow]ID&V needed (i)[/yellow]"
        self.query_one("#case-header", Static).update(
            Content.from_markup(
                f"[b]$reference[/b] · $stage · $balance · {idv} · "
                f"call {elapsed // 60:02d}:{elapsed % 60:02d}",
                reference=view.reference,
                stage=view.main_stage.replace("_", " "),
                balance=balance,
            ),
            layout=False,  # one line, fixed in the CSS: the clock's tick redraws only it
        )

    def _person(self, view: CaseView, shown: bool) -> None:
        name = view.name if shown else mask(view.name)
        born = (
            (f"{view.date_of_birth:%d %b %Y}" if view.date_of_birth else "not held")
            if shown
            else HIDDEN
        )
        address = view.address if shown else HIDDEN
        phones = LINE.join(
            Content.from_markup(
                "  $number [dim]$status[/dim]"
                if status == "good"
                else "  [strike]$number[/strike] [red]$status[/red]",
                number=number,
                status=status,
            )
            for _, number, status in view.phones
        )
        self.query_one("#person", Static).update(
            Content.from_markup(
                "[b]$name[/b]\nborn $born\n$address\n[b]Phones[/b]\n",
                name=name,
                born=born,
                address=address,
            )
            + (phones or Content("  none held"))
        )

    def _debts(self, view: CaseView, shown: bool) -> None:
        table = self.query_one("#debts", DataTable)
        table.clear(columns=True)
        # Fixed widths: auto widths are measured on an idle pass after the rows land, and a
        # screen drawn before it (a snapshot, a fast key) showed header-wide columns.
        for label, width in DEBT_COLUMNS:
            table.add_column(label, width=width)
        for debt in view.debts:
            table.add_row(
                Text(debt.type_name, no_wrap=True),
                _money(debt.balance) if shown else f"£{HIDDEN}",
                debt.stage.replace("_", " "),
                Text(debt_label(debt, shown), no_wrap=True),
                _money(debt.costs) if shown else f"£{HIDDEN}",
                key=debt.id,
            )

    def _history(self, view: CaseView) -> None:
        # Text, not markup: a note's own "[...]" is shown as typed.
        lines = Text()
        lines.append(_columns(*(label for label, _ in HISTORY_COLUMNS)) + "Detail", style="bold")
        for line in view.history:
            lines.append("\n" + _columns(line.at, line.officer, line.kind.replace(".", " ")))
            lines.append(line.detail)
        if not view.history:
            lines.append("\nNothing recorded on this case yet.", style="dim")
        history = self.query_one("#history-lines", Static)
        history.update(lines)
        # As wide as its longest line, so a long detail scrolls into view (Tab, then →).
        history.styles.width = max(cell_len(line) for line in lines.plain.splitlines())
        self.query_one("#history", ScrollableContainer).scroll_home(animate=False)

    def _script(self, view: CaseView) -> None:
        if not view.debts:
            self.query_one("#script", Static).update("")
            return
        top = view.debts[0]
        opening = (
            "Confirm you are speaking to the right person before discussing the "
            "account. If anyone else answers, or you reach voicemail, leave no debt "
            "details."
        )
        if refusing(view.holds, "demand_payment") is not None:
            ask = "Do not ask for payment: the case is on hold. Note the call and end it kindly."
        else:
            ask = (
                f"Explain the {top.type_name.lower()} balance and that it is at "
                f"{top.stage.replace('_', ' ')}. Ask how they can pay; offer an arrangement "
                "they can afford (affordability first if money is tight)."
            )
        self.query_one("#script", Static).update(
            f"[b]Script[/b]\n{opening}\n{ask}\n[b]If it is not paid:[/b] {top.non_payment}"
        )

    def _routes(self, view: CaseView, shown: bool) -> None:
        lines = [Content.from_markup("[b]Recovery options[/b]")]
        for debt in view.debts[:3]:
            lines.append(
                Content.from_markup(
                    "[u]$debt[/u] $kind", debt=debt_label(debt, shown), kind=debt.type_name
                )
            )
            open_routes = [r for r in debt.routes if r.open]
            lines += [
                Content.from_markup(" · $route: [i]$amount[/i]", route=r.name, amount=amount)
                if (amount := debt.amounts.get(r.id)) and shown
                else Content(f" · {r.name}")
                for r in open_routes
            ] or [Content(" none open")]
        self.query_one("#routes", Static).update(LINE.join(lines))

    def action_outcome(self, prompt: str = "", preset: str | None = None) -> None:
        if self.view is None:
            return
        view = self.view
        phone_ids = [phone_id for phone_id, _, _ in view.phones]

        def build(code: OutcomeCode, fields: dict[str, str]) -> Outcome:
            return self.workstation.build_outcome(
                code, fields, verified=view.verified, phone_ids=phone_ids
            )

        self.app.push_screen(
            OutcomeModal(self.workstation.outcome_codes(), view.phones, build, prompt, preset),
            self._save_outcome,
        )

    def action_affordability(self) -> None:
        if self.view is None:
            return
        self.app.push_screen(
            AffordabilityScreen(self.workstation, self.case_id, self.view.debts),
            self._use_surplus,
        )

    def _use_surplus(self, surplus: Decimal | None) -> None:
        if surplus is not None:
            self.action_arrangement(surplus)

    def action_arrangement(self, surplus: Decimal | None = None) -> None:
        if self.view is None or not self.view.debts:
            return
        if self._held("make_arrangement", "arrangement"):
            return
        first = self.workstation.now().date() + timedelta(days=7)
        self.app.push_screen(
            ArrangementModal(
                self.workstation.arrangement_order(self.view.debts),
                self.workstation.preview_arrangement,
                first.isoformat(),
                surplus,
            ),
            self._save_arrangement,
        )

    def _save_arrangement(self, plan: ArrangementPlan | None) -> None:
        if plan is not None:
            self.save_arrangement(self.case_id, plan)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def save_arrangement(self, case_id: str, plan: ArrangementPlan) -> None:
        try:
            self.workstation.make_arrangement(
                case_id, plan.debt_ids, plan.schedule, plan.frequency, plan.override_reason
            )
        except Refused as refused:
            self.app.call_from_thread(self._refused, refused)
            return
        self.app.call_from_thread(
            self.notify,
            f"Arrangement saved: {len(plan.schedule.instalments)} payments of "
            f"£{plan.schedule.instalments[0].amount:,.2f}. Record the outcome (ARR) next.",
        )
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def action_promise(self) -> None:
        self.action_outcome(preset="PTP")

    def action_note(self) -> None:
        self.app.push_screen(
            PromptModal(
                "[b]Note[/b] (kept in the case history and the audit trail)",
                "what happened, what was agreed",
            ),
            self._save_note,
        )

    def _save_note(self, text: str | None) -> None:
        if text:
            self.save_note(self.case_id, text)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def save_note(self, case_id: str, text: str) -> None:
        self.workstation.add_note(case_id, text)
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def _held(self, action: str, what: str) -> bool:
        """True, with the reason shown and the attempt recorded, if a hold forbids `action`."""
        assert self.view is not None
        found = refusing(self.view.holds, action)
        if found is None:
            return False
        refused = Refused(f"{what}: {found.message}")
        self.record_refusal(self.case_id, action, refused.message)
        self._refused(refused)
        return True

    @work(thread=True, group="debtor", exit_on_error=False)
    def record_refusal(self, case_id: str, action: str, message: str) -> None:
        self.workstation.record_refusal(case_id, action, message)
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def action_phone(self) -> None:
        if self.view is None:
            return
        if not self.view.phones:
            self.notify("No phone numbers are held for this case.", severity="warning")
            return
        self.app.push_screen(PhoneModal(self.view.phones), self._mark_phone)

    def _mark_phone(self, mark: PhoneMark | None) -> None:
        if mark is not None:
            self.mark_phone(self.case_id, mark)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def mark_phone(self, case_id: str, mark: PhoneMark) -> None:
        self.workstation.mark_phone(case_id, mark.phone_id, mark.status)
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def action_refer(self) -> None:
        if self.view is None or self._held("escalate", "referral to an agency"):
            return
        routes = referral_routes(self.view)
        if not routes:
            self.notify(
                "No debt on this case may go to an agency yet: an enforcement agent needs a "
                "liability order (or warrant), a collection agency a reminder first.",
                severity="warning",
                timeout=8,
            )
            return
        self.open_referral(routes, self.view.verified)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def open_referral(self, routes: list[tuple[DebtLine, RouteCheck]], shown: bool) -> None:
        """The agencies come from the store, so they are read off the UI thread."""
        modal = ReferralModal(routes, self.workstation.agencies(), shown)
        self.app.call_from_thread(self.app.push_screen, modal, self._refer)

    def _refer(self, referral: Referral | None) -> None:
        if referral is not None:
            self.refer(self.case_id, referral)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def refer(self, case_id: str, referral: Referral) -> None:
        try:
            self.workstation.refer(case_id, referral.debt_id, referral.agency_id)
        except Refused as refused:
            self.app.call_from_thread(self._refused, refused)
            return
        self.app.call_from_thread(self.notify, f"Referred to {referral.agency_name}.", markup=False)
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def action_writeoff(self) -> None:
        if self.view is None or not self.view.debts:
            return
        self.app.push_screen(
            WriteOffModal(
                [d for d in self.view.debts if d.balance > 0],
                self.workstation.writeoff_reasons(),
                self.view.verified,
            ),
            self._writeoff,
        )

    def _writeoff(self, ask: WriteOffAsk | None) -> None:
        if ask is not None:
            self.request_writeoff(self.case_id, ask)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def request_writeoff(self, case_id: str, ask: WriteOffAsk) -> None:
        self.workstation.request_writeoff(ask.debt_reference, ask.reason_code, ask.amount, ask.note)
        self.app.call_from_thread(
            self.notify, "Write-off requested; a supervisor or manager will decide."
        )
        self.post_message(self.Loaded(self.workstation.case(case_id)))

    def _refused(self, refused: Refused) -> None:
        self.notify(
            f"{refused.message}. Nothing was saved; the attempt is recorded.",
            severity="error",
            timeout=8,
            markup=False,
        )

    def action_leave(self) -> None:
        if self.on_call and not self.recorded:
            self.action_outcome(self.LEAVE_PROMPT)
            return
        self.dismiss(None)

    def action_next(self) -> None:
        if self.on_call and not self.recorded:
            self.action_outcome(self.LEAVE_PROMPT)
            return
        self.dismiss("next")

    def _save_outcome(self, outcome: Outcome | None) -> None:
        if outcome is not None:
            self.save_outcome(self.case_id, self.opened_at, outcome)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def save_outcome(self, case_id: str, opened_at: datetime, outcome: Outcome) -> None:
        try:
            self.workstation.record_outcome(case_id, opened_at, outcome)
        except Refused as refused:
            self.app.call_from_thread(self._refused, refused)
            return
        self.post_message(self.OutcomeSaved())

    class OutcomeSaved(Message):
        """The call's outcome is in the store."""

    @on(OutcomeSaved)
    def outcome_saved(self) -> None:
        self.recorded = True
        self.dismiss("next")

    def action_idv(self) -> None:
        self.app.push_screen(IdvModal(), self._record_idv)

    def _record_idv(self, choice: IdvChoice | None) -> None:
        if choice is not None:
            self.verify(self.case_id, choice)

    @work(thread=True, exclusive=True, group="debtor", exit_on_error=False)
    def verify(self, case_id: str, choice: IdvChoice) -> None:
        result = self.workstation.verify(case_id, choice.checks, choice.third_party)
        self.app.call_from_thread(
            self.notify,
            f"ID&V {result.replace('_', ' ')}",
            severity="information" if result == "passed" else "warning",
        )
        self.post_message(self.Loaded(self.workstation.case(case_id)))


def _columns(*values: str) -> str:
    """The history's fixed columns, each cut to its width, then the start of the detail."""
    return (
        "".join(
            f" {value[:width]:<{width}} "
            for value, (_, width) in zip(values, HISTORY_COLUMNS, strict=True)
        )
        + " "
    )


def _money(amount: Decimal) -> Text:
    return Text(f"£{amount:,.2f}", justify="right")
