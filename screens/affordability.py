"""The affordability calculator: the Standard Financial Statement with totals, savings,
the priority / non-priority split and guideline checks updating as the officer types."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from drp_tui.domain.affordability import (
    FIXED_COSTS,
    FLEXIBLE_COSTS,
    INCOME,
    MONTHLY_FACTOR,
    Affordability,
    CouncilOffer,
)
from drp_tui.domain.errors import InputError
from drp_tui.services.assessments import AssessmentRequest, SavedStatement
from drp_tui.services.caseview import DebtLine
from drp_tui.services.workstation import Workstation
from screens.choice import ChoiceField
from screens.dialog import show_failure
from screens.jobs import RunsJobs
from screens.kept import KeptStyles
from screens.keyorder import KeysFree
from screens.text import LINE, caution, problem
from screens.widgets import FormInput, KeysFooter

SECTIONS = (
    ("income", "Income", INCOME),
    ("fixed_costs", "Fixed costs", FIXED_COSTS),
    ("flexible_costs", "Flexible costs", FLEXIBLE_COSTS),
)
CREDITOR_ROWS = 3
OPENING = {"household__adults": "1", "household__children": "0"}  # the rest start blank
TITLE = "[b]Affordability[/b] (Standard Financial Statement, monthly)"
PRIORITY_ROWS = 2
FREQUENCY_LABELS = {
    "weekly": "week",
    "fortnightly": "fortnight",
    "four-weekly": "4 weeks",
    "monthly": "month",
    "quarterly": "quarter",
    "yearly": "year",
}


def label(category: str) -> str:
    return category.replace("_", " ").capitalize()


class AffordabilityScreen(RunsJobs, KeptStyles, Screen[Decimal | None]):
    """Dismisses with the amount available for priority debts when the officer uses it.

    Built once for the debtor screen and kept (`begin` gives it each call): opening it is
    then a screen shown, not two hundred widgets built and styled; and what was typed on a
    call is kept until the call ends, whatever closed the form (Esc, Ctrl+Q then Back, a
    save that failed after the form closed)."""

    CSS_PATH = "affordability.tcss"
    AUTO_FOCUS = "#income__earnings"  # as it is composed: a key typed at once lands there
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="affordability.save", priority=True),
        Binding("ctrl+u", "use", "Use surplus", id="affordability.use", priority=True),
        Binding("escape", "back", "Back", id="affordability.back"),
    ]

    def __init__(
        self,
        workstation: Workstation,
        case_id: str,
        debts: Sequence[DebtLine],
        call_id: str | None = None,
    ) -> None:
        super().__init__()
        self.workstation = workstation
        self.case_id = case_id
        self.call_id = call_id  # the call the figures were typed on
        self.debts = debts  # the council's, on this case: its share depends on their types
        self.result: Affordability | None = None
        self.offer: CouncilOffer | None = None
        self.saved: SavedStatement | None = None  # the latest statement kept on the case
        self.loaded = False  # whether the latest statement has been read
        self.blank: dict[str, Any] = {}
        self.kept: dict[str, Any] | None = None  # the form as last read in or saved
        # Saves asked for, not yet done, by (case, statement, whether Ctrl+U asked it).
        self.saving: dict[tuple[str, str, bool], dict[str, Any]] = {}

    def begin(self, case_id: str, call_id: str | None, debts: Sequence[DebtLine]) -> None:
        """Open the form for a call: as left, if it is the call it was last open on (the
        figures typed are a draft until saved or the call ends); else blank, then the case's
        latest saved statement."""
        self.debts = debts
        if (case_id, call_id) == (self.case_id, self.call_id) or not self.is_mounted:
            self.case_id, self.call_id = case_id, call_id
            if self.is_mounted:
                self.recalculate()  # the debts may have changed meanwhile
            return
        self.case_id, self.call_id = case_id, call_id
        self.saved, self.loaded = None, False
        with self.prevent(Input.Changed, ChoiceField.Changed):
            for field in self.query(Input).results(Input):
                field.value = OPENING.get(str(field.id), "")
            for select in self.query(ChoiceField).results(ChoiceField):
                select.value = "monthly"
        self.query_one("#af-title", Static).update(TITLE)
        self.query_one("#af-form", VerticalScroll).scroll_home(animate=False)
        self.query_one("#income__earnings", Input).focus()
        self.recalculate()
        self.kept = self.blank
        self.load_latest()

    def showing(self) -> Hashable:
        """The call the form is for: a read begun for another is dropped (RunsJobs)."""
        return (self.case_id, self.call_id)

    def compose(self) -> ComposeResult:
        yield Static(TITLE, id="af-title")
        with Horizontal(id="af-body"):
            with VerticalScroll(id="af-form"):
                yield Static("[b]Household[/b]", classes="heading")
                for key, text in (("adults", "Adults"), ("children", "Children")):
                    with Horizontal(classes="line"):
                        yield Label(text)
                        yield FormInput(
                            OPENING[f"household__{key}"], id=f"household__{key}", compact=True
                        )
                for section, title, categories in SECTIONS:
                    yield Static(f"[b]{title}[/b]", classes="heading")
                    for category in categories:
                        with Horizontal(classes="line"):
                            yield Label(label(category))
                            yield FormInput(
                                placeholder="£0.00", id=f"{section}__{category}", compact=True
                            )
                            yield ChoiceField(
                                [(FREQUENCY_LABELS[f], f) for f in MONTHLY_FACTOR],
                                "monthly",
                                id=f"{section}__{category}__frequency",
                            )
                yield Static(
                    "[b]Other priority debts[/b] (rent or mortgage arrears, energy, fines: "
                    "monthly payment)",
                    classes="heading",
                )
                for row in range(PRIORITY_ROWS):
                    with Horizontal(classes="line"):
                        yield FormInput(placeholder="creditor", id=f"priority__{row}", compact=True)
                        yield FormInput(
                            placeholder="balance £", id=f"pbalance__{row}", compact=True
                        )
                        yield FormInput(placeholder="paying £", id=f"payment__{row}", compact=True)
                yield Static("[b]Other creditors (non-priority)[/b]", classes="heading")
                for row in range(CREDITOR_ROWS):
                    with Horizontal(classes="line"):
                        yield FormInput(placeholder="creditor", id=f"creditor__{row}", compact=True)
                        yield FormInput(placeholder="balance £", id=f"balance__{row}", compact=True)
            yield Static("", id="af-summary")
        yield KeysFooter()

    def on_mount(self) -> None:
        self.recalculate()
        self.blank = self.kept = self.statement()  # as it opens: was anything typed?
        self.load_latest()

    def load_latest(self) -> None:
        """The case's latest saved statement, read off the UI thread (None: never saved)."""
        case_id = self.case_id

        def latest() -> SavedStatement | Exception | None:
            try:
                return self.workstation.latest_assessment(case_id)
            except Exception as error:  # a new statement may still be made
                return error

        self.read(latest, self.show_latest)

    def show_latest(self, saved: SavedStatement | Exception | None) -> None:
        """The form starts from the latest statement: a new one is that one, changed."""
        self.loaded = True
        if isinstance(saved, Exception):
            show_failure(self.app, saved)
            return
        if saved is None:
            return
        if self.statement() != self.blank:  # the officer began before it came: theirs stays
            self.saved = saved
            self.notify(
                f"There is a saved statement of {saved.created_at:%d %b %Y} by "
                f"{saved.officer_id}; the figures typed here are kept.",
                severity="warning",
            )
            return
        left_out = self.fill(saved.statement)
        self.show_saved(saved)
        self.kept = self.draft()
        if isinstance(self.focused, Input):
            # Focused before its figure came: selected, as a field given focus is, so what
            # the officer types next replaces the saved figure (it went on the end of it:
            # 2000 saved, 1450 typed, 20001450).
            self.focused.select_all()
        if left_out:
            self.notify(
                f"The saved statement has lines this form does not show: {', '.join(left_out)}",
                severity="warning",
            )

    def show_saved(self, saved: SavedStatement) -> None:
        self.saved = saved
        self.query_one("#af-title", Static).update(
            Content.from_markup(
                "[b]Affordability[/b] (SFS, monthly) · Statement of $when, by $who",
                when=f"{saved.created_at:%d %b %Y}",
                who=saved.officer_id,
            )
        )

    def fill(self, statement: dict[str, Any]) -> list[str]:
        """Put a saved statement into the form; what it has no place for, by name."""

        def put(widget_id: str, text: object) -> None:
            self.query_one(f"#{widget_id}", Input).value = str(text)

        left_out: list[str] = []
        household = statement.get("household") or {}
        for key in ("adults", "children"):
            if key in household:
                put(f"household__{key}", household[key])
        for section, _, categories in SECTIONS:
            for category, line in (statement.get(section) or {}).items():
                if category not in categories:
                    left_out.append(f"{section}.{category}")
                    continue
                amount, frequency = (
                    (line.get("amount", ""), line.get("frequency", "monthly"))
                    if isinstance(line, dict)
                    else (line, "monthly")
                )
                put(f"{section}__{category}", amount)
                if frequency in MONTHLY_FACTOR:
                    self.query_one(
                        f"#{section}__{category}__frequency", ChoiceField
                    ).value = frequency
                else:
                    left_out.append(f"{section}.{category} frequency {frequency}")
        rows = (
            (
                "priority_debts",
                PRIORITY_ROWS,
                {"creditor": "priority", "balance": "pbalance", "payment": "payment"},
            ),
            ("non_priority_debts", CREDITOR_ROWS, {"creditor": "creditor", "balance": "balance"}),
        )
        for key, room, fields in rows:
            debts = statement.get(key) or []
            for row, debt in enumerate(debts[:room]):
                for field, prefix in fields.items():
                    put(f"{prefix}__{row}", debt.get(field, ""))
            left_out += [f"{key} {debt.get('creditor', '?')}" for debt in debts[room:]]
        return left_out

    def draft(self) -> dict[str, Any] | None:
        """The form as typed (None while a line is not yet a figure)."""
        try:
            return self.statement()
        except InputError:
            return None

    def unsaved(self, call_id: str | None) -> dict[str, Any] | None:
        """What was typed on call `call_id` and is neither saved nor the statement read in
        (None if nothing is): a draft, lost when the call ends."""
        if not self.is_mounted or call_id != self.call_id:
            return None
        draft = self.draft()
        if draft is not None and (draft == self.kept or draft in self.asked_to_save()):
            return None  # saved, or being saved (a failure will say so)
        return draft if draft is not None else {"unfinished": True}

    def asked_to_save(self) -> list[dict[str, Any]]:
        """The statements whose saves are under way."""
        return list(self.saving.values())

    def statement(self) -> dict[str, Any]:
        """The form as a statement (the same shape `drp calc affordability` reads)."""

        def value(widget_id: str) -> str:
            return self.query_one(f"#{widget_id}", Input).value.strip()

        def filled(*fields: str, row: int) -> bool:
            # A row with any field typed is read, so a balance without a name is an error
            # to put right, not a line silently left out of the sums.
            return any(value(f"{field}__{row}") for field in fields)

        def count(key: str) -> int:
            text = value(f"household__{key}") or "0"
            if not text.isdigit():
                raise InputError(f"household {key}", f"{text!r} is not a whole number")
            return int(text)

        statement: dict[str, Any] = {
            "household": {"adults": count("adults"), "children": count("children")}
        }
        for section, _, categories in SECTIONS:
            lines = {}
            for category in categories:
                amount = value(f"{section}__{category}")
                if amount:
                    frequency = self.query_one(f"#{section}__{category}__frequency", ChoiceField)
                    lines[category] = {"amount": amount, "frequency": str(frequency.value)}
            statement[section] = lines
        statement["priority_debts"] = [
            {
                "creditor": value(f"priority__{row}"),
                "balance": value(f"pbalance__{row}"),
                "payment": value(f"payment__{row}") or "0",
            }
            for row in range(PRIORITY_ROWS)
            if filled("priority", "pbalance", "payment", row=row)
        ]
        statement["non_priority_debts"] = [
            {"creditor": value(f"creditor__{row}"), "balance": value(f"balance__{row}")}
            for row in range(CREDITOR_ROWS)
            if filled("creditor", "balance", row=row)
        ]
        return statement

    @on(Input.Changed)
    @on(ChoiceField.Changed)
    def recalculate(self) -> None:
        summary = self.query_one("#af-summary", Static)
        try:
            self.result = result = self.workstation.assess(self.statement())
            self.offer = offer = self.workstation.council_offer(result, self.debts)
        except InputError as exc:
            self.result = self.offer = None
            summary.update(problem(f"{exc.field.replace('_', ' ')}: {exc.message}"), layout=False)
            return
        checks = result.guideline_checks
        figures = [
            f"Income          £{result.total_income:>10,.2f}",
            f"Fixed costs     £{result.total_fixed_costs:>10,.2f}",
            f"Flexible costs  £{result.total_flexible_costs:>10,.2f}",
            f"[b]Surplus         £{result.surplus:>10,.2f}[/b]",
            f"Savings         £{result.savings_contribution:>10,.2f}",
            f"For priority    £{result.available_for_priority:>10,.2f}",
            f"Other priority  £{result.priority_payments:>10,.2f}",
            f"[b]For the council £{offer.amount:>10,.2f}[/b]",
            f"For others      £{offer.left_for_others:>10,.2f}",
        ]
        # Creditors' names are typed by the officer: they, and warnings that may quote them,
        # go in as text.
        lines = [Content.from_markup("\n".join(figures))]
        lines += [Content(f"  {s.creditor}: £{s.amount:,.2f}") for s in offer.others]
        lines += [caution(w) for w in result.warnings]
        if checks.notice:
            lines.append(caution(checks.notice))
        for check in checks.checks:
            mark = "[green]within[/green]" if check.within else "[red]above[/red]"
            lines.append(
                Content.from_markup(
                    f"{label(check.category)}: £{check.spent:,.2f} {mark} £{check.guideline:,.2f}"
                )
            )
        summary.update(LINE.join(lines), layout=False)  # its size is fixed in the CSS

    def ready(self) -> tuple[AssessmentRequest, Affordability, CouncilOffer] | None:
        """The form as it is now and what it gives, read together on this thread, so what
        is saved is what was on the screen; None while it cannot be saved (a line to fix, or
        the saved statement still being read, which would have replaced the form)."""
        if not self.loaded:
            self.notify("Reading the case's saved statement: a moment, then save.")
            return None
        statement = self.statement() if self.result is not None else None
        if statement is None:
            return None
        try:
            result = self.workstation.assess(statement)
        except InputError:
            return None
        offer = self.workstation.council_offer(result, self.debts)
        return AssessmentRequest(self.case_id, statement, tuple(self.debts)), result, offer

    def action_save(self) -> None:
        ready = self.ready()
        if ready is not None:
            self.save(*ready, use=False)

    def action_use(self) -> None:
        ready = self.ready()
        if ready is None:
            return
        if ready[2].amount <= 0:
            self.notify(
                "Nothing is left for the council's debt: consider a debt advice referral.",
                severity="warning",
            )
            return
        self.save(*ready, use=True)

    def save(
        self, request: AssessmentRequest, result: Affordability, offer: CouncilOffer, use: bool
    ) -> None:
        """Saved by the job runner (never cancelled, a failure always shown), the statement
        assessed again there with the function these figures came from. The same statement
        asked again while it is saving (Ctrl+S pressed three times) is one save, one word."""
        asked = (request.case_id, repr(request.statement), use)
        if asked in self.saving:
            return
        self.saving[asked] = request.statement
        job = partial(self.workstation.save_assessment, request)
        amount = offer.amount if use else None
        then = partial(self._saved, asked, self.showing(), self.saved, amount, request.statement)
        self.write(job, then, "the affordability statement", partial(self._not_saved, asked))

    def _not_saved(self, asked: tuple[str, str, bool]) -> None:
        self.saving.pop(asked, None)
        if asked[2]:  # the builder will not open: what was typed for it goes nowhere
            self.app.post_message(KeysFree(drop=True))

    @property
    def holds_keys(self) -> bool:
        """Keys typed after Ctrl+U, while its save is in flight, are for the builder it opens
        (screens/keyorder.py): they went into this form, a `w` making earnings weekly."""
        return any(use for _, _, use in self.saving) or super().holds_keys

    def _saved(
        self,
        asked: tuple[str, str, bool],
        shown: Hashable,
        before: SavedStatement | None,
        use: Decimal | None,
        statement: dict[str, Any],
        saved: SavedStatement,
    ) -> None:
        self.saving.pop(asked, None)
        if asked[2]:
            self.app.post_message(KeysFree())  # judged again where they go (the builder)
        if shown != self.showing():  # the form has been given another call since
            self.notify("Assessment saved.")
            return
        self.show_saved(saved)
        self.kept = statement
        if use is not None and self.app.screen is self:
            self.dismiss(use)
        elif before is not None and saved.id == before.id:
            self.notify("No change since the saved statement: nothing new saved.")
        else:
            self.notify("Assessment saved.")

    def action_back(self) -> None:
        self.dismiss(None)
