"""The two Mailer implementations: SMTP (``TENANTRY_SMTP_URL``) and the control-plane outbox (SPEC E4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import parse_qs, unquote, urlsplit

import aiosmtplib

from tenantry.core.clock import Clock
from tenantry.core.mail import MailMessage, MailNotSent, OutboxEntry
from tenantry.ports.mail import Outbox

SCHEMES = {"smtp": 587, "smtps": 465}
STARTTLS = {"auto": None, "require": True, "off": False}


@dataclass(frozen=True, slots=True)
class SmtpServer:
    """A parsed ``smtp://user:pass@host:port?starttls=auto|require|off`` or ``smtps://`` URL."""

    host: str
    port: int
    username: str | None
    password: str | None
    implicit_tls: bool
    starttls: bool | None

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        parts = urlsplit(url)
        if parts.scheme not in SCHEMES or not parts.hostname:
            raise ValueError("must be smtp://[user:password@]host[:port] or smtps://...")
        mode = parse_qs(parts.query).get("starttls", ["auto"])[0]
        if mode not in STARTTLS:
            raise ValueError("starttls must be auto, require or off")
        if parts.scheme == "smtps" and mode == "require":
            raise ValueError("smtps:// is TLS from the start; starttls=require applies to smtp:// only")
        return cls(
            host=parts.hostname,
            port=parts.port or SCHEMES[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            implicit_tls=parts.scheme == "smtps",
            starttls=False if parts.scheme == "smtps" else STARTTLS[mode],
        )


def email_message(message: MailMessage, sender: str) -> EmailMessage:
    """multipart/alternative: the text part first, the HTML part preferred by clients that show it."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = message.recipient
    mail["Subject"] = message.subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    return mail


class SmtpMailer:
    def __init__(self, url: str, sender: str, timeout: float = 10.0):
        self.server = SmtpServer.parse(url)
        self.sender = sender
        self.timeout = timeout

    async def send(self, message: MailMessage) -> None:
        server = self.server
        try:
            await aiosmtplib.send(
                email_message(message, self.sender),
                hostname=server.host,
                port=server.port,
                username=server.username,
                password=server.password,
                use_tls=server.implicit_tls,
                start_tls=server.starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailNotSent(f"{type(exc).__name__}: {exc}"[:300]) from exc


class OutboxMailer:
    """Keeps every message in the outbox, where the admin API and the CLI show it."""

    def __init__(self, outbox: Outbox, clock: Clock, new_id: Callable[[str], str]):
        self.outbox = outbox
        self.clock = clock
        self.new_id = new_id

    async def send(self, message: MailMessage) -> None:
        entry = OutboxEntry(
            id=self.new_id("msg"),
            realm_id=message.realm_id,
            recipient=message.recipient,
            subject=message.subject,
            text=message.text,
            html=message.html,
            created_at=self.clock.now(),
        )
        try:
            await self.outbox.add(entry)
        except Exception as exc:
            raise MailNotSent(f"the outbox could not store the message ({type(exc).__name__})") from exc
