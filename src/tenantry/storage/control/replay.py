"""Single-use markers in the control-plane database, for deployments without Redis.

``first_use`` is one ``INSERT ... ON CONFLICT DO UPDATE ... WHERE expired ... RETURNING``: a marker
is taken by exactly one caller on any number of nodes, and an expired one can be taken again.
Expired rows are deleted at most once every ``purge_every_seconds`` per process.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, exc
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine

from tenantry.core.clock import Clock
from tenantry.core.errors import Unavailable

from ..tables_control import replay_markers

UNREACHABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError)


def replay_unavailable(store: str) -> Unavailable:
    return Unavailable(
        "the replay cache cannot be reached; try again later", code="replay_unavailable", details={"store": store}
    )


class SqlReplayCache:
    def __init__(self, engine: AsyncEngine, clock: Clock, *, purge_every_seconds: int = 300):
        self.engine = engine
        self.clock = clock
        self.purge_every = timedelta(seconds=purge_every_seconds)
        self._next_purge: datetime | None = None

    async def first_use(self, key: str, expires_at: datetime) -> bool:
        now = self.clock.now()
        table = replay_markers
        try:
            async with self.engine.begin() as conn:
                insert = (pg_insert if conn.dialect.name == "postgresql" else sqlite_insert)(table).values(
                    key=key, expires_at=expires_at
                )
                statement = insert.on_conflict_do_update(
                    index_elements=[table.c.key],
                    set_={"expires_at": insert.excluded.expires_at},
                    where=table.c.expires_at <= now,
                ).returning(table.c.key)
                taken = (await conn.execute(statement)).first() is not None
                if self._next_purge is None or now >= self._next_purge:
                    self._next_purge = now + self.purge_every
                    await conn.execute(delete(table).where(table.c.expires_at <= now))
        except UNREACHABLE as error:
            raise replay_unavailable("database") from error
        return taken
