"""Stored answers to admin writes sent with an ``Idempotency-Key``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from tenantry.core.idempotency import RETENTION, IdempotentRequest

from ..tables_control import idempotency_keys
from ..uniqueness import is_unique_violation


class SqlIdempotencyRepository:
    def __init__(self, conn: AsyncConnection, now: datetime):
        self.conn = conn
        self.now = now

    async def claim(self, request: IdempotentRequest) -> IdempotentRequest | None:
        table = idempotency_keys
        key = (table.c.owner == request.owner, table.c.key == request.key)
        await self.conn.execute(delete(table).where(*key, table.c.created_at < self.now - RETENTION))
        row = (await self.conn.execute(select(table).where(*key))).first()
        if row is not None:
            return IdempotentRequest(
                row.owner, row.key, row.fingerprint, row.created_at, row.status, row.body, row.content_type
            )
        try:
            async with self.conn.begin_nested():
                await self.conn.execute(table.insert().values(**asdict(request)))
        except IntegrityError as exc:  # a concurrent first request claimed the key between our read and write
            if not is_unique_violation(exc):
                raise
            return IdempotentRequest(request.owner, request.key, request.fingerprint, request.created_at)
        return None

    async def complete(self, request: IdempotentRequest) -> None:
        table = idempotency_keys
        await self.conn.execute(
            update(table)
            .where(table.c.owner == request.owner, table.c.key == request.key)
            .values(status=request.status, body=request.body, content_type=request.content_type)
        )

    async def release(self, owner: str, key: str) -> None:
        table = idempotency_keys
        await self.conn.execute(delete(table).where(table.c.owner == owner, table.c.key == key))
