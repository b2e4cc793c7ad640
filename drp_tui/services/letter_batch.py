"""The print run (`drp letters batch`): every letter queued and not yet printed becomes one PDF
(drp_tui/services/letter_pdf.py) in a folder, and is marked printed by an event naming the
queued one, so a letter is never printed twice or missed, even with two runs at once.

Each letter is judged again as it is printed, against the case as it is now, by the rules it
was queued by (services/letters.py `still_allowed`): one a hold now stops (Breathing Space
notified since it was queued, say), whose template was withdrawn or reworded, whose template
needs what the case no longer has (an arrangement broken since), or whose debtor has moved
since (never posted to the address they left) is withheld, and so is one that cannot be laid
out; each withheld letter is an event with the reason, and the run goes on to the next."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session, col

from drp_tui.domain.errors import InputError
from drp_tui.domain.letters import Rendered
from drp_tui.services.casework import Actor
from drp_tui.services.letter_pdf import letter_pdf
from drp_tui.services.letters import Library, Prepared, still_allowed
from drp_tui.services.outfile import write_bytes
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Event
from drp_tui.store.personal import ERASED, Opener

DONE = ("letter.printed", "letter.withheld")


@dataclass
class PrintRun:
    written: list[Path] = field(default_factory=list)
    withheld: list[tuple[str, str]] = field(default_factory=list)  # reference, why
    unprintable: int = 0  # of those withheld, the ones that could not be laid out


def print_run(
    store: Store, policy: PolicyBook, library: Library, actor: Actor, folder: Path
) -> PrintRun:
    """The PDFs written, one per letter queued and not yet printed or withheld, oldest first."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"{folder} cannot be made ({exc.strerror})") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError("--out", f"{folder} is not a folder drp can write in")
    with store.read() as session:
        queued = [
            (event, reference)
            for event, reference in session.execute(
                select(Event, col(Case.reference))
                .join(Case, col(Case.id) == col(Event.case_id))
                .where(col(Event.kind) == "letter.queued")
                .order_by(col(Event.seq))
            ).all()
            if not _done(session, event.id)
        ]
    today = actor.now().date()
    run = PrintRun()
    with store.read() as session:
        opener = Opener(session)
        opened = [(opener.open(event.payload), event, reference) for event, reference in queued]
    for payload, event, reference in opened:
        rendered = Rendered(
            str(payload["template"]), int(payload["version"]), payload["subject"], payload["body"]
        )
        if ERASED in (payload["subject"], payload["body"], payload["address"]):
            why: str | None = "the person's details were erased"
        else:
            queued_as = Prepared(
                str(event.case_id), reference, "letter", rendered, tuple(payload["address"]), None
            )
            why = still_allowed(store, policy, library, actor, queued_as)
        pdf = b""
        if why is None:
            try:
                pdf = letter_pdf(
                    rendered, library.council, payload["address"], f"{today.day} {today:%B %Y}",
                    reference,
                )  # fmt: skip
            except InputError as exc:
                why = f"it cannot be laid out: {exc.message}"
                run.unprintable += 1
        path = folder / f"{reference}-{rendered.template_id}-{event.id[:8]}.pdf"
        # One writer at a time: a letter another run printed meanwhile is not printed again.
        with store.write() as session:
            if _done(session, event.id):
                continue
            if why is None:
                write_bytes(path, pdf, option="--out")
            append_event(
                session,
                officer_id=actor.officer_id,
                kind="letter.printed" if why is None else "letter.withheld",
                at=actor.now(),
                case_id=event.case_id,
                event_id=actor.ids(),
                payload={"queued": event.id, "file": path.name}
                if why is None
                else {"queued": event.id, "why": why},
            )
        if why is None:
            run.written.append(path)
        else:
            run.withheld.append((reference, why))
    return run


def _done(session: Session, queued_id: str) -> bool:
    """Whether the queued letter was printed or withheld already (by any run)."""
    found = session.execute(
        select(func.count())
        .select_from(Event)
        .where(
            col(Event.kind).in_(DONE),
            func.json_extract(col(Event.payload), "$.queued") == queued_id,
        )
    ).scalar_one()
    return bool(found)
