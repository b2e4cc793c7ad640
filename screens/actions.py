"""The debtor screen's smaller actions, each a dialog that returns what to do: mark a phone
number (m), refer a debt to an agency (e), request a write-off (w)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Button, Input, Label, Select, Static

from drp_tui.domain.errors import InputError
from drp_tui.domain.money import parse_money
from drp_tui.domain.recovery import REFERRAL_ROUTES, RouteCheck
from drp_tui.domain.writeoff import WriteOffReasons
from drp_tui.services.caseview import CaseView, DebtLine
from drp_tui.services.casework import PHONE_STATUSES
from drp_tui.store.models import Agency
from screens.dialog import Dialog, buttons
from screens.widgets import TextField

HIDDEN = "•••"


def debt_label(debt: DebtLine, shown: bool) -> str:
    """A debt's reference, masked to its last characters until ID&V passes."""
    return debt.reference if shown else HIDDEN + debt.reference[-3:]


def field(label: str, widget: Input | Select[str]) -> ComposeResult:
    with Horizontal(classes="field"):
        yield Label(label)
        yield widget


@dataclass(frozen=True)
class PhoneMark:
    phone_id: str
    status: str


class PhoneModal(Dialog[PhoneMark | None]):
    def __init__(self, phones: Sequence[tuple[str, str, str]]) -> None:
        super().__init__()
        self.phones = phones

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("[b]Phone numbers[/b]: mark one wrong, disconnected or good again")
            yield from field(
                "Number",
                Select(
                    [
                        (Text(f"{number} ({status})"), phone_id)
                        for phone_id, number, status in self.phones
                    ],
                    prompt="Which number?",
                    id="phone",
                ),
            )
            yield from field(
                "Status",
                Select([(s, s) for s in PHONE_STATUSES], prompt="Now it is", id="status"),
            )
            yield Static("", id="message", classes="message")
            yield from buttons("Save")

    @on(Button.Pressed, "#confirm")
    def confirmed(self) -> None:
        phone = self.query_one("#phone", Select)
        status = self.query_one("#status", Select)
        if phone.is_blank() or status.is_blank():
            self.say("Choose the number and its status.")
            return
        self.dismiss(PhoneMark(str(phone.value), str(status.value)))


@dataclass(frozen=True)
class Referral:
    debt_id: str
    agency_id: str
    agency_name: str
    confirmation: str = ""  # why the referral is right despite the case's vulnerabilities


def referral_routes(view: CaseView) -> list[tuple[DebtLine, RouteCheck]]:
    """Each debt not with an agency already that has a route to one open today."""
    return [
        (debt, route)
        for debt in view.debts
        if debt.with_agency is None
        for route in debt.routes
        if route.open and route.id in REFERRAL_ROUTES
    ]


class ReferralModal(Dialog[Referral | None]):
    """Refer a debt to an enforcement agent or a collection agency, only where a route to
    one is open for that debt. On a case with vulnerabilities recorded they are shown, and
    the officer must say why the referral is still right."""

    def __init__(
        self,
        routes: list[tuple[DebtLine, RouteCheck]],
        agencies: list[Agency],
        shown: bool,
        vulnerabilities: Sequence[str] = (),
    ) -> None:
        super().__init__()
        self.routes = routes
        self.agencies = agencies
        self.shown = shown
        self.vulnerabilities = tuple(vulnerabilities)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("[b]Refer to an agency[/b] (debts with an open route only)")
            if self.vulnerabilities:
                yield Static(
                    Content.from_markup(
                        "[b red]Vulnerabilities on this case:[/b red] $list\nAn agency must be "
                        "told, and some cases should not go at all. Say why this referral is "
                        "right.",
                        list=", ".join(self.vulnerabilities),
                    ),
                    id="vulnerabilities",
                )
                yield from field(
                    "Confirmed",
                    TextField(placeholder="why the referral is still right", id="confirmation"),
                )
            yield from field(
                "Debt",
                Select(
                    [
                        (Text(f"{debt_label(debt, self.shown)} · {route.name}"), str(n))
                        for n, (debt, route) in enumerate(self.routes)
                    ],
                    prompt="Which debt?",
                    id="route",
                ),
            )
            yield from field("Agency", Select([], prompt="Which agency?", id="agency"))
            yield Static("", id="fees", classes="message")
            yield Static("", id="message", classes="message")
            yield from buttons("Refer")

    @on(Select.Changed, "#route")
    def route_chosen(self, event: Select.Changed) -> None:
        agency = self.query_one("#agency", Select)
        if event.select.is_blank():
            agency.set_options([])
            return
        debt, route = self.routes[int(str(event.value))]
        kind = REFERRAL_ROUTES[route.id]
        agency.set_options([(Text(a.name), a.id) for a in self.agencies if a.kind == kind])
        amount = debt.amounts.get(route.id)
        self.query_one("#fees", Static).update(
            f"[i]{amount}[/i]" if amount and self.shown else route.note
        )

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)  # Enter in its one field (why the referral is right)
    def confirmed(self) -> None:
        route = self.query_one("#route", Select)
        agency = self.query_one("#agency", Select)
        if route.is_blank() or agency.is_blank():
            self.say("Choose the debt and the agency.")
            return
        confirmation = ""
        if self.vulnerabilities:
            confirmation = self.query_one("#confirmation", Input).value.strip()
            if not confirmation:
                self.say(
                    "This case has vulnerabilities recorded: confirm why the referral is "
                    "still right."
                )
                return
        debt, _ = self.routes[int(str(route.value))]
        chosen = next(a for a in self.agencies if a.id == agency.value)
        self.dismiss(Referral(debt.id, chosen.id, chosen.name, confirmation))


@dataclass(frozen=True)
class WriteOffAsk:
    debt_reference: str
    reason_code: str
    amount: Decimal
    note: str
    evidence: Mapping[str, str]


FIELD_NAMES = {"--note": "Note", "--evidence": "Evidence", "--reason": "Reason"}


class WriteOffModal(Dialog[WriteOffAsk | None]):
    """Ask for a debt (or part of it) to be written off; someone with the authority for the
    amount decides. The reason chosen brings the evidence fields policy lists for it; the
    request needs them and a note (the same check the service makes)."""

    def __init__(
        self,
        debts: Sequence[DebtLine],
        reasons: WriteOffReasons,
        shown: bool,
        on_record: Callable[[str, str], str | None] = lambda debt_id, reason: None,
    ) -> None:
        """`on_record(debt_id, reason)`: why the record does not bear the reason out (the
        service's own check, asked before the request is sent), or None."""
        super().__init__()
        self.debts = debts
        self.reasons = reasons
        self.shown = shown
        self.on_record = on_record

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("[b]Request a write-off[/b] (a supervisor or manager decides, by amount)")
            yield from field(
                "Debt",
                Select(
                    [
                        (Text(f"{debt_label(d, self.shown)} · {d.type_name}"), d.id)
                        for d in self.debts
                    ],
                    prompt="Which debt?",
                    id="debt",
                ),
            )
            yield from field(
                "Reason",
                Select(
                    [(name, code) for code, name in self.reasons.codes.items()],
                    prompt="Why it cannot be collected",
                    id="reason",
                ),
            )
            yield from field(
                "Amount", TextField(placeholder="blank: the whole balance", id="amount")
            )
            yield Vertical(id="evidence", classes="message")
            yield from field("Note", TextField(placeholder="the evidence, where kept", id="note"))
            yield Static("", id="message", classes="message")
            yield from buttons("Request")

    @on(Select.Changed, "#reason")
    async def reason_chosen(self, event: Select.Changed) -> None:
        """The evidence fields for the reason chosen, in place of the last reason's."""
        box = self.query_one("#evidence", Vertical)
        await box.remove_children()
        if event.select.is_blank():
            return
        rows: list[Widget] = []
        for key, label in self.reasons.evidence_for(str(event.value)):
            rows += [
                Static(Text(f"Evidence: {label}")),
                TextField(id=f"evidence-{key}", compact=True),
            ]
        await box.mount_all(rows)

    @on(Button.Pressed, "#confirm")
    @on(Input.Submitted)
    def confirmed(self) -> None:
        debt_select = self.query_one("#debt", Select)
        reason = self.query_one("#reason", Select)
        if debt_select.is_blank() or reason.is_blank():
            self.say("Choose the debt and the reason.")
            return
        debt = next(d for d in self.debts if d.id == debt_select.value)
        typed = self.query_one("#amount", Input).value.strip()
        if not typed and debt.balance is None:
            self.say("Amount: type it (the balance shows after ID&V on this call)")
            return
        try:
            amount = parse_money(typed, "Amount") if typed else debt.balance
        except InputError as exc:
            self.say(str(exc))
            return
        assert amount is not None
        if amount <= 0 or (debt.balance is not None and amount > debt.balance):
            balance = f" £{debt.balance:,.2f}" if self.shown else ""
            self.say(f"Amount: more than £0.00 and at most the balance{balance}")
            return
        note = self.query_one("#note", Input).value.strip()
        given = {
            str(box.id).removeprefix("evidence-"): box.value
            for box in self.query("#evidence Input").results(Input)
        }
        try:
            evidence = self.reasons.check_request(str(reason.value), note, given)
        except InputError as exc:
            self.say(f"{FIELD_NAMES.get(exc.field, exc.field)}: {exc.message}")
            return
        unmet = self.on_record(debt.id, str(reason.value))
        if unmet is not None:
            self.say(unmet.removeprefix("write-off: "))
            return
        self.dismiss(WriteOffAsk(debt.reference, str(reason.value), amount, note, evidence))
