"""Texts and emails through GOV.UK Notify, with Notify's official client
(notifications-python-client), where a Notify API key is configured.

The key is never on a command line, where other users of the machine could read it: it comes
from `DRP_NOTIFY_API_KEY`, or a file named by `DRP_NOTIFY_API_KEY_FILE`. `DRP_NOTIFY_URL`
points at another API address (Notify's own by default); plain http is refused except to this
machine. drp's wording is its own (data/templates/); the council makes one Notify template
per channel that prints it (a text template of `((body))`, an email template with subject
`((subject))` and body `((body))`) and names them in council.toml (`notify_sms_template_id`,
`notify_email_template_id`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from drp_tui.domain.errors import InputError
from drp_tui.services.mailer import SendFailed

if TYPE_CHECKING:
    from notifications_python_client.notifications import NotificationsAPIClient

NOTIFY_API = "https://api.notifications.service.gov.uk"
TIMEOUT_SECONDS = 30
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
# A Notify API key: its name, then the service id and the secret, each a UUID.
_KEY = re.compile(rf".+-{_UUID}-{_UUID}")
LOOPBACK = ("127.0.0.1", "::1", "localhost")


@dataclass(frozen=True)
class Notify:
    """Where and how this desk reaches GOV.UK Notify."""

    api_key: str
    base_url: str


def configured() -> bool:
    """Whether this desk has a Notify API key set (it is checked when used)."""
    return bool(os.environ.get("DRP_NOTIFY_API_KEY") or os.environ.get("DRP_NOTIFY_API_KEY_FILE"))


def notify_from_environment() -> Notify:
    """The key and address from the environment; InputError naming the variable at fault,
    never showing the key."""
    if os.environ.get("DRP_NOTIFY_API_KEY"):
        key, where = os.environ["DRP_NOTIFY_API_KEY"].strip(), "DRP_NOTIFY_API_KEY"
    elif os.environ.get("DRP_NOTIFY_API_KEY_FILE"):
        where = "DRP_NOTIFY_API_KEY_FILE"
        try:
            key = Path(os.environ[where]).read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            why = exc.strerror if isinstance(exc, OSError) else "not UTF-8 text"
            raise InputError(where, f"cannot be read: {why}") from None
    else:
        raise InputError(
            "DRP_NOTIFY_API_KEY", "is not set: texts go through GOV.UK Notify, which needs a key"
        )
    if not _KEY.fullmatch(key):
        raise InputError(
            where,
            "is not a GOV.UK Notify API key (its name, the service id and the secret, "
            "as Notify shows it when the key is made)",
        )
    url = os.environ.get("DRP_NOTIFY_URL") or NOTIFY_API
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise InputError("DRP_NOTIFY_URL", "must be an https:// address")
    if parts.scheme == "http" and parts.hostname not in LOOPBACK:
        raise InputError(
            "DRP_NOTIFY_URL", "must be https:// (plain http only to this machine, for tests)"
        )
    return Notify(key, url.rstrip("/"))


def _client(notify: Notify) -> NotificationsAPIClient:
    from notifications_python_client.notifications import NotificationsAPIClient

    return NotificationsAPIClient(  # type: ignore[no-untyped-call]
        notify.api_key, base_url=notify.base_url, timeout=TIMEOUT_SECONDS
    )


def _sent(response: object) -> str:
    if not isinstance(response, dict) or not isinstance(response.get("id"), str):
        raise SendFailed("GOV.UK Notify answered without a notification id")
    return str(response["id"])


def _failed(exc: Exception) -> SendFailed:
    from notifications_python_client.errors import APIError

    if isinstance(exc, APIError):
        messages = "; ".join(
            str(m.get("message", m)) if isinstance(m, dict) else str(m)
            for m in (exc.message if isinstance(exc.message, list) else [exc.message])
        )
        return SendFailed(f"GOV.UK Notify refused it ({exc.status_code}): {messages}")
    return SendFailed(f"GOV.UK Notify could not be reached: {exc}")


def send_sms(notify: Notify, template_id: str, phone: str, body: str, reference: str) -> str:
    """Text `body` to `phone`; Notify's id for the notification, SendFailed when not sent."""
    try:
        response = _client(notify).send_sms_notification(  # type: ignore[no-untyped-call]
            phone_number=phone,
            template_id=template_id,
            personalisation={"body": body},
            reference=reference,
        )
    except Exception as exc:  # the client raises requests' and its own errors
        raise _failed(exc) from None
    return _sent(response)


def send_email(
    notify: Notify, template_id: str, to: str, subject: str, body: str, reference: str
) -> str:
    """Email `subject` and `body` to `to`; Notify's id, SendFailed when not sent."""
    try:
        response = _client(notify).send_email_notification(  # type: ignore[no-untyped-call]
            email_address=to,
            template_id=template_id,
            personalisation={"subject": subject, "body": body},
            reference=reference,
        )
    except Exception as exc:  # the client raises requests' and its own errors
        raise _failed(exc) from None
    return _sent(response)
