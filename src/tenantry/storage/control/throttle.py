"""Brute-force counters in the control-plane database, for deployments without Redis (SPEC S6).

One row per counter: the count, when its window ends and until when it is locked. ``hit`` is one
``INSERT ... ON CONFLICT DO UPDATE ... RETURNING`` statement, so concurrent hits on any number of
nodes are counted exactly: PostgreSQL serialises them on the row, SQLite on its write lock. A row
whose window has ended is reset by the next hit. Rows whose window and lock have both ended are
deleted by ``purge``, which ``hit`` runs at most once every ``purge_every_seconds`` per process.

Each call is its own short transaction. On SQLite a caller must not hold a control-plane
transaction open while calling the store: the store would wait for the write lock that caller holds.
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from sqlalchemy import case, delete, exc, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from tenantry.core.clock import Clock
from tenantry.core.throttle import throttle_unavailable

from ..tables_control import throttle_counters

UNREACHABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError)
"""Failures that mean the database cannot answer now (not bugs): the caller fails closed."""


class SqlThrottleStore:
    def __init__(self, engine: AsyncEngine, clock: Clock, *, purge_every_seconds: int = 300):
        self.engine = engine
        self.clock = clock
        self.purge_every = timedelta(seconds=purge_every_seconds)
        self._next_purge: datetime | None = None

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncConnection]:
        try:
            async with self.engine.begin() as conn:
                yield conn
        except UNREACHABLE as error:
            raise throttle_unavailable("database") from error

    async def hit(self, key: str, window_seconds: int) -> int:
        now = self.clock.now()
        table = throttle_counters
        async with self._transaction() as conn:
            insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).values(
                key=key, count=1, window_ends_at=now + timedelta(seconds=window_seconds), locked_until=None
            )
            ended = table.c.window_ends_at <= now
            statement = insert.on_conflict_do_update(
                index_elements=[table.c.key],
                set_={
                    "count": case((ended, 1), else_=table.c.count + 1),
                    "window_ends_at": case((ended, insert.excluded.window_ends_at), else_=table.c.window_ends_at),
                },
            ).returning(table.c.count)
            count = int((await conn.execute(statement)).scalar_one())
        if self._next_purge is None or now >= self._next_purge:
            self._next_purge = now + self.purge_every
            await self.purge()
        return count

    async def get(self, key: str) -> int:
        now = self.clock.now()
        table = throttle_counters
        async with self._transaction() as conn:
            query = select(table.c.count).where(table.c.key == key, table.c.window_ends_at > now)
            count = (await conn.execute(query)).scalar_one_or_none()
        return int(count or 0)

    async def lock(self, key: str, seconds: int) -> None:
        now = self.clock.now()
        table = throttle_counters
        async with self._transaction() as conn:
            insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).values(
                key=key, count=0, window_ends_at=now, locked_until=now + timedelta(seconds=seconds)
            )
            statement = insert.on_conflict_do_update(
                index_elements=[table.c.key], set_={"locked_until": insert.excluded.locked_until}
            )
            await conn.execute(statement)

    async def locked_for(self, key: str) -> int:
        now = self.clock.now()
        table = throttle_counters
        async with self._transaction() as conn:
            query = select(table.c.locked_until).where(table.c.key == key)
            until: datetime | None = (await conn.execute(query)).scalar_one_or_none()
        if until is None or until <= now:
            return 0
        return math.ceil((until - now).total_seconds())

    async def clear(self, key: str) -> None:
        async with self._transaction() as conn:
            await conn.execute(delete(throttle_counters).where(throttle_counters.c.key == key))

    async def purge(self) -> int:
        """Delete the rows whose window and lock have both ended; returns how many."""
        now = self.clock.now()
        table = throttle_counters
        async with self._transaction() as conn:
            result = await conn.execute(
                delete(table).where(
                    table.c.window_ends_at <= now, or_(table.c.locked_until.is_(None), table.c.locked_until <= now)
                )
            )
        return int(result.rowcount)
