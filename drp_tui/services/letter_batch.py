"""The print run (`drp letters batch`): every letter queued and not yet printed becomes one PDF
(drp_tui/services/letter_pdf.py) in a folder, and is marked printed by an event naming the
queued one, so a letter is never printed twice or missed."""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from drp_tui.domain.errors import InputError
from drp_tui.domain.letters import Rendered
from drp_tui.services.casework import Actor
from drp_tui.services.letter_pdf import letter_pdf
from drp_tui.services.letters import Library
from drp_tui.services.outfile import write_bytes
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import Case, Event


def print_run(store: Store, library: Library, actor: Actor, folder: Path) -> list[Path]:
    """The PDFs written, one per letter queued and not yet printed, oldest first."""
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError("--out", f"{folder} cannot be made ({exc.strerror})") from None
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise InputError("--out", f"{folder} is not a folder drp can write in")
    with store.read() as session:
        printed = {
            str(payload.get("queued"))
            for (payload,) in session.execute(
                select(col(Event.payload)).where(col(Event.kind) == "letter.printed")
            ).all()
        }
        queued = [
            (event, reference)
            for event, reference in session.execute(
                select(Event, col(Case.reference))
                .join(Case, col(Case.id) == col(Event.case_id))
                .where(col(Event.kind) == "letter.queued")
                .order_by(col(Event.seq))
            ).all()
            if event.id not in printed
        ]
    today = actor.now().date()
    written = []
    for event, reference in queued:
        payload = event.payload
        rendered = Rendered(
            str(payload["template"]), int(payload["version"]), payload["subject"], payload["body"]
        )
        pdf = letter_pdf(
            rendered, library.council, payload["address"], f"{today.day} {today:%B %Y}", reference
        )
        path = folder / f"{reference}-{rendered.template_id}-{event.id[:8]}.pdf"
        write_bytes(path, pdf, option="--out")
        with store.write() as session:
            append_event(
                session,
                officer_id=actor.officer_id,
                kind="letter.printed",
                at=actor.now(),
                case_id=event.case_id,
                event_id=actor.ids(),
                payload={"queued": event.id, "file": path.name},
            )
        written.append(path)
    return written
