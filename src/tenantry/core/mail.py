"""Mail the platform sends on a realm's behalf (SPEC E4): a message, and its copy kept in the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class MailMessage:
    """One rendered message to one recipient; both bodies are always present (text for every mail client)."""

    realm_id: str
    recipient: str
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """A message kept in the control plane instead of being sent, when no SMTP server is configured."""

    id: str
    realm_id: str
    recipient: str
    subject: str
    text: str
    html: str
    created_at: datetime


class MailNotSent(Exception):
    """The mailer could not hand the message over; the caller logs it and says so, never crashes."""
