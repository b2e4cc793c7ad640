"""Agency remittances: what an enforcement agent or collection agency says it collected,
reconciled against the debts placed with it.

A row that cannot be read (money, date, missing reference, more fields than the header)
rejects the whole file, and nothing is recorded. Two columns whose names fold to one
(`Amount Paid`, `amount_paid`) refuse the file. Readable rows are reconciled: matched (a debt
placed with this agency) and overpaid (more than the balance; the excess stays as a credit to
refund) are recorded as payments; unmatched rows (no such debt, or not placed with this
agency) are listed for follow-up and not recorded. A file or line imported before is refused,
and a negative amount is only ever the reversal of an earlier payment
(drp_tui.services.remittance_once).
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.controls import escaped
from drp_tui.domain.dates import parse_date
from drp_tui.domain.errors import InputError
from drp_tui.domain.extract import Reject
from drp_tui.domain.money import parse_money
from drp_tui.services import remittance_once as once
from drp_tui.services.casework import Actor
from drp_tui.services.extract_read import (
    at_lines,
    check_encoding,
    clean_fields,
    decode,
    fold_name,
    has_controls,
    read_input,
    read_records,
    shown_name,
)
from drp_tui.services.importer import dialect_for
from drp_tui.services.officers import require_supervisor
from drp_tui.services.payments import apply_payment
from drp_tui.store.engine import Store
from drp_tui.store.models import Agency, Debt, Placement

COLUMNS = {  # drp's name -> names agencies use for it
    "reference": ("reference", "account", "account_reference", "debt_ref", "client_ref"),
    "amount": ("amount", "paid", "amount_paid", "remitted"),
    "date": ("date", "paid_on", "payment_date", "date_paid"),
    "agency_reference": ("agency_reference", "their_ref", "case_ref", "agent_ref"),
}


@dataclass(frozen=True)
class RemittanceLine:
    line: int
    reference: str
    amount: Decimal
    paid_on: date
    agency_reference: str


@dataclass
class Reconciliation:
    agency: str
    matched: list[RemittanceLine] = field(default_factory=list)
    overpaid: list[tuple[RemittanceLine, Decimal]] = field(default_factory=list)  # excess
    unmatched: list[tuple[RemittanceLine, str]] = field(default_factory=list)  # why
    reversed: list[RemittanceLine] = field(default_factory=list)  # negative: earlier payments
    rejects: list[Reject] = field(default_factory=list)
    allowed_repeats: list[int] = field(default_factory=list)  # lines a supervisor let through
    refused: str = ""  # the whole file, and why (it was imported before)
    committed: bool = False

    @property
    def recorded(self) -> Decimal:
        return (
            sum((line.amount for line in self.matched), Decimal(0))
            + sum((line.amount for line, _ in self.overpaid), Decimal(0))
            + sum((line.amount for line in self.reversed), Decimal(0))
        )


def _folded(name: str) -> str:
    """A column name as matched against COLUMNS: folded as two columns are compared
    (`fold_name`: case, spaces, invisible characters), and space and underscore as one."""
    return fold_name(name).replace(" ", "_")


def _columns(header: list[str]) -> dict[str, str]:
    """Which column holds each of drp's fields. Two columns that could both be one field
    (`Amount` and `Amount Paid`) refuse the file: drp does not pick one."""
    lowered: dict[str, str] = {}
    for position, name in enumerate(header, start=1):
        key = _folded(name)
        if key in lowered:  # `Amount Paid` and `amount_paid`: the later would silently win
            first = lowered[key]
            raise InputError(
                "FILE",
                f"line 1: the columns {shown_name(first)} and {shown_name(name)} (columns "
                f"{header.index(first) + 1} and {position}) are the same name written two "
                "ways; drp cannot tell which to read, so nothing was read",
            )
        lowered[key] = name
    found = {}
    for ours, theirs in COLUMNS.items():
        candidates = [lowered[name] for name in theirs if name in lowered]
        if len(candidates) > 1:
            positions = " and ".join(str(header.index(c) + 1) for c in candidates[:2])
            raise InputError(
                "FILE",
                f"line 1: the columns {shown_name(candidates[0])} and {shown_name(candidates[1])} "
                f"(columns "
                f"{positions}) could both be the {ours.replace('_', ' ')}; drp cannot tell "
                "which to read, so nothing was read",
            )
        if candidates:
            found[ours] = candidates[0]
    missing = [ours for ours in ("reference", "amount", "date") if ours not in found]
    if missing:
        raise InputError(
            "FILE",
            f"has no {', '.join(missing)} column; expected columns like "
            f"{', '.join(COLUMNS['reference'][:2])}, amount, date (found: "
            f"{escaped(', '.join(header))})",
        )
    return found


def _invisible(
    number: int, column: str, raw: dict[Any, Any], problems: list[Reject]
) -> list[Reject]:
    """A reference holding an invisible format character (Unicode category Cf: a byte-order
    mark, a zero-width space) is refused: `M5` and `M5<ZWSP>` look the same to an officer but
    compare different, so one payment could post as two."""
    value = raw.get(column) if column else None
    if not isinstance(value, str) or any(p.column == column for p in problems):
        return []
    for character in value:
        if unicodedata.category(character) == "Cf":
            name = unicodedata.name(character, "format character").lower()
            shown = "".join(
                c.encode("unicode_escape").decode("ascii") if unicodedata.category(c) == "Cf" else c
                for c in value
            )
            return [
                Reject(
                    number,
                    column,
                    shown,
                    f"holds an invisible character U+{ord(character):04X} ({name}); a "
                    "reference must be what an officer sees",
                )
            ]
    return []


def read_remittance(
    data: bytes, encoding: str = "auto"
) -> tuple[list[RemittanceLine], list[Reject], dict[str, str]]:
    text = decode(data, encoding)
    header, records = read_records(text, dialect_for(text, None))
    columns = _columns(header)
    controls = has_controls(data, text)
    lines, rejects = [], []
    for record in records:
        number, _, raw = record
        if None in raw:  # more fields than the header: an unquoted `£1,234.50` splits in two
            rejects.append(
                Reject(
                    number,
                    "(row)",
                    "",
                    f"has {len(header) + len(raw[None])} fields; the header has {len(header)} "
                    "(is an amount with a comma not in quotes?); nothing on it was read",
                )
            )
            continue
        problems: list[Reject] = []
        if controls:
            raw, problems, _ = clean_fields(raw, columns, number, False)
        for ours in ("reference", "agency_reference"):
            problems.extend(_invisible(number, columns.get(ours, ""), raw, problems))
        reference = (raw.get(columns["reference"]) or "").strip()
        if not reference:
            problems.append(Reject(number, columns["reference"], "", "is empty"))
        try:
            value = parse_money(raw.get(columns["amount"]) or "", "amount", allow_negative=True)
            if value == 0:
                problems.append(Reject(number, columns["amount"], str(value), "must not be £0.00"))
        except InputError as exc:
            problems.append(
                Reject(number, columns["amount"], raw.get(columns["amount"]) or "", exc.message)
            )
        try:
            paid_on = parse_date(raw.get(columns["date"]) or "", "date")
        except InputError as exc:
            problems.append(
                Reject(number, columns["date"], raw.get(columns["date"]) or "", exc.message)
            )
        if problems:
            rejects.extend(at_lines(record, problems))
            continue
        their = (raw.get(columns.get("agency_reference", "")) or "").strip()
        lines.append(RemittanceLine(number, reference, value, paid_on, their))
    return lines, rejects, columns


def import_remittance(
    store: Store,
    actor: Actor,
    path: Path,
    agency_name: str,
    *,
    dry_run: bool = False,
    encoding: str = "auto",
    allow_repeat: Collection[int] = (),
) -> Reconciliation:
    """Reconcile and record the remittance at `path`, as the module says. `allow_repeat`
    names lines a supervisor knows are second payments, not repeats (remittance_once)."""
    if allow_repeat:
        require_supervisor(store, actor.officer_id, "--allow-repeat")
    data = read_input(path)
    with store.read() as session:
        agency = session.execute(
            select(Agency).where(
                (col(Agency.id) == agency_name) | (col(Agency.name) == agency_name)
            )
        ).scalar_one_or_none()
        if agency is None:
            names = ", ".join(a.name for a in session.execute(select(Agency)).scalars())
            raise InputError("--agency", f"no agency {agency_name!r}; known: {names}")
        agency_id, kind = agency.id, agency.kind
    result = Reconciliation(agency.name)
    lines, result.rejects, columns = read_remittance(data, check_encoding(encoding))
    if result.rejects:
        return result
    with store.read() as session:
        placed = {
            host_ref: (debt_id, balance)
            for host_ref, debt_id, balance in session.execute(
                select(col(Debt.host_ref), col(Debt.id), col(Debt.balance))
                .join(Placement, col(Placement.debt_id) == col(Debt.id))
                .where(col(Placement.agency_id) == agency_id, col(Placement.status) == "open")
            )
        }
        known = set(session.execute(select(col(Debt.host_ref))).scalars())
    to_record: list[tuple[RemittanceLine, once.Line]] = []
    for line in lines:
        if line.reference not in placed:
            why = (
                "not placed with this agency"
                if line.reference in known
                else "no debt with this reference"
            )
            result.unmatched.append((line, why))
            continue
        debt_id, balance = placed[line.reference]
        if line.amount < 0:
            result.reversed.append(line)
        elif line.amount > balance:
            result.overpaid.append((line, line.amount - balance))
        else:
            result.matched.append(line)
        placed[line.reference] = (debt_id, balance - line.amount)
        to_record.append(
            (line, once.Line(line.line, debt_id, line.amount, line.paid_on, line.agency_reference))
        )
    digest = hashlib.sha256(data).hexdigest()
    their_column = columns.get("agency_reference", "agency_reference")
    # The whole remittance, or none of it; checked under the write lock, so that two imports
    # of one file cannot both pass. A dry run checks the same, and rolls back.
    with store.write() as session:
        earlier = once.earlier_import(session, agency_id, digest)
        if earlier is not None:
            result.refused = f"{path.name} was already imported as {earlier}; nothing was recorded"
            return result
        checked = [checked for _, checked in to_record]
        result.rejects, allowed = once.repeated_lines(
            session, agency_id, checked, (their_column, columns["reference"]), allow_repeat
        )
        result.allowed_repeats = [line.line for line, _ in allowed]
        claimed: Counter[tuple[Any, ...]] = Counter()  # this file's reversals so far
        for line, checked_line in to_record:
            if line.amount < 0 and not once.unreversed(session, agency_id, checked_line, claimed):
                result.rejects.append(
                    Reject(
                        line.line,
                        columns["amount"],
                        f"{line.amount:.2f}",
                        "is negative but does not reverse a payment through this agency of "
                        f"£{-line.amount:,.2f} on {line.reference} that still stands; a "
                        "negative amount is only ever a reversal",
                    )
                )
        result.rejects.sort(key=lambda r: r.line)
        if result.rejects or dry_run:
            session.rollback()
            return result
        once.record_import(
            session,
            actor,
            agency_id=agency_id,
            file=path.name,
            sha256=digest,
            counts={
                "lines": len(lines),
                "matched": len(result.matched),
                "overpaid": len(result.overpaid),
                "reversed": len(result.reversed),
                "unmatched": len(result.unmatched),
                "recorded": f"{result.recorded:.2f}",
            },
        )
        for checked_line, repeats in allowed:
            once.record_allowed_repeat(
                session, actor, checked_line, file=path.name, repeats=repeats
            )
        for line, checked_line in to_record:
            if line.amount < 0:
                once.record_reversal(session, actor, checked_line, source=kind, agency_id=agency_id)
                continue
            apply_payment(
                session,
                actor,
                debt_id=checked_line.debt_id,
                amount=line.amount,
                received_on=line.paid_on,
                source=kind,
                agency_id=agency_id,
                reference=line.agency_reference or f"line {line.line}",
            )
    result.committed = True
    return result
