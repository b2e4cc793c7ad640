"""Defects found by a hostile review of issue 21 (diary, letters, complaints, appointments).
Each test is the reproduction, marked xfail(strict=True) until the code is fixed."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from icalendar import Calendar
from pypdf import PdfReader
from sqlalchemy import select

import drp_tui.services.letter_batch as letter_batch
from drp_tui.services.casework import Actor
from drp_tui.services.letter_batch import print_run
from drp_tui.services.letter_pdf import letter_pdf
from drp_tui.services.letters import load_library, templates_dir
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import (
    Address,
    Appointment,
    Arrangement,
    BreathingSpace,
    Complaint,
    Instalment,
    Person,
)
from tests.test_diary import NOW, TODAY
from tests.test_letters import drp, events, letter_store


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return letter_store(tmp_path)


def _send(
    store: Store, monkeypatch: pytest.MonkeyPatch, case: str, template: str
) -> tuple[int, str]:
    return drp(
        store, monkeypatch, "letter", "send", "--case", case, "--template", template,
        "--channel", "letter",
    )  # fmt: skip


def test_an_arrangement_confirmation_is_not_sent_during_breathing_space(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    with store.write() as session:
        session.add(
            Address(person_id="p6", line1="6 Mill Lane", town="Millbrook", postcode="MB1 2BB")
        )
        session.add(
            Arrangement(
                id="a6", case_id="c6", officer_id="asmith", total=Decimal("300"),
                frequency="monthly", created_at=NOW - timedelta(days=80),
            )
        )  # fmt: skip
        session.flush()
        session.add(
            Instalment(
                arrangement_id="a6", number=1, amount=Decimal("100"),
                due_on=TODAY + timedelta(days=7),
            )
        )  # fmt: skip
    code, out = _send(store, monkeypatch, "C6", "arrangement_confirmation")
    assert code == 1, out
    assert "breathing space" in out.lower()
    assert events(store, "letter.queued") == []


def test_the_print_run_holds_back_a_demand_queued_before_breathing_space(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = _send(store, monkeypatch, "C1", "final_reminder")
    assert code == 0, out
    with store.write() as session:  # Breathing Space notified after the letter was queued
        session.add(BreathingSpace(person_id="p1", kind="breathing_space", start=TODAY))
    folder = tmp_path / "print"
    code, out = drp(
        store, monkeypatch, "letters", "batch", "--out", str(folder), "--json", officer="psharma"
    )
    assert code == 0, out
    assert json.loads(out)["letters"] == []
    assert events(store, "letter.printed") == []


def test_a_letter_that_cannot_be_printed_does_not_block_the_print_run(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with store.write() as session:  # C3's debtor: a postcode and nothing else
        session.add(Address(person_id="p3", line1="", town="", postcode="MB1 2BB"))
    code, out = _send(store, monkeypatch, "C3", "pay_online")
    queued_bad = code == 0
    code, out = _send(store, monkeypatch, "C1", "arrangement_confirmation")
    assert code == 0, out
    folder = tmp_path / "print"
    code, out = drp(
        store, monkeypatch, "letters", "batch", "--out", str(folder), "--json", officer="psharma"
    )
    assert code in (0, 1), out  # the bad letter reported, the good one printed
    assert any(p.name.startswith("C1-") for p in folder.glob("*.pdf")), (queued_bad, out)


def test_two_print_runs_at_once_print_each_letter_once(
    store: Store, monkeypatch: pytest.MonkeyPatch, policy: PolicyBook, tmp_path: Path
) -> None:
    code, out = _send(store, monkeypatch, "C1", "arrangement_confirmation")
    assert code == 0, out
    library = load_library(templates_dir(None), policy.holds.kinds)
    actor = Actor("psharma", clock=lambda: NOW)
    real_pdf = letter_pdf
    started: list[bool] = []

    def second_run_meanwhile(*args: object, **kwargs: object) -> bytes:
        if not started:  # another run starts while this one renders its first PDF
            started.append(True)
            print_run(store, policy, library, actor, tmp_path / "other")
        return real_pdf(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(letter_batch, "letter_pdf", second_run_meanwhile)
    print_run(store, policy, library, actor, tmp_path / "mine")
    assert len(events(store, "letter.printed")) == 1


def test_an_officer_cannot_book_an_appointment_into_another_officers_calendar(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "appointment", "book", "--case", "C1", "--at", "2026-11-25 10:00",
        "--reason", "agree a plan", "--officer", "bmorgan",
    )  # fmt: skip
    assert code == 1, out
    with store.read() as session:
        assert session.execute(select(Appointment)).scalars().all() == []


def test_the_ics_file_carries_the_timezone_it_names(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, out = drp(
        store, monkeypatch, "appointment", "book", "--case", "C1", "--at", "2027-04-06 10:00",
        "--reason", "agree a plan",
    )  # fmt: skip
    assert code == 0, out
    ics = tmp_path / "asmith.ics"
    code, out = drp(
        store, monkeypatch, "appointment", "list", "--from", "2026-11-24", "--to", "2027-05-01",
        "--ics", str(ics),
    )  # fmt: skip
    assert code == 0, out
    calendar = Calendar.from_ical(ics.read_bytes())
    assert "TZID=Europe/London" in ics.read_text()
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


def test_a_complaint_summary_with_a_terminal_escape_is_not_kept_raw(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "complaint", "add", "--case", "C1", "--summary",
        "letters \x1b]52;c;ZWNobyBoaQ==\x07 rude \x1b[2J",
    )  # fmt: skip
    assert code in (0, 2), out
    with store.read() as session:
        summaries = [c.summary for c in session.execute(select(Complaint)).scalars()]
    assert not any("\x1b" in s or "\x07" in s for s in summaries)
    code, out = drp(store, monkeypatch, "complaint", "list")
    assert "\x1b" not in out


def test_a_name_the_font_cannot_print_is_not_posted_with_characters_missing(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with store.write() as session:
        session.get_one(Person, "p1").forename = "李小龍"
    pdf = tmp_path / "letter.pdf"
    code, out = drp(
        store, monkeypatch, "letter", "render", "--case", "C1", "--template",
        "arrangement_confirmation", "--out", str(pdf),
    )  # fmt: skip
    if code == 0:
        assert "李小龍" in PdfReader(pdf).pages[0].extract_text()
    else:
        assert code == 2, out


def test_a_template_with_a_range_too_big_is_refused_as_bad_input(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    folder = tmp_path / "templates"
    shutil.copytree(templates_dir(None), folder)
    page = folder / "pay_online.toml"
    page.write_text(
        page.read_text(encoding="utf-8").replace(
            'body = """', 'body = """\n{{ range(10**9)|list|length }}', 1
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    code, out = drp(
        store, monkeypatch, "letter", "render", "--case", "C1", "--template", "pay_online"
    )
    assert code == 2, out
    assert "pay_online" in out


@pytest.mark.parametrize(
    "args",
    [
        ("diary", "--on", "9999-12-31"),
        ("appointment", "list", "--to", "9999-12-31"),
    ],
)
def test_the_last_day_of_the_calendar_is_bad_input_not_an_unexpected_error(
    store: Store, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    code, out = drp(store, monkeypatch, *args)
    assert code == 2, out
    assert "unexpected error" not in out


def test_an_appointment_decades_ahead_is_refused(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "appointment", "book", "--case", "C1", "--at", "2062-11-24 10:00",
        "--reason", "agree a plan",
    )  # fmt: skip
    assert code == 2, out
