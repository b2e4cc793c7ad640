"""Letters and emails from templates on a case (`drp letter`, `drp letters batch`).

A template goes only by the channels it names, never while a hold it names is on the case,
and only when the case has what it needs (a live arrangement, an open promise, a missed
instalment, an email address for email). Sent (an email or a text) or queued for printing (a
letter), it is an event on the case carrying the rendered text, so the council can show what
was sent. Sending is for the case's officer or a supervisor. Texts go through GOV.UK Notify
(services/notify.py), and email too where a Notify key is set (else through DRP_SMTP_URL)."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from sqlmodel import Session

from drp_tui.domain.errors import InputError, NoFigureError, NotPermitted, PolicyError
from drp_tui.domain.holds import active_holds
from drp_tui.domain.letters import Rendered, Template, load_template, refusal, render
from drp_tui.domain.letters import template_in_force as in_force_template
from drp_tui.services import notify
from drp_tui.services.caseaccess import case_by_reference, require_own_case
from drp_tui.services.casework import Actor
from drp_tui.services.holds import case_holds
from drp_tui.services.letter_context import case_context
from drp_tui.services.letter_pdf import unprintable
from drp_tui.services.mailer import SendFailed, send_email
from drp_tui.services.policy import PolicyBook, data_dir
from drp_tui.services.sms import SMS_MAX_CHARACTERS, quiet, texting_number
from drp_tui.store.engine import Store
from drp_tui.store.events import append_event
from drp_tui.store.models import (
    Case,
)

COUNCIL_FILE = "council.toml"
MIN_ADDRESS_LINES, MAX_ADDRESS_LINES = 3, 7  # GOV.UK Notify's address block (letter_pdf.py)


@dataclass(frozen=True)
class Library:
    """The templates and the council's details they carry."""

    templates: tuple[Template, ...]
    council: Mapping[str, Any]


@dataclass(frozen=True)
class Prepared:
    """A template filled in for a case, and where it would go."""

    case_id: str
    reference: str
    channel: str
    rendered: Rendered
    address: tuple[str, ...]  # the debtor's name and postal address, postcode last
    email: str | None
    phone: str | None = None  # the mobile a text goes to (consented to)


def templates_dir(configured: Path | None) -> Path:
    return configured or data_dir() / "templates"


@cache
def load_library(directory: Path, hold_kinds: tuple[str, ...]) -> Library:
    """Every template in `directory` (and council.toml), checked; PolicyError naming the file."""
    council = _read(directory / COUNCIL_FILE)
    templates = tuple(
        load_template(_read(path), str(path), hold_kinds)
        for path in sorted(directory.glob("*.toml"))
        if path.name != COUNCIL_FILE
    )
    if not templates:
        raise PolicyError(str(directory), "has no templates")
    return Library(templates, council)


def prepare(
    store: Store,
    policy: PolicyBook,
    library: Library,
    actor: Actor,
    *,
    case_reference: str,
    template_id: str,
    channel: str,
) -> Prepared:
    """The template in force today filled in for the case; refused (NotPermitted) when the
    channel, a hold or the sender does not allow it, InputError when the case lacks what the
    template needs."""
    today = actor.now().date()
    template = in_force_template(library.templates, template_id, today)
    with store.read() as session:
        case = case_by_reference(session, case_reference)
        require_own_case(session, actor, case, "its officer or a supervisor sends")
        return _prepared(session, policy, library, actor, case, template, channel)


def _prepared(
    session: Session,
    policy: PolicyBook,
    library: Library,
    actor: Actor,
    case: Case,
    template: Template,
    channel: str,
) -> Prepared:
    """The rules prepare() judges by, for the case as it is in `session` now: what the
    channel and holds allow, what the template needs, where it can go."""
    today = actor.now().date()
    holds = active_holds(policy.holds, case_holds(session, case.id), today)
    why = refusal(template, channel, holds)
    if why:
        raise NotPermitted(f"not sent: {why}")
    context = case_context(session, case, library.council, actor, today)
    phone = texting_number(session, case) if channel == "sms" else None
    if channel == "sms" and phone is None:
        raise NotPermitted(
            f"not sent: no mobile number of {case.reference}'s is marked for texts; "
            "record the debtor's consent on their mobile first"
        )
    closed = quiet(session, policy, case, actor.now()) if channel == "sms" else None
    if closed:
        raise NotPermitted(f"not sent: {closed}")
    missing = [need for need in template.needs if context.get(_CONTEXT_OF[need]) is None]
    if missing:
        what = missing[0].replace("_", " ")
        article = "an" if what[0] in "aeiou" else "a"
        raise InputError(
            "--template", f"{template.name} needs {article} {what}; {case.reference} has none"
        )
    person = context["debtor"]
    if channel == "email" and not person["email"]:
        raise InputError("--channel", f"no email address is recorded for {case.reference}")
    lines = len(person["address_lines"]) + 1  # with the name
    if channel == "letter" and not MIN_ADDRESS_LINES <= lines <= MAX_ADDRESS_LINES:
        raise InputError(
            "--channel",
            f"{case.reference}'s address is not one a letter can be posted to "
            f"({MIN_ADDRESS_LINES} to {MAX_ADDRESS_LINES} lines with the name, postcode last)",
        )
    rendered = render(template, context)
    if channel == "sms" and len(rendered.body) > SMS_MAX_CHARACTERS:
        raise InputError(
            "--template",
            f"{template.name} runs to {len(rendered.body)} characters: a text carries at most "
            f"{SMS_MAX_CHARACTERS}",
        )
    if channel == "letter":
        why = unprintable(
            [*person["address_lines"], person["full_name"], rendered.subject, rendered.body]
        )
        if why is not None:
            raise InputError("--channel", why)
    return Prepared(
        case.id,
        case.reference,
        channel,
        rendered,
        (person["full_name"], *person["address_lines"]),
        person["email"],
        phone,
    )


def still_allowed(
    store: Store, policy: PolicyBook, library: Library, actor: Actor, earlier: Prepared
) -> str | None:
    """Why a letter queued earlier (or a text or email prepared earlier) may no longer go as
    it was prepared, or None. It is judged again against the case as it is now, by the same
    rules as prepare(): its template withdrawn or reworded since, a hold since, what the
    template needs gone (an arrangement broken since), the debtor moved or the number or
    address no longer theirs. A letter is never re-addressed on its own: the text kept is the
    text the officer queued, so a changed address holds it back to be queued again (rendered
    afresh, to the address now on file)."""
    template_id = earlier.rendered.template_id
    try:
        template = in_force_template(library.templates, template_id, actor.now().date())
    except (NoFigureError, InputError):
        return f"its template {template_id} is no longer in force (withdrawn)"
    if template.version != earlier.rendered.version:
        return f"its template {template_id} was reworded since (version {template.version})"
    with store.read() as session:
        case = session.get_one(Case, earlier.case_id)
        try:
            now = _prepared(session, policy, library, actor, case, template, earlier.channel)
        except NotPermitted as exc:
            return str(exc).removeprefix("not sent: ")
        except InputError as exc:
            return exc.message
    if earlier.channel == "letter" and now.address != earlier.address:
        return (
            "the debtor's name or address changed since it was queued; "
            "queue it again to post it to the address now on file"
        )
    if earlier.channel == "sms" and now.phone != earlier.phone:
        return f"{earlier.phone} is no longer marked for texts"
    if earlier.channel == "email" and now.email != earlier.email:
        return f"{earlier.email} is no longer the debtor's email address"
    return None


def record(
    store: Store,
    actor: Actor,
    prepared: Prepared,
    kind: str,
    to: str,
    event_id: str | None = None,
    notify_id: str | None = None,
) -> str:
    """The letter queued or the email or text sent, with its text, as an event on the case;
    its id."""
    event_id = event_id or actor.ids()
    with store.write() as session:
        append_event(
            session,
            officer_id=actor.officer_id,
            kind=kind,
            at=actor.now(),
            case_id=prepared.case_id,
            event_id=event_id,
            payload={
                "template": prepared.rendered.template_id,
                "version": prepared.rendered.version,
                "channel": prepared.channel,
                "to": to,
                "subject": prepared.rendered.subject,
                "body": prepared.rendered.body,
                "address": list(prepared.address),
                **({"notify_id": notify_id} if notify_id else {}),
            },
        )
    return event_id


def send(
    store: Store,
    policy: PolicyBook,
    actor: Actor,
    library: Library,
    smtp_url: str | None,
    prepared: Prepared,
) -> str:
    """Text or email it now, or queue the letter for the print run; recorded on the case
    either way, and nothing recorded when a text or email could not be sent (NotPermitted
    says why). The sentence to show the officer. A text or email through GOV.UK Notify is
    judged again as it goes (a hold since, the hours for texts)."""
    what = prepared.rendered.template_id
    if prepared.channel == "sms" or (prepared.channel == "email" and _notify_email(library)):
        return _send_by_notify(store, actor, library, policy, prepared)
    if prepared.channel == "email":
        assert prepared.email is not None  # prepare() refuses email without an address
        try:
            send_email(
                smtp_url,
                str(library.council.get("email_from", "")),
                prepared.email,
                prepared.rendered.subject,
                prepared.rendered.body,
            )
        except SendFailed as exc:
            raise NotPermitted(f"not sent, nothing recorded: {exc}") from None
        record(store, actor, prepared, "email.sent", prepared.email)
        return f"emailed {what} to {prepared.email} ({prepared.reference})"
    record(store, actor, prepared, "letter.queued", ", ".join(prepared.address))
    return f"queued {what} for the next print run ({prepared.reference})"


@dataclass(frozen=True)
class Choice:
    """A template and channel an officer may pick for a case, or why not."""

    template_id: str
    name: str
    channel: str
    refusal: str | None


def choices(
    store: Store,
    policy: PolicyBook,
    library: Library,
    actor: Actor,
    case_reference: str,
    smtp_url: str | None = None,
) -> list[Choice]:
    """Every template in force and channel it goes by, each with why it may not go now (email
    too when this desk has no mail server set)."""
    today = actor.now().date()
    ids = dict.fromkeys(t.id for t in library.templates)
    found = []
    for template_id in ids:
        template = in_force_template(library.templates, template_id, today)
        for channel in template.channels:
            try:
                prepare(
                    store, policy, library, actor,
                    case_reference=case_reference, template_id=template_id, channel=channel,
                )  # fmt: skip
                why = None
            except (InputError, NotPermitted) as exc:
                why = exc.message if isinstance(exc, InputError) else str(exc)
                why = why.removeprefix("not sent: ").removeprefix(f"{template.name} ")
            if channel == "sms" and why is None and not notify.configured():
                why = "texts are not set up on this desk (DRP_NOTIFY_API_KEY)"
            if channel == "sms" and why is None and not library.council.get(SMS_TEMPLATE):
                why = f"texts are not set up for the council ({SMS_TEMPLATE} in council.toml)"
            if channel == "email" and why is None and not (smtp_url or _notify_email(library)):
                why = "email is not set up on this desk (DRP_SMTP_URL)"
            found.append(Choice(template_id, template.name, channel, why))
    return found


SMS_TEMPLATE = "notify_sms_template_id"


def _notify_email(library: Library) -> bool:
    """Email goes through GOV.UK Notify where this desk has its key and the council names the
    Notify email template; else through DRP_SMTP_URL."""
    return notify.configured() and bool(library.council.get("notify_email_template_id"))


def _send_by_notify(
    store: Store, actor: Actor, library: Library, policy: PolicyBook, prepared: Prepared
) -> str:
    """A text or email through GOV.UK Notify, judged again first; recorded once sent."""
    what, channel = prepared.rendered.template_id, prepared.channel
    setting = f"notify_{channel}_template_id"
    template_id = str(library.council.get(setting, ""))
    if not template_id:
        raise InputError(
            "council.toml", f"has no {setting}: name the GOV.UK Notify template that prints it"
        )
    service = notify.notify_from_environment()
    why = still_allowed(store, policy, library, actor, prepared)
    if why:
        raise NotPermitted(f"not sent: {why}")
    event_id = actor.ids()
    rendered = prepared.rendered
    try:
        if channel == "sms":
            assert prepared.phone is not None  # prepare() refuses a text without a number
            to = prepared.phone
            sent = notify.send_sms(service, template_id, to, rendered.body, event_id)
        else:
            assert prepared.email is not None  # prepare() refuses email without an address
            to = prepared.email
            sent = notify.send_email(
                service, template_id, to, rendered.subject, rendered.body, event_id
            )
    except SendFailed as exc:
        raise NotPermitted(f"not sent, nothing recorded: {exc}") from None
    record(store, actor, prepared, f"{channel}.sent", to, event_id, sent)
    done = "texted" if channel == "sms" else "emailed"
    return f"{done} {what} to {to} through GOV.UK Notify ({prepared.reference})"


_CONTEXT_OF = {
    "arrangement": "arrangement",
    "promise": "promise",
    "missed_instalment": "missed",
    "broken_arrangement": "broken",
}


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(str(path), "file not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise PolicyError(str(path), f"not valid UTF-8 TOML: {exc}") from None
