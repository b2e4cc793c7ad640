"""Money in once: the checks that keep a remittance from posting a line twice, and reversals.

A remittance file already imported for the agency (the same SHA-256) is refused, naming that
import. A line already recorded, in this file or an earlier one, is refused naming where: a
line is the same payment as an earlier one when it has the same debt, amount and date, with
or without an agency reference (one sent first without `Their Ref` and again with it is one
payment; one case reference over two debts is two). A debtor may really pay the same amount
twice in a day: a supervisor may post such a line by naming it (`--allow-repeat LINE`), which
is recorded as a `payment.repeat_allowed` event naming who allowed it and what it repeats;
a line with the same agency reference as the payment it repeats is that payment, and stays
refused. Nothing else, and no `--force`, ever posts a line twice.

A negative amount is accepted only as the reversal of an earlier payment through the same
agency on the same debt, of the same amount (and agency reference, when the line gives one)
that is not already reversed, in the store or by an earlier line of the same file (one
payment is reversed once, however many lines claim it): it is recorded as a negative payment
(a `payment.recorded` event with a negative amount and `reversal: true`, so cash collected in
the reports falls by it), the balance rises by it, and the live arrangement's instalments
are marked unpaid again by it, newest first.

All of this runs inside the import's write transaction, which holds SQLite's write lock: two
imports of the same file cannot both pass.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.extract import Reject
from drp_tui.domain.money import ZERO
from drp_tui.services.casework import Actor
from drp_tui.services.payments import live_arrangement_for
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Debt,
    Event,
    Instalment,
    Payment,
)

IMPORT_EVENT = "import.payments"


@dataclass(frozen=True)
class Line:
    """What the checks need of a remittance line (drp_tui.services.remittance builds it)."""

    line: int
    debt_id: str
    amount: Decimal
    paid_on: date
    agency_reference: str


def _local(event: Event) -> str:
    return f"{event.at:%Y-%m-%d %H:%M} UTC by {event.officer_id}"


def earlier_import(session: Session, agency_id: str, sha256: str) -> str | None:
    """How the same file was imported before for this agency, or None."""
    for event in session.execute(
        select(Event).where(col(Event.kind) == IMPORT_EVENT).order_by(col(Event.seq))
    ).scalars():
        payload = event.payload
        if payload.get("agency") == agency_id and payload.get("sha256") == sha256:
            return f"{payload.get('file', 'a file')} on {_local(event)}"
    return None


def _key(line: Line) -> tuple[Any, ...]:
    """The same payment: the same debt, amount and date. The agency reference is left out
    on purpose: a payment sent once without it and again with it is one payment, and an
    agency's case reference covers all a debtor's debts, so it alone never makes two
    payments one."""
    return (line.debt_id, line.amount, line.paid_on)


def repeated_lines(
    session: Session,
    agency_id: str,
    lines: list[Line],
    columns: tuple[str, str],
    allowed: Collection[int] = (),
) -> tuple[list[Reject], list[tuple[Line, str]]]:
    """Lines recorded before (naming the import) or repeated in this file (naming the line),
    as rejects; and the lines of `allowed` (a supervisor's `--allow-repeat`) posted after
    all, each with what it repeats. `columns` is the file's agency-reference and
    debt-reference column names. A line named in `allowed` must be a suspected repeat
    (`InputError` otherwise), and one with the same agency reference as the payment it
    repeats is that payment: it stays refused."""
    their_column, debt_column = columns
    rejects: list[Reject] = []
    passed: list[tuple[Line, str]] = []
    earlier: dict[tuple[Any, ...], list[Payment]] = {}
    for payment in session.execute(
        select(Payment).where(col(Payment.agency_id) == agency_id)
    ).scalars():
        earlier.setdefault((payment.debt_id, payment.amount, payment.received_on), []).append(
            payment
        )
    seen: dict[tuple[Any, ...], list[Line]] = {}
    suspected: set[int] = set()
    for line in lines:
        key = _key(line)
        before_here, before_stored = seen.get(key, []), earlier.get(key, [])
        if not before_here and not before_stored:
            seen[key] = [line]
            continue
        suspected.add(line.line)
        column = their_column if line.agency_reference else debt_column
        shown = line.agency_reference or line.debt_id
        if before_here:
            repeats = f"line {before_here[0].line} of this file (same debt, amount and date)"
            said = f"repeats line {before_here[0].line} (same payment)"
        else:
            repeats = f"the import of {_recorded_by(session, before_stored[0])}"
            said = (
                f"£{line.amount:,.2f} paid {line.paid_on} is already recorded, by {repeats}; "
                "it is not posted again"
            )
        references = {other.agency_reference for other in before_here} | {
            payment.reference for payment in before_stored
        }
        if line.line not in allowed:
            rejects.append(
                Reject(
                    line.line,
                    column,
                    shown,
                    f"{said}. If it is a second payment of the same amount that day, a "
                    f"supervisor may post it with --allow-repeat {line.line}",
                )
            )
        elif line.agency_reference and line.agency_reference in references:
            rejects.append(
                Reject(
                    line.line,
                    column,
                    shown,
                    f"{said}, with the same agency reference: it is the same payment, and "
                    "is never posted twice, --allow-repeat or not",
                )
            )
        else:
            passed.append((line, repeats))
            seen.setdefault(key, []).append(line)
    unknown = sorted(set(allowed) - suspected)
    if unknown:
        raise InputError(
            "--allow-repeat",
            f"line {unknown[0]} is not refused as a repeat (same debt, amount and date as "
            "another payment); name only lines drp refuses as repeats, nothing was recorded",
        )
    return rejects, passed


def lines_named(text: str, option: str = "--allow-repeat") -> list[int]:
    """`3` or `3,7`: the file's line numbers, as a supervisor types them."""
    numbers = []
    for part in text.split(","):
        part = part.strip()
        if not (part.isascii() and part.isdigit()) or int(part) < 2:
            raise InputError(
                option,
                f"{part!r} is not a line number of the file (give lines as listed, for "
                "example 3 or 3,7)",
            )
        numbers.append(int(part))
    return numbers


def record_allowed_repeat(
    session: Session, actor: Actor, line: Line, *, file: str, repeats: str
) -> None:
    """Who let a suspected repeat be posted, and what it looked like a repeat of."""
    debt = session.get(Debt, line.debt_id)
    assert debt is not None  # matched against a placement just before
    append_event(
        session,
        officer_id=actor.officer_id,
        kind="payment.repeat_allowed",
        at=actor.now(),
        case_id=debt.case_id,
        event_id=actor.ids(),
        payload={
            "file": file,
            "line": line.line,
            "debt": debt.id,
            "amount": f"{line.amount:.2f}",
            "received_on": line.paid_on.isoformat(),
            "reference": line.agency_reference,
            "repeats": repeats,
        },
    )


def _recorded_by(session: Session, payment: Payment) -> str:
    recorded = session.execute(
        select(Event).where(
            col(Event.kind) == "payment.recorded",
            func.json_extract(col(Event.payload), "$.payment") == payment.id,
        )
    ).scalar_one_or_none()
    if recorded is None:
        return "an earlier remittance"
    imported = session.execute(
        select(Event)
        .where(col(Event.kind) == IMPORT_EVENT, col(Event.seq) < recorded.seq)
        .order_by(col(Event.seq).desc())
        .limit(1)
    ).scalar_one_or_none()
    if imported is None:
        return f"an earlier remittance on {_local(recorded)}"
    return f"{imported.payload.get('file', 'a file')} on {_local(imported)}"


def unreversed(
    session: Session, agency_id: str, line: Line, claimed: Counter[tuple[Any, ...]]
) -> bool:
    """Whether an earlier payment through this agency is there for `line` (negative) to
    reverse: more payments of that amount on the debt than reversals of them, in the store
    and by the lines before it in this file. `claimed` counts this file's reversals so far
    (by debt and amount, and by debt, amount and agency reference); a line that passes is
    added to it, so one payment is never reversed twice by one file."""
    amount = -line.amount
    any_ref: Counter[bool] = Counter()
    its_ref: Counter[bool] = Counter()
    for payment in session.execute(
        select(Payment).where(
            col(Payment.agency_id) == agency_id,
            col(Payment.debt_id) == line.debt_id,
            col(Payment.amount).in_([amount, -amount]),
        )
    ).scalars():
        any_ref[payment.amount > 0] += 1
        if payment.reference == line.agency_reference:
            its_ref[payment.amount > 0] += 1
    by_debt = ("debt", line.debt_id, amount)
    by_ref = ("ref", line.debt_id, amount, line.agency_reference)
    if any_ref[True] - any_ref[False] <= claimed[by_debt]:
        return False
    if line.agency_reference and its_ref[True] - its_ref[False] <= claimed[by_ref]:
        return False
    claimed[by_debt] += 1
    if line.agency_reference:
        claimed[by_ref] += 1
    return True


def record_reversal(
    session: Session, actor: Actor, line: Line, *, source: str, agency_id: str
) -> None:
    debt = session.get(Debt, line.debt_id)
    assert debt is not None  # matched against a placement just before
    payment = Payment(
        id=actor.ids(),
        debt_id=debt.id,
        amount=line.amount,
        received_on=line.paid_on,
        source=source,
        agency_id=agency_id,
        reference=line.agency_reference or f"line {line.line}",
    )
    session.add(payment)
    debt.balance = debt.balance - line.amount
    _unpay_instalments(session, debt.id, -line.amount)
    session.flush()
    append_event(
        session,
        officer_id=actor.officer_id,
        kind="payment.recorded",  # negative: the reports' cash collected falls by it
        at=actor.now(),
        case_id=debt.case_id,
        event_id=actor.ids(),
        payload={
            "payment": payment.id,
            "debt": debt.id,
            "amount": f"{line.amount:.2f}",
            "received_on": line.paid_on.isoformat(),
            "source": source,
            "agency": agency_id,
            "reference": payment.reference,
            "reversal": True,
        },
    )


def _unpay_instalments(session: Session, debt_id: str, amount: Decimal) -> None:
    live = live_arrangement_for(session, debt_id)
    if live is None:
        return
    remaining = amount
    for instalment in session.execute(
        select(Instalment)
        .where(col(Instalment.arrangement_id) == live.id)
        .order_by(col(Instalment.number).desc())
    ).scalars():
        if remaining <= ZERO:
            break
        taken = min(instalment.paid, remaining)
        if taken > ZERO:
            instalment.paid = instalment.paid - taken
            remaining -= taken


def record_import(
    session: Session,
    actor: Actor,
    *,
    agency_id: str,
    file: str,
    sha256: str,
    counts: dict[str, Any],
) -> None:
    append_event(
        session,
        officer_id=actor.officer_id,
        kind=IMPORT_EVENT,
        at=actor.now(),
        event_id=actor.ids(),
        payload={"agency": agency_id, "file": file, "sha256": sha256, **counts},
    )
