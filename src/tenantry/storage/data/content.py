"""A customer's content in its data plane, bound to one realm like every data-plane repository."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.content import ContentItem

from ..tables_data import content_items


class SqlContentRepository:
    def __init__(self, conn: AsyncConnection, realm_id: str, now: datetime):
        self.conn = conn
        self.realm_id = realm_id
        self.now = now

    async def add_missing(self, organization_id: str, template_version: str, items: list[ContentItem]) -> int:
        """Create-or-get by (realm, organization, key): a rerun adds nothing twice."""
        present = {item.key for item in await self.for_organization(organization_id)}
        rows = [
            {
                "realm_id": self.realm_id,
                "organization_id": organization_id,
                "key": item.key,
                "template_version": template_version,
                "title": item.title,
                "body": item.body,
                "created_at": self.now,
            }
            for item in items
            if item.key not in present
        ]
        if rows:
            await self.conn.execute(insert(content_items), rows)
        return len(rows)

    async def for_organization(self, organization_id: str) -> list[ContentItem]:
        query = (
            select(content_items)
            .where(content_items.c.realm_id == self.realm_id, content_items.c.organization_id == organization_id)
            .order_by(content_items.c.key)
        )
        return [
            ContentItem(row.key, row.title, row.body, row.template_version) for row in await self.conn.execute(query)
        ]
