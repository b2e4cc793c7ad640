"""Email through the council's SMTP server: `DRP_SMTP_URL` (smtp://user@host:587 upgrades
with STARTTLS; smtps://user@host:465 is TLS from the start; smtp://host:25 without a user sends
unauthenticated, for a relay on the council's own network). The password is never in the URL
or on a command line, where other users of the machine could read it: it comes from
`DRP_SMTP_PASSWORD`, or a file named by `DRP_SMTP_PASSWORD_FILE`."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from urllib.parse import unquote, urlsplit

from drp_tui.domain.errors import InputError

TIMEOUT_SECONDS = 30


class SendFailed(Exception):
    """The mail server could not be reached or refused the message: nothing was sent."""


def _password() -> str | None:
    if "DRP_SMTP_PASSWORD" in os.environ:
        return os.environ["DRP_SMTP_PASSWORD"]
    file = os.environ.get("DRP_SMTP_PASSWORD_FILE")
    if not file:
        return None
    try:
        return Path(file).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise InputError("DRP_SMTP_PASSWORD_FILE", f"cannot be read: {exc.strerror}") from None


def send_email(url: str | None, sender: str, to: str, subject: str, body: str) -> str:
    """Send a plain-text email; its Message-ID. InputError for a bad DRP_SMTP_URL."""
    if not url:
        raise InputError("DRP_SMTP_URL", "is not set: say which mail server sends email")
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError("DRP_SMTP_URL", "must look like smtp://user@host:587 or smtps://host:465")
    if parts.password is not None:
        raise InputError(
            "DRP_SMTP_URL",
            "must not hold the password (others can read it): put it in DRP_SMTP_PASSWORD_FILE",
        )
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 587)
    except ValueError:
        raise InputError("DRP_SMTP_URL", "has a port that is not a number") from None
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, to, subject
    message["Message-ID"] = make_msgid(domain="drp.invalid")
    message.set_content(body)
    user, password = (unquote(parts.username) if parts.username else None), _password()
    try:
        if parts.scheme == "smtps":
            server: smtplib.SMTP = smtplib.SMTP_SSL(
                parts.hostname, port, timeout=TIMEOUT_SECONDS, context=ssl.create_default_context()
            )
        else:
            server = smtplib.SMTP(parts.hostname, port, timeout=TIMEOUT_SECONDS)
        with server:
            secure = parts.scheme == "smtps"
            if parts.scheme == "smtp" and server.has_extn("starttls"):
                server.starttls(context=ssl.create_default_context())
                secure = True
            if user and not secure:
                raise SendFailed(
                    f"{parts.hostname}:{port} offers no encryption: the password would cross "
                    "the network in clear; use smtps:// or a server with STARTTLS"
                )
            if user:
                if password is None:
                    raise InputError("DRP_SMTP_PASSWORD_FILE", f"no password for {user}")
                server.login(user, password)
            server.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        raise SendFailed(f"{parts.hostname}:{port}: {exc}") from None
    return str(message["Message-ID"])
