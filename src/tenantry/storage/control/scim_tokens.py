"""SCIM bearer tokens in the control plane: looked up by digest, listed per realm and connection."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.scim import ScimToken

from ..tables_control import scim_tokens
from ..uniqueness import unique


def _token(row: Row[Any]) -> ScimToken:
    return ScimToken(
        id=row.id,
        realm_id=row.realm_id,
        connection_id=row.connection_id,
        name=row.name,
        token_hash=row.token_hash,
        created_at=row.created_at,
        organization_id=row.organization_id,
        revoked_at=row.revoked_at,
    )


class SqlScimTokenRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, token: ScimToken) -> None:
        async with unique("token_exists", "a token with this digest exists"):
            await self.conn.execute(insert(scim_tokens).values(**asdict(token)))

    async def by_hash(self, token_hash: str) -> ScimToken | None:
        row = (await self.conn.execute(select(scim_tokens).where(scim_tokens.c.token_hash == token_hash))).first()
        return _token(row) if row else None

    async def get(self, realm_id: str, token_id: str) -> ScimToken | None:
        query = select(scim_tokens).where(scim_tokens.c.id == token_id, scim_tokens.c.realm_id == realm_id)
        row = (await self.conn.execute(query)).first()
        return _token(row) if row else None

    async def for_connection(self, realm_id: str, connection_id: str) -> list[ScimToken]:
        query = (
            select(scim_tokens)
            .where(scim_tokens.c.realm_id == realm_id, scim_tokens.c.connection_id == connection_id)
            .order_by(scim_tokens.c.id)
        )
        return [_token(row) for row in await self.conn.execute(query)]

    async def update(self, token: ScimToken) -> None:
        await self.conn.execute(
            update(scim_tokens)
            .where(scim_tokens.c.id == token.id, scim_tokens.c.realm_id == token.realm_id)
            .values(name=token.name, revoked_at=token.revoked_at)
        )
