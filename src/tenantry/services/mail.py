"""Rendering and sending the realm's mail, and reading the outbox (SPEC E4).

A mail that cannot be sent never fails the request that caused it: the failure is logged and the
caller is told (``deliver`` returns False). Mail whose sending must not show in the response time
(password reset: S7) runs in the background through ``later``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

from tenantry.core.branding import Branding, on_accent
from tenantry.core.errors import NotFound
from tenantry.core.mail import MailMessage, MailNotSent, OutboxEntry
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .context import Ports

log = structlog.get_logger("tenantry.mail")
DEFAULT_COLOR = "#1f4fd1"
LATER_DELAY_SECONDS = 0.05
"""Background mail starts after this pause, once the answer that caused it has gone out (S7)."""
OUTBOX_SCOPE = "users:write"
"""The outbox holds links that act on accounts (reset, verification): reading it is a realm-level user write."""


def brand(realm: Realm, organization: Organization | None = None) -> dict[str, str | None]:
    """The realm's branding with the organization's fields over it, as the pages show it."""
    chosen = realm.settings.branding
    if organization is not None and organization.realm_id == realm.id:
        chosen = Branding.stored(organization.branding).over(chosen)
    color = chosen.primary_color or DEFAULT_COLOR
    return {
        "display_name": chosen.display_name or realm.display_name,
        "logo_url": chosen.logo_url,
        "color": color,
        "on_color": on_accent(color[1:]),
    }


class MailService:
    def __init__(self, ports: Ports):
        self.ports = ports
        self.pending: set[asyncio.Task[Any]] = set()

    async def deliver(
        self,
        realm: Realm,
        organization: Organization | None,
        template: str,
        recipient: str,
        context: dict[str, Any],
    ) -> bool:
        """Render and hand over one mail; False (and a log line without the address) when it was not sent."""
        rendered = self.ports.mail_templates.render(
            template,
            {"brand": brand(realm, organization), "label": realm.settings.organization_label, **context},
        )
        message = MailMessage(realm.id, recipient, rendered.subject, rendered.text, rendered.html)
        try:
            await self.ports.mailer.send(message)
        except MailNotSent as exc:
            log.warning("mail_not_sent", realm_id=realm.id, template=template, reason=str(exc))
            return False
        return True

    def later(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run ``work`` after the response; an error is logged, never raised into a request."""

        async def after_the_answer() -> Any:
            await asyncio.sleep(LATER_DELAY_SECONDS)
            return await work

        task = asyncio.get_running_loop().create_task(after_the_answer())
        self.pending.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self.pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("mail_task_failed", error=type(task.exception()).__name__)

    async def settle(self) -> None:
        """Wait for the background mail started so far (tests, and a clean shutdown)."""
        while self.pending:
            await asyncio.gather(*list(self.pending), return_exceptions=True)

    async def outbox(
        self, actor: Actor, realm_ref: str, page: PageRequest, recipient: str | None = None
    ) -> Page[OutboxEntry]:
        realm = await self._realm(actor, realm_ref)
        return await self.ports.outbox.list(realm.id, page, recipient)

    async def outbox_entry(self, actor: Actor, realm_ref: str, entry_id: str) -> OutboxEntry:
        """S5: an entry of another realm is not found, like one that never existed."""
        realm = await self._realm(actor, realm_ref)
        entry = await self.ports.outbox.get(realm.id, entry_id)
        if entry is None:
            raise NotFound("no such message", code="message_not_found")
        return entry

    async def _realm(self, actor: Actor, realm_ref: str) -> Realm:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, OUTBOX_SCOPE, realm_level=True)
        return realm
