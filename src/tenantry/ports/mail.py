"""Sending mail and keeping the outbox (SPEC E4): SMTP when configured, the control-plane outbox otherwise."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tenantry.core.mail import MailMessage, OutboxEntry, RenderedMail

from .paging import Page, PageRequest


class Mailer(Protocol):
    """Hands one message over for delivery; raises ``MailNotSent`` when it cannot."""

    async def send(self, message: MailMessage) -> None: ...


class MailTemplates(Protocol):
    """Renders a named mail (subject, text and HTML bodies) from its templates and a context."""

    def render(self, name: str, context: Mapping[str, Any]) -> RenderedMail: ...


class Outbox(Protocol):
    """Messages kept instead of sent, readable per realm only; old entries are pruned on write."""

    async def add(self, entry: OutboxEntry) -> None: ...
    async def list(self, realm_id: str, page: PageRequest, recipient: str | None = None) -> Page[OutboxEntry]: ...
    async def get(self, realm_id: str, entry_id: str) -> OutboxEntry | None: ...
