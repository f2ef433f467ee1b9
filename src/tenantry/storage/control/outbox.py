"""The outbox: mail kept in the control plane when no SMTP server is configured (SPEC E4).

Each call is its own short transaction (like the throttle store), so a caller must not hold a
control-plane transaction open while writing here on SQLite. Entries older than the retention
period are deleted by the next write.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantry.core.clock import Clock
from tenantry.core.mail import OutboxEntry
from tenantry.ports.paging import Page, PageRequest

from ..tables_control import outbox
from .base import keyset_page


def _entry(row: Row[Any]) -> OutboxEntry:
    return OutboxEntry(
        id=row.id,
        realm_id=row.realm_id,
        recipient=row.recipient,
        subject=row.subject,
        text=row.text_body,
        html=row.html_body,
        created_at=row.created_at,
    )


class SqlOutbox:
    def __init__(self, engine: AsyncEngine, clock: Clock, retention: timedelta):
        self.engine = engine
        self.clock = clock
        self.retention = retention

    async def add(self, entry: OutboxEntry) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(outbox).where(outbox.c.created_at < self.clock.now() - self.retention))
            await conn.execute(
                insert(outbox).values(
                    id=entry.id,
                    realm_id=entry.realm_id,
                    recipient=entry.recipient,
                    subject=entry.subject,
                    text_body=entry.text,
                    html_body=entry.html,
                    created_at=entry.created_at,
                )
            )

    async def list(self, realm_id: str, page: PageRequest, recipient: str | None = None) -> Page[OutboxEntry]:
        query = select(outbox).where(outbox.c.realm_id == realm_id)
        if recipient is not None:
            query = query.where(outbox.c.recipient == recipient)
        async with self.engine.connect() as conn:
            return await keyset_page(conn, query, outbox, page, _entry)

    async def get(self, realm_id: str, entry_id: str) -> OutboxEntry | None:
        query = select(outbox).where(outbox.c.realm_id == realm_id, outbox.c.id == entry_id)
        async with self.engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return _entry(row) if row else None
