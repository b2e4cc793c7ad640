"""Texts and emails through GOV.UK Notify (issue 21), with Notify's own Python client.

The tests cannot reach GOV.UK Notify. They run against a local HTTP server, started by each
test, that stands in for Notify's API: it checks that each request has the shape Notify
documents for its v2 API (POST /v2/notifications/sms or /email, a JSON body with the fields
Notify names, a bearer JSON Web Token signed HS256 with the key's secret whose `iss` is the
service id and `iat` now) and answers as Notify documents it does (201 with the notification).
That Notify itself accepts drp's requests is NOT shown here; it is shown only that drp sends
what Notify's documentation asks for, through Notify's official client.

Texts also need the debtor's consent recorded on a good mobile number, and go only inside the
hours policy allows (calling_hours.toml [[sms_hours]]), never under a hold that stops the
template, like letters."""

from __future__ import annotations

import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from sqlalchemy import select
from sqlmodel import col
from typer.testing import CliRunner

from drp_tui.cli.main import app
from drp_tui.services.letters import choices, load_library, templates_dir
from drp_tui.services.policy import PolicyBook
from drp_tui.store.engine import Store
from drp_tui.store.models import BreathingSpace, Event, Phone
from drp_tui.store.personal import is_sealed
from tests.sealed import opened
from tests.test_diary import NOW
from tests.test_letters import letter_store

SERVICE_ID = "26785a09-ab16-4eb0-8407-a37497a57506"
SECRET = "3d844edf-8d35-48ac-975b-e847b4f122b0"
API_KEY = f"drp_test-{SERVICE_ID}-{SECRET}"
SMS_TEMPLATE = "f33517ff-2a88-4f6e-b855-c550268ce08a"
EMAIL_TEMPLATE = "a6a0b2b2-7b2a-4f4e-9b2a-0a5f8a2f3c11"
MOBILE = "+447700900123"
# Each request's documented fields (docs.notifications.service.gov.uk/rest-api.html).
SMS_FIELDS = {"phone_number", "template_id", "personalisation", "reference", "sms_sender_id"}
EMAIL_FIELDS = {
    "email_address",
    "template_id",
    "personalisation",
    "reference",
    "email_reply_to_id",
    "one_click_unsubscribe_url",
}


@dataclass
class FakeNotify:
    """What the local stand-in for Notify received, and the problems it found in it."""

    received: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    answer_status: int = 201


def _check(notify: FakeNotify, path: str, headers: Any, raw: bytes) -> dict[str, Any]:
    def problem(text: str) -> None:
        notify.problems.append(f"{path}: {text}")

    if headers.get("Content-type") != "application/json":
        problem(f"Content-type {headers.get('Content-type')!r}")
    auth = headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        problem("no bearer token")
    else:
        try:
            claims = jwt.decode(auth.removeprefix("Bearer "), SECRET, algorithms=["HS256"])
        except jwt.PyJWTError as exc:
            problem(f"token not signed with the key's secret: {exc}")
        else:
            if claims.get("iss") != SERVICE_ID:
                problem(f"iss {claims.get('iss')!r} is not the service id")
            if abs(int(claims.get("iat", 0)) - time.time()) > 30:
                problem("iat is not now (Notify allows 30 seconds)")
    body: dict[str, Any] = json.loads(raw)
    wanted = SMS_FIELDS if path.endswith("/sms") else EMAIL_FIELDS
    needed = {"template_id", "phone_number" if path.endswith("/sms") else "email_address"}
    if not needed <= set(body) or not set(body) <= wanted:
        problem(f"fields {sorted(body)}")
    uuid.UUID(str(body.get("template_id")))
    personalisation = body.get("personalisation", {})
    if not all(isinstance(v, str) for v in personalisation.values()):
        problem("personalisation values must be text")
    return body


@pytest.fixture
def notify(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeNotify]:
    """A local HTTP server standing in for GOV.UK Notify's API (see the module docstring)."""
    state = FakeNotify()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.path not in ("/v2/notifications/sms", "/v2/notifications/email"):
                state.problems.append(f"unexpected path {self.path}")
            body = _check(state, self.path, self.headers, raw)
            state.received.append((self.path, body))
            if state.answer_status != 201:
                answer: dict[str, Any] = {
                    "status_code": state.answer_status,
                    "errors": [
                        {
                            "error": "BadRequestError",
                            "message": "Can't send to this recipient using a team-only API key",
                        }
                    ],
                }
            else:
                answer = {
                    "id": str(uuid.uuid4()),
                    "reference": body.get("reference"),
                    "content": {"body": body.get("personalisation", {}).get("body", "")},
                    "uri": f"http://notify.invalid/v2/notifications/{uuid.uuid4()}",
                    "template": {"id": body["template_id"], "version": 1, "uri": "x"},
                }
            data = json.dumps(answer).encode()
            self.send_response(state.answer_status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("DRP_NOTIFY_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("DRP_NOTIFY_API_KEY", API_KEY)
    yield state
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The letters' store, C1 with a mobile; the council's Notify templates set."""
    store = letter_store(tmp_path)
    with store.write() as session:
        session.add(Phone(id="ph1", person_id="p1", number=MOBILE, kind="mobile"))
        session.add(Phone(id="ph2", person_id="p1", number="+442079460000", kind="landline"))
    templates = tmp_path / "templates"
    templates.mkdir()
    for path in templates_dir(None).glob("*.toml"):
        (templates / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    with (templates / "council.toml").open("a", encoding="utf-8") as council:
        council.write(
            f'notify_sms_template_id = "{SMS_TEMPLATE}"\n'
            f'notify_email_template_id = "{EMAIL_TEMPLATE}"\n'
        )
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(templates))
    return store


def drp(
    store: Store, monkeypatch: pytest.MonkeyPatch, *args: str, now: datetime = NOW
) -> tuple[int, str]:
    monkeypatch.setenv("DRP_STORE", str(store.path))
    monkeypatch.setenv("DRP_OFFICER", "asmith")
    monkeypatch.setenv("DRP_NOW", now.isoformat())
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


SEND_SMS = ("letter", "send", "--case", "C1", "--template", "pay_online", "--channel", "sms")


def events(store: Store, kind: str) -> list[Event]:
    with store.read() as session:
        return list(session.execute(select(Event).where(col(Event.kind) == kind)).scalars())


def consent(store: Store, monkeypatch: pytest.MonkeyPatch, *extra: str) -> tuple[int, str]:
    return drp(
        store, monkeypatch, "letter", "sms-consent", "--case", "C1", "--number", MOBILE, *extra
    )


def test_a_text_goes_through_notify_only_with_consent_on_the_mobile(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify
) -> None:
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 1
    assert "no mobile number of C1's is marked for texts" in out
    assert notify.received == []
    # Consent is recorded on a mobile only, as an event on the case.
    code, out = drp(
        store, monkeypatch, "letter", "sms-consent", "--case", "C1", "--number", "+442079460000"
    )
    assert code == 2
    assert "not a mobile" in out
    code, out = consent(store, monkeypatch)
    assert code == 0, out
    [given] = events(store, "phone.sms_consent")
    assert given.payload == {"phone": "ph1", "given": True}
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 0, out
    assert f"texted pay_online to {MOBILE} through GOV.UK Notify (C1)" in out
    assert notify.problems == []
    [(path, body)] = notify.received
    assert path == "/v2/notifications/sms"
    assert body["phone_number"] == MOBILE
    assert body["template_id"] == SMS_TEMPLATE
    assert "https://www.example.gov.uk/pay" in body["personalisation"]["body"]
    [sent] = events(store, "sms.sent")
    assert is_sealed(sent.payload["to"])  # erasable
    assert is_sealed(sent.payload["body"])
    shown = opened(store, sent.payload)
    assert shown["to"] == MOBILE
    assert shown["body"] == body["personalisation"]["body"]
    assert sent.payload["notify_id"]
    # Withdrawn, no more texts.
    code, out = consent(store, monkeypatch, "--withdraw")
    assert code == 0, out
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 1
    assert len(notify.received) == 1


def test_no_text_in_quiet_hours_on_sundays_or_bank_holidays(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify
) -> None:
    assert consent(store, monkeypatch)[0] == 0
    for at, why in (
        (datetime(2026, 11, 24, 20, 30, tzinfo=UTC), "no texts outside 08:00-20:00"),
        (datetime(2026, 11, 24, 7, 59, tzinfo=UTC), "no texts outside 08:00-20:00"),
        (datetime(2026, 11, 29, 12, 0, tzinfo=UTC), "no texts on Sundays"),
        (datetime(2026, 12, 25, 12, 0, tzinfo=UTC), "bank holiday (Christmas Day)"),
    ):
        code, out = drp(store, monkeypatch, *SEND_SMS, now=at)
        assert code == 1, out
        assert why in out
    assert notify.received == []
    assert events(store, "sms.sent") == []


def test_a_hold_stops_a_text_as_it_stops_a_letter(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify
) -> None:
    assert consent(store, monkeypatch)[0] == 0
    with store.write() as session:
        session.add(
            BreathingSpace(
                person_id="p1", kind="breathing_space", start=NOW.date() - timedelta(days=3),
                end=NOW.date() + timedelta(days=57), reference="BS1",
            )
        )  # fmt: skip
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 1
    assert "not sent: Pay online and my account is not sent while the case has a" in out
    assert notify.received == []


def test_email_goes_through_notify_where_its_key_is_set(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify
) -> None:
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template",
        "arrangement_confirmation", "--channel", "email",
    )  # fmt: skip
    assert code == 0, out
    assert "emailed arrangement_confirmation to jo.n1@example.org through GOV.UK Notify" in out
    assert notify.problems == []
    [(path, body)] = notify.received
    assert path == "/v2/notifications/email"
    assert body["email_address"] == "jo.n1@example.org"
    assert body["template_id"] == EMAIL_TEMPLATE
    assert body["personalisation"]["subject"] == "Your payment arrangement for C1"
    assert "Dear Zoë N1," in body["personalisation"]["body"]
    [sent] = events(store, "email.sent")
    assert sent.payload["notify_id"]


def test_notify_settings_and_refusals_are_clear_and_record_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify, tmp_path: Path
) -> None:
    assert consent(store, monkeypatch)[0] == 0
    monkeypatch.setenv("DRP_NOTIFY_API_KEY", "not-a-key")
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 2
    assert "DRP_NOTIFY_API_KEY" in out
    assert "not-a-key" not in out
    # The key from a file (never argv).
    monkeypatch.delenv("DRP_NOTIFY_API_KEY")
    key_file = tmp_path / "notify.key"
    key_file.write_text(API_KEY + "\n", encoding="utf-8")
    monkeypatch.setenv("DRP_NOTIFY_API_KEY_FILE", str(key_file))
    notify.answer_status = 400
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 1
    assert "not sent, nothing recorded" in out
    assert "team-only API key" in out
    assert SECRET not in out
    assert events(store, "sms.sent") == []
    assert notify.problems == []  # the request was well formed; Notify refused it
    # Not plain http to anywhere but this machine: the token would cross the network.
    monkeypatch.setenv("DRP_NOTIFY_URL", "http://notify.example.org")
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 2
    assert "DRP_NOTIFY_URL" in out


def test_texts_are_offered_only_where_notify_is_set_up(
    store: Store, policy: PolicyBook, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drp_tui.services.casework import Actor

    assert consent(store, monkeypatch)[0] == 0
    library = load_library(Path(os.environ["DRP_TEMPLATES_DIR"]), policy.holds.kinds)
    actor = Actor("asmith", clock=lambda: NOW)

    def pay_online_sms() -> str | None:
        found = choices(store, policy, library, actor, "C1")
        return next(
            c.refusal for c in found if c.template_id == "pay_online" and c.channel == "sms"
        )

    monkeypatch.delenv("DRP_NOTIFY_API_KEY", raising=False)
    monkeypatch.delenv("DRP_NOTIFY_API_KEY_FILE", raising=False)
    assert pay_online_sms() == "texts are not set up on this desk (DRP_NOTIFY_API_KEY)"
    monkeypatch.setenv("DRP_NOTIFY_API_KEY", API_KEY)
    assert pay_online_sms() is None


def test_consent_is_found_by_the_number_as_an_officer_types_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out = drp(
        store, monkeypatch, "letter", "sms-consent", "--case", "C1", "--number", "07700 900123"
    )
    assert code == 0, out
    assert "marked for texts" in out
    with store.read() as session:
        assert session.get_one(Phone, "ph1").sms_consent_at == NOW


def test_a_text_too_long_for_notify_is_bad_input_naming_the_template(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify, tmp_path: Path
) -> None:
    assert consent(store, monkeypatch)[0] == 0
    folder = tmp_path / "long"  # a new folder: a library is read once per folder
    shutil.copytree(os.environ["DRP_TEMPLATES_DIR"], folder)
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    page = folder / "pay_online.toml"
    page.write_text(
        page.read_text(encoding="utf-8").replace('body = """', 'body = """\n' + "word " * 200, 1),
        encoding="utf-8",
    )
    code, out = drp(store, monkeypatch, *SEND_SMS)
    assert code == 2, out
    assert "a text carries at most 918" in out
    assert notify.received == []


def test_email_goes_by_smtp_where_the_council_names_no_notify_email_template(
    store: Store, monkeypatch: pytest.MonkeyPatch, notify: FakeNotify, tmp_path: Path
) -> None:
    folder = tmp_path / "smtp"  # a new folder: a library is read once per folder
    shutil.copytree(os.environ["DRP_TEMPLATES_DIR"], folder)
    monkeypatch.setenv("DRP_TEMPLATES_DIR", str(folder))
    council = folder / "council.toml"
    council.write_text(
        "\n".join(
            line
            for line in council.read_text(encoding="utf-8").splitlines()
            if not line.startswith("notify_email_template_id")
        ),
        encoding="utf-8",
    )
    monkeypatch.setenv("DRP_SMTP_URL", "smtp://127.0.0.1:1")  # nothing listens: not sent
    code, out = drp(
        store, monkeypatch, "letter", "send", "--case", "C1", "--template", "pay_online",
        "--channel", "email",
    )  # fmt: skip
    assert code == 1
    assert "127.0.0.1:1" in out  # it tried the mail server, not Notify
    assert notify.received == []
