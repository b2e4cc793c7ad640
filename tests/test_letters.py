"""Letters and emails from templates (issue 21): the wording filled in from the case, holds
suppressing demands, a PDF laid out to GOV.UK Notify's letter specification (its text read
back with pypdf, the address inside the address block), an email received by a real local
SMTP server (aiosmtpd), the print run, and every send an event carrying the text."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pypdf import PdfReader
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.casework import Actor
from drp_tui.services.letters import choices, load_library, templates_dir
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import Address, Arrangement, Event, Instalment, Person
from drp_tui.store.personal import Opener
from tests.test_diary import NOW, TODAY, diary_store

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT = 297


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return letter_store(tmp_path)


def letter_store(tmp_path: Path) -> Store:
    """The diary store, with addresses, an email, and a live arrangement on C1."""
    store = diary_store(tmp_path)
    with store.write() as session:
        for n in (1, 2, 4, 6):
            session.add(
                Address(
                    person_id=f"p{n}", line1=f"{n} Mill Lane", town="Millbrook", postcode="MB1 2BB"
                )
            )
        session.get_one(Person, "p1").email = "jo.n1@example.org"
        session.get_one(Person, "p1").forename = "Zoë"
        session.add(
            Arrangement(
                id="a1", case_id="c1", officer_id="asmith", total=Decimal("300"),
                frequency="monthly", created_at=NOW - timedelta(days=1),
            )
        )  # fmt: skip
        session.flush()
        for n in range(3):
            session.add(
                Instalment(
                    arrangement_id="a1", number=n + 1, amount=Decimal("100"),
                    due_on=TODAY + timedelta(days=7 + 30 * n),
                )
            )  # fmt: skip
    return store


def drp(
    store: Store, monkeypatch: pytest.MonkeyPatch, *args: str, officer: str = "asmith"
) -> tuple[int, str]:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", officer)
    monkeypatch.setenv("DRP_NOW", NOW.isoformat())
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def events(store: Store, kind: str) -> list[Event]:
    """The events of `kind`, their personal fields opened (they are sealed in the store)."""
    with store.read() as session:
        found = session.execute(select(Event).where(col(Event.kind) == kind)).scalars()
        opener = Opener(session)
        return [Event(**{**e.model_dump(), "payload": opener.open(e.payload)}) for e in found]


def test_the_templates_are_listed_with_their_channels_and_holds(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(store, monkeypatch, "letter", "templates", "--json")
    assert code == 0, out
    by_id = {t["id"]: t for t in json.loads(out)["templates"]}
    assert set(by_id) == {
        "arrangement_confirmation", "promise_confirmation", "missed_instalment",
        "arrangement_default", "final_reminder", "pay_online",
    }  # fmt: skip
    assert by_id["final_reminder"]["channels"] == ["letter"]
    assert "breathing_space" in by_id["final_reminder"]["suppressed_by"]
    assert by_id["arrangement_confirmation"]["version"] == 1


def test_an_arrangement_confirmation_carries_its_schedule(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store,
        monkeypatch,
        "letter",
        "render",
        "--case",
        "C1",
        "--template",
        "arrangement_confirmation",
    )
    assert code == 0, out
    assert "Your payment arrangement for C1" in out
    assert "Dear Zoë N1," in out
    assert "£300.00 by monthly instalments" in out
    assert "1. Tuesday 1 December 2026: £100.00" in out
    assert "2. Thursday 31 December 2026: £100.00" in out
    assert events(store, "letter.queued") == []  # a preview records nothing


def test_a_hold_suppresses_a_demand_and_nothing_is_recorded(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C6", "--template", "final_reminder",
        "--channel", "letter",
    )  # fmt: skip
    assert code == 1
    assert "Breathing Space (standard) hold" in out
    assert events(store, "letter.queued") == []
    # What a template needs: C2 has no arrangement to confirm.
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C2", "--template",
        "arrangement_confirmation", "--channel", "letter",
    )  # fmt: skip
    assert code == 2
    assert "needs an arrangement; C2 has none" in out
    # A channel the template does not go by.
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template", "final_reminder",
        "--channel", "email",
    )  # fmt: skip
    assert code == 1
    assert "goes by letter, not email" in out
    # Not the sender's case.
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template", "pay_online",
        "--channel", "email", officer="bmorgan",
    )  # fmt: skip
    assert code == 1
    assert "not your case" in out


def test_the_letter_pdf_follows_the_notify_specification(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pdf = tmp_path / "letter.pdf"
    code, out = drp(
        store, monkeypatch, "letter", "render", "--case", "C1", "--template",
        "arrangement_confirmation", "--out", str(pdf),
    )  # fmt: skip
    assert code == 0, out
    assert pdf.stat().st_mode & 0o777 == 0o600
    reader = PdfReader(pdf)
    assert len(reader.pages) == 1
    page = reader.pages[0]
    assert round(float(page.mediabox.width) / MM) == 210
    assert round(float(page.mediabox.height) / MM) == A4_HEIGHT
    placed: dict[str, tuple[float, float]] = {}

    def visit(text: str, cm: list[float], tm: list[float], *_: object) -> None:
        if text.strip():
            placed[text.strip()] = (tm[4] / MM, A4_HEIGHT - tm[5] / MM)  # mm from left, top

    text = page.extract_text(visitor_text=visit)
    assert "Your payment arrangement for C1" in text
    assert "Zoë N1" in text
    assert "Reference: C1" in text
    for line in ("Zoë N1", "1 Mill Lane", "Millbrook", "MB1 2BB"):
        x, y = placed[line]
        assert 24.6 <= x <= 24.6 + 95.4, line  # inside the address block
        assert 39.5 <= y <= 39.5 + 26.8, line
    x, y = placed["Reference: C1"]
    assert 125 <= x <= 190
    assert 30 <= y <= 95


class Inbox:
    """A real SMTP server on loopback that keeps what it receives."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        assert isinstance(envelope.content, bytes)
        self.messages.append(message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def test_an_email_reaches_the_mail_server_with_its_text_and_is_recorded(
    store: Store, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    monkeypatch.setenv("DRP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template",
        "arrangement_confirmation", "--channel", "email",
    )  # fmt: skip
    assert code == 0, out
    assert "emailed arrangement_confirmation to jo.n1@example.org" in out
    [message] = inbox.messages
    assert message["To"] == "jo.n1@example.org"
    assert message["From"] == "Example Borough Council <recovery@example.gov.uk>"
    assert message["Subject"] == "Your payment arrangement for C1"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert "Dear Zoë N1," in body.decode()
    assert "2. Thursday 31 December 2026: £100.00" in body.decode()
    [sent] = events(store, "email.sent")
    assert sent.case_id == "c1"
    assert sent.payload["to"] == "jo.n1@example.org"
    assert "2. Thursday 31 December 2026: £100.00" in sent.payload["body"]


def test_email_settings_are_refused_clearly(
    store: Store, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]
) -> None:
    inbox, port = smtp_server
    args = ("letter", "send", "--case", "C1", "--template", "pay_online", "--channel", "email")
    monkeypatch.setenv("DRP_SMTP_URL", f"smtp://officer:hunter2@127.0.0.1:{port}")
    code, out = drp(store, monkeypatch, *args)
    assert code == 2
    assert "DRP_SMTP_URL" in out
    assert "hunter2" not in out
    # A user without encryption: the password would cross the network in clear.
    monkeypatch.setenv("DRP_SMTP_URL", f"smtp://officer@127.0.0.1:{port}")
    monkeypatch.setenv("DRP_SMTP_PASSWORD", "hunter2")
    code, out = drp(store, monkeypatch, *args)
    assert code == 1
    assert "offers no encryption" in out
    # No server listening: not sent, nothing recorded.
    monkeypatch.delenv("DRP_SMTP_PASSWORD")
    monkeypatch.setenv("DRP_SMTP_URL", "smtp://127.0.0.1:1")
    code, out = drp(store, monkeypatch, *args)
    assert code == 1
    assert "not sent, nothing recorded" in out
    assert inbox.messages == []
    assert events(store, "email.sent") == []


def test_the_print_run_prints_each_queued_letter_once(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    for case, template in (("C1", "arrangement_confirmation"), ("C2", "promise_confirmation")):
        code, out = drp(
            store, monkeypatch, "letter", "send", "--case", case, "--template", template,
            "--channel", "letter",
        )  # fmt: skip
        assert code == 0, out
    folder = tmp_path / "print"
    code, out = drp(store, monkeypatch, "letters", "batch", "--out", str(folder), "--json")
    assert code == 1  # a print run is the team's batch work, not an officer's
    assert "for supervisors or the nightly service login" in out
    code, out = drp(
        store, monkeypatch, "letters", "batch", "--out", str(folder), "--json", officer="psharma"
    )
    assert code == 0, out
    files = [Path(p) for p in json.loads(out)["letters"]]
    assert [p.name.split("-")[0] for p in files] == ["C1", "C2"]
    assert (
        "Your payment of £50.00 by Tuesday 24 November 2026"
        in PdfReader(files[1]).pages[0].extract_text()
    )
    assert len(events(store, "letter.printed")) == 2
    code, out = drp(
        store, monkeypatch, "letters", "batch", "--out", str(folder), "--json", officer="psharma"
    )
    assert json.loads(out)["letters"] == []


def test_email_is_offered_only_where_a_mail_server_is_set(store: Store, policy: PolicyBook) -> None:
    library = load_library(templates_dir(None), policy.holds.kinds)
    actor = Actor("asmith", clock=lambda: NOW)

    def pay_online_email(smtp_url: str | None) -> str | None:
        found = choices(store, policy, library, actor, "C1", smtp_url)
        return next(
            c.refusal for c in found if c.template_id == "pay_online" and c.channel == "email"
        )

    assert pay_online_email(None) == "email is not set up on this desk (DRP_SMTP_URL)"
    assert pay_online_email("smtp://mail.example.gov.uk:587") is None


def test_a_letter_the_font_cannot_print_is_not_queued_but_may_be_emailed(
    store: Store, monkeypatch: pytest.MonkeyPatch, smtp_server: tuple[Inbox, int]
) -> None:
    """DejaVu Sans has no CJK glyphs: a posted letter would go out with the name missing."""
    with store.write() as session:
        session.get_one(Person, "p1").forename = "李小龍"
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template", "pay_online",
        "--channel", "letter",
    )  # fmt: skip
    assert code == 2, out
    assert "cannot print 李 小 龍" in out
    assert events(store, "letter.queued") == []
    inbox, port = smtp_server
    monkeypatch.setenv("DRP_SMTP_URL", f"smtp://127.0.0.1:{port}")
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template", "pay_online",
        "--channel", "email",
    )  # fmt: skip
    assert code == 0, out
    assert len(inbox.messages) == 1
