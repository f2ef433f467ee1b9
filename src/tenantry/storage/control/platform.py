"""Deployment-wide records: admin tokens, the domain registry and the hash-chained audit log."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.admin_token import AdminToken
from tenantry.core.audit import GENESIS, AuditEvent, chain_hash, event_body
from tenantry.core.clock import Clock, epoch_ms
from tenantry.core.domain import DomainClaim
from tenantry.core.ids import new_id
from tenantry.ports.paging import Page, PageRequest

from ..tables_control import admin_tokens, audit_events, audit_heads, domain_claims
from ..uniqueness import unique
from .base import keyset_page
from .configuration import domain_claim


def _token(row: Row[Any]) -> AdminToken:
    return AdminToken(
        id=row.id,
        name=row.name,
        kind=row.kind,
        token_hash=row.token_hash,
        created_at=row.created_at,
        scopes=list(row.scopes),
        realm_id=row.realm_id,
        organization_id=row.organization_id,
        revoked_at=row.revoked_at,
    )


class SqlAdminTokenRepository:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def add(self, token: AdminToken) -> None:
        async with unique("token_exists", "a token with this digest exists"):
            await self.conn.execute(insert(admin_tokens).values(**asdict(token)))

    async def by_hash(self, token_hash: str) -> AdminToken | None:
        row = (await self.conn.execute(select(admin_tokens).where(admin_tokens.c.token_hash == token_hash))).first()
        return _token(row) if row else None

    async def get(self, token_id: str) -> AdminToken | None:
        row = (await self.conn.execute(select(admin_tokens).where(admin_tokens.c.id == token_id))).first()
        return _token(row) if row else None

    async def list(self, realm_id: str | None) -> list[AdminToken]:
        query = select(admin_tokens).order_by(admin_tokens.c.id)
        if realm_id is not None:
            query = query.where(admin_tokens.c.realm_id == realm_id)
        return [_token(row) for row in await self.conn.execute(query)]

    async def update(self, token: AdminToken) -> None:
        await self.conn.execute(
            update(admin_tokens)
            .where(admin_tokens.c.id == token.id)
            .values(name=token.name, scopes=token.scopes, revoked_at=token.revoked_at)
        )


class SqlDomainRegistry:
    def __init__(self, conn: AsyncConnection):
        self.conn = conn

    async def verified_anywhere(self, domain: str) -> DomainClaim | None:
        query = select(domain_claims).where(domain_claims.c.domain == domain, domain_claims.c.status == "verified")
        row = (await self.conn.execute(query)).first()
        return domain_claim(row) if row else None

    async def due_for_check(self, limit: int) -> list[DomainClaim]:
        """Verified claims, least recently checked first (F3's periodic re-check)."""
        query = (
            select(domain_claims)
            .where(domain_claims.c.status == "verified")
            .order_by(domain_claims.c.checked_at.asc().nulls_first(), domain_claims.c.id)
            .limit(limit)
        )
        return [domain_claim(row) for row in await self.conn.execute(query)]


def _event(row: Row[Any]) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        stream=row.stream,
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        prev_hash=row.prev_hash,
        hash=row.hash,
        request_id=row.request_id,
        realm_id=row.realm_id,
        organization_id=row.organization_id,
        details=dict(row.details),
    )


class SqlAuditRepository:
    """Appends lock the stream's head row, so concurrent writers extend the chain one at a time."""

    def __init__(self, conn: AsyncConnection, clock: Clock):
        self.conn = conn
        self.clock = clock

    async def _head(self, stream: str) -> tuple[int, str]:
        """Lock the stream's head; a new stream's head is created without failing when a concurrent writer wins.

        A plain INSERT would raise a unique violation in every writer but the first that opened the stream.
        """
        postgres = self.conn.dialect.name == "postgresql"
        query = select(audit_heads).where(audit_heads.c.stream == stream)
        if postgres:
            query = query.with_for_update()
        row = (await self.conn.execute(query)).first()
        if row is None:
            create = (pg_insert if postgres else sqlite_insert)(audit_heads).values(stream=stream, seq=0, hash=GENESIS)
            await self.conn.execute(create.on_conflict_do_nothing(index_elements=["stream"]))
            row = (await self.conn.execute(query)).one()
        return int(row.seq), str(row.hash)

    async def append(self, *, stream: str, **fields: Any) -> AuditEvent:
        seq, prev = await self._head(stream)
        now: datetime = self.clock.now()
        event = AuditEvent(
            id=new_id("evt", epoch_ms(now)), stream=stream, seq=seq + 1, at=now, prev_hash=prev, hash="", **fields
        )
        event.hash = chain_hash(prev, event_body(event))
        await self.conn.execute(insert(audit_events).values(**asdict(event)))
        await self.conn.execute(
            update(audit_heads).where(audit_heads.c.stream == stream).values(seq=event.seq, hash=event.hash)
        )
        return event

    async def stream(self, stream: str) -> list[AuditEvent]:
        query = select(audit_events).where(audit_events.c.stream == stream).order_by(audit_events.c.seq)
        return [_event(row) for row in await self.conn.execute(query)]

    async def head(self, stream: str) -> tuple[int, str] | None:
        """The stream's recorded tip, which reveals events deleted from the end of the chain."""
        row = (await self.conn.execute(select(audit_heads).where(audit_heads.c.stream == stream))).first()
        return (row.seq, row.hash) if row else None

    async def streams(self) -> list[str]:
        return list((await self.conn.execute(select(audit_heads.c.stream).order_by(audit_heads.c.stream))).scalars())

    async def list(
        self, stream: str, page: PageRequest, *, organization_id: str | None = None, action: str | None = None
    ) -> Page[AuditEvent]:
        """Paged by sequence number: ids made in the same millisecond do not sort in the order of the chain."""
        query = select(audit_events).where(audit_events.c.stream == stream)
        if organization_id is not None:
            query = query.where(
                or_(audit_events.c.organization_id == organization_id, audit_events.c.target_id == organization_id)
            )
        if action is not None:
            query = query.where(audit_events.c.action == action)
        return await keyset_page(self.conn, query, audit_events, page, _event, key="seq", parse=int)
