"""What the debtor screen draws for a case, as pure functions of the case view: the person,
the debt rows, the history, the script and the recovery options. The view is already masked
by the services until ID&V passes on the call; `shown` only chooses how the gaps are drawn."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text
from textual.content import Content

from drp_tui.domain.holds import refusing
from drp_tui.services.caseview import CaseView, DebtLine
from screens.actions import HIDDEN, debt_label
from screens.idv import on_the_line
from screens.text import LINE

# Balance second, so it shows at 80 columns too. At 120 columns the five fit the left pane
# exactly (72 with each cell's padding), so no scroll bar takes a row there.
DEBT_COLUMNS = (("Debt", 15), ("Balance", 11), ("Stage", 15), ("Reference", 12), ("Costs", 9))
HISTORY_COLUMNS = (("When", 12), ("Who", 8), ("What", 22))  # then the detail, to the edge
OPENING = (
    "Confirm you are speaking to the right person before discussing the account. If anyone "
    "else answers, or you reach voicemail, leave no debt details."
)

NEXT_OPENING = "Call recorded · opening the next case…"  # the header while it opens


def header_content(view: CaseView, elapsed: int) -> Content:
    """One line: the case, its stage and balance, the call's ID&V and its clock."""
    balance = f"£{HIDDEN}" if view.balance is None else f"£{view.balance:,.2f}"
    authority = None if view.call is None else view.call.authority
    if view.call is not None and view.call.status == "interrupted":
        idv = "[red]call cut off: record its outcome (o)[/red]"
    elif authority is not None:
        idv = "[cyan]Third party: $who may $may[/cyan]"
    elif view.verified:
        idv = "[green]ID&V passed[/green]"
    else:
        idv = "[yellow]ID&V needed (i)[/yellow]"
    return Content.from_markup(
        f"[b]$reference[/b] · $stage · $balance · {idv} · "
        f"call {elapsed // 60:02d}:{elapsed % 60:02d}",
        reference=view.reference,
        stage=view.main_stage.replace("_", " "),
        balance=balance,
        who="" if authority is None else authority.who,
        may="" if authority is None else authority.may,
    )


def holds_content(view: CaseView) -> Content:
    return LINE.join(
        Content.from_markup(
            "[b]ON HOLD[/b] $name $until: no $refused",
            name=h.name,
            until=h.until,
            refused=", ".join(a.replace("_", " ") for a in sorted(h.refuses) if a != "queue"),
        )
        for h in view.holds
    )


def vulnerability_content(view: CaseView) -> Content:
    return Content.from_markup(
        "[b]Vulnerability[/b] ◆ $needs", needs="; ".join(view.vulnerabilities)
    )


def person_content(view: CaseView, shown: bool) -> Content:
    born = (
        (f"{view.date_of_birth:%d %b %Y}" if view.date_of_birth else "not held")
        if shown
        else HIDDEN
    )
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
    return (
        Content.from_markup(
            "[b]$name[/b]\nborn $born\n$address\n[b]Phones[/b]\n",
            name=view.name,  # initials until ID&V passes on this call (the service masks it)
            born=born,
            address=view.address if shown else HIDDEN,
        )
        + (phones or Content("  none held"))
        + on_the_line(view)
    )


def debt_cells(debt: DebtLine, shown: bool) -> tuple[Text | str, ...]:
    """One row of the debts table, in DEBT_COLUMNS order."""
    return (
        Text(debt.type_name, no_wrap=True),
        money(debt.balance),
        Text(f"with {debt.with_agency}", style="yellow", no_wrap=True)
        if debt.with_agency
        else debt.stage.replace("_", " "),
        Text(debt_label(debt, shown), no_wrap=True),
        money(debt.costs),
    )


def history_text(view: CaseView) -> Text:
    """Text, not markup: a note's own "[...]" is shown as typed."""
    lines = Text()
    lines.append(columns(*(label for label, _ in HISTORY_COLUMNS)) + "Detail", style="bold")
    for line in view.history:
        lines.append("\n" + columns(line.at, line.officer, line.kind.replace(".", " ")))
        lines.append(line.detail)
    if not view.history:
        lines.append("\nNothing recorded on this case yet.", style="dim")
    return lines


def script_content(view: CaseView) -> Content:
    if not view.debts:
        return Content("")
    # The debt to talk about: the largest still the council's (not with an agency).
    top = next((d for d in view.debts if d.with_agency is None), None)
    held = refusing(view.holds, "demand_payment")
    if held is not None:
        # The hold script: nothing that asks for money or says what non-payment leads to.
        return Content.from_markup(
            "[b]Script (on hold)[/b]\n$opening\n$hold: do not ask for payment, offer no "
            "arrangement and say nothing of what happens if it is not paid. Check how they "
            "are, note the call, signpost free debt advice if they ask, and end it kindly.",
            opening=OPENING,
            hold=held.hold.name,
        )
    follow_up = _follow_up(view)
    if follow_up and top is not None:
        return Content.from_markup(
            "[b]Script (follow-up)[/b]\n$opening\n$what Ask what happened, without blame. If "
            "their circumstances changed, go through their income and spending again (a) and "
            "agree an arrangement they can afford (r); if it was a one-off, agree when they "
            "will pay (p).$reinstate Note what they said (t).\n[b]If it is not paid:[/b] $next",
            opening=OPENING,
            what=follow_up,
            reinstate=REINSTATE if follow_up == FOLLOW_UPS["diary: arrangement broken"] else "",
            next=top.non_payment,
        )
    if top is None:
        return Content.from_markup(
            "[b]Script[/b]\n$opening\nEvery debt on this case is with an agency: do not ask "
            "for payment; give the agency's details and note the call.",
            opening=OPENING,
        )
    return Content.from_markup(
        "[b]Script[/b]\n$opening\nExplain the $debt balance and that it is at $stage. Ask "
        "how they can pay; offer an arrangement they can afford (affordability first if "
        "money is tight).\n[b]If it is not paid:[/b] $next",
        opening=OPENING,
        debt=top.type_name.lower(),
        stage=top.stage.replace("_", " "),
        next=top.non_payment,
    )


FOLLOW_UPS = {
    "diary: promise broken": "The payment they promised was not made.",
    "diary: arrangement broken": "Their arrangement was cancelled: instalments were missed.",
    "diary: instalment missed": "An instalment of their arrangement was missed.",
}


REINSTATE = (
    " If they can catch up what was missed, or have it spread over the instalments to come, "
    "reinstate the arrangement (R) where policy allows."
)


def _follow_up(view: CaseView) -> str:
    """What the call follows up, when it was opened from the diary for a broken promise, a
    broken arrangement or a missed instalment."""
    reason = "" if view.call is None else view.call.reason
    return next((said for opened, said in FOLLOW_UPS.items() if reason.startswith(opened)), "")


def routes_content(view: CaseView, shown: bool, closed: Sequence[str]) -> Content:
    """The recovery options per debt; on hold, every option closed with the reasons the
    services give (`closed`)."""
    lines = [Content.from_markup("[b]Recovery options[/b]")]
    if refusing(view.holds, "demand_payment") is not None:
        lines += [Content.from_markup(" · closed: $why", why=why) for why in closed]
        return LINE.join(lines)
    for debt in view.debts[:3]:
        lines.append(
            Content.from_markup(
                "[u]$debt[/u] $kind", debt=debt_label(debt, shown), kind=debt.type_name
            )
        )
        if debt.with_agency:
            lines.append(Content(f" · with {debt.with_agency}: the agency collects it"))
            continue
        open_routes = [r for r in debt.routes if r.open]
        lines += [
            Content.from_markup(" · $route: [i]$amount[/i]", route=r.name, amount=amount)
            if (amount := debt.amounts.get(r.id)) and shown
            else Content(f" · {r.name}")
            for r in open_routes
        ] or [Content(" none open")]
    return LINE.join(lines)


def columns(*values: str) -> str:
    """The history's fixed columns, each cut to its width, then the start of the detail."""
    return (
        "".join(
            f" {value[:width]:<{width}} "
            for value, (_, width) in zip(values, HISTORY_COLUMNS, strict=True)
        )
        + " "
    )


def money(amount: Decimal | None) -> Text:
    """Money as the call may see it: hidden until ID&V passes (the view holds None)."""
    return Text(f"£{HIDDEN}" if amount is None else f"£{amount:,.2f}", justify="right")


# The debtor screen's keys the footer has no room for, as "key Name" (a short name if the
# line is narrow), then what the ◆ beside a name or a vulnerability means.
MORE_KEYS = (  # id, then its name in each tier, as room allows ("": left to F1 help)
    ("debtor.promise", "Promise", "Promise", "Promise"),
    ("debtor.note", "Note", "Note", "Note"),
    ("debtor.phone", "Mark phone", "Tel", "Tel"),
    ("debtor.refer", "Refer", "Refer", "Refer"),
    ("debtor.writeoff", "Write-off", "Write-off", "Write-off"),
    ("debtor.authority", "Third party", "Auth", "Auth"),
    ("debtor.letter", "Letter", "Letter", "Letter"),
    ("debtor.complaint", "Complaint", "Complaint", ""),
    ("debtor.appointment", "Appointment", "Appt", ""),
    ("debtor.sms_consent", "SMS consent", "SMS", ""),
    ("debtor.next", "Next case", "Next", "Next"),
)
DIAMOND = (" ◆ vulnerability recorded", " ◆ vulnerable", " ◆ vulnerable")


def more_keys_content(keys: dict[str, str], width: int) -> Content:
    """One line: each key (as the officer's keymap has it) and its name, to fit `width`. At
    80 columns there is no room for every key: the complaint, appointment and SMS consent keys
    are then named in F1's help only."""
    for tier in range(len(DIAMOND)):
        parts = [
            Content.from_markup("[b $accent]$key[/] $name", key=keys[key_id], name=names[tier])
            for key_id, *names in MORE_KEYS
            if keys.get(key_id) and names[tier]
        ]
        gap = Content(" " if tier else "  ")
        line = gap.join(parts) + Content.from_markup("[magenta]$d[/]", d=DIAMOND[tier])
        if line.cell_length <= width or tier == len(DIAMOND) - 1:
            return line
    raise AssertionError("unreachable")
