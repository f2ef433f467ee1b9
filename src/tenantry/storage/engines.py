"""Engines per data plane, created lazily and cached, with a migration gate per plane.

A plane whose schema is behind the code's head raises ``PlaneBehind`` for its own requests
only; the other planes keep serving. ``forget`` drops a cached verdict after a migration.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from tenantry.core.errors import PlaneBehind, Unavailable
from tenantry.core.plane import DataPlane

from .schema_versions import DATA_VERSION_TABLE, data_head, plane_revision, supported_data_revisions
from .urls import StorageConfig, control_url, plane_url

APP_ROLE = "tenantry_app"
BIND_REALM = text("SELECT set_config('role', :role, true), set_config('tenantry.realm_id', :realm, true)")
"""``SET LOCAL ROLE`` and the realm binding in one round trip: ``role`` is a setting like any other."""


def _sqlite_pragmas(engine: AsyncEngine) -> None:
    """WAL, a busy timeout, foreign keys, and BEGIN IMMEDIATE so writers queue instead of failing."""

    @event.listens_for(engine.sync_engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: URL, *, pool_size: int = 32) -> AsyncEngine:
    """PostgreSQL pools sized for the concurrency a node serves (connections are opened on demand).

    A pool that is too small opens and closes a connection per burst, which costs more than the
    query; a pre-ping would add a round trip to every transaction (both measured in bench/). A
    connection the server has dropped fails its request once and the pool is then renewed.
    """
    if url.drivername.startswith("sqlite"):
        engine = create_async_engine(url)
        _sqlite_pragmas(engine)
        return engine
    return create_async_engine(url, pool_size=pool_size, max_overflow=pool_size)


class Engines:
    """Owns the control-plane engine and one cached engine per data plane."""

    def __init__(self, config: StorageConfig):
        self.config = config
        self.control = make_engine(control_url(config))
        self._planes: dict[str, AsyncEngine] = {}
        self._current: dict[str, bool] = {}
        self._lock = asyncio.Lock()

    def plane_engine(self, plane: DataPlane) -> AsyncEngine:
        engine = self._planes.get(plane.id)
        if engine is None:
            if not self.config.postgres:
                (self.config.data_dir / "planes").mkdir(parents=True, exist_ok=True)
            engine = make_engine(plane_url(self.config, plane))
            self._planes[plane.id] = engine
        return engine

    async def ensure_current(self, plane: DataPlane) -> None:
        """The migration gate: compare the plane's revision with the code's head once, then cache."""
        if self._current.get(plane.id):
            return
        engine = self.plane_engine(plane)
        try:
            async with engine.connect() as conn:
                revision = await conn.run_sync(plane_revision)
        except Exception as exc:
            raise Unavailable(
                "this data plane cannot be reached", code="plane_unavailable", details={"data_plane": plane.name}
            ) from exc
        if revision not in supported_data_revisions():
            raise PlaneBehind(
                "this data plane's schema is behind; run `tenantry migrate`",
                details={"data_plane": plane.name, "revision": revision, "head": data_head()},
            )
        self._current[plane.id] = True

    def forget(self, plane_id: str | None = None) -> None:
        if plane_id is None:
            self._current.clear()
        else:
            self._current.pop(plane_id, None)

    @asynccontextmanager
    async def plane_transaction(self, plane: DataPlane, realm_id: str) -> AsyncIterator[AsyncConnection]:
        """A transaction bound to one realm; on PostgreSQL it runs as the non-owner role under RLS."""
        await self.ensure_current(plane)
        engine = self.plane_engine(plane)
        async with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                await conn.execute(BIND_REALM, {"role": APP_ROLE, "realm": realm_id})
            yield conn

    async def dispose_plane(self, plane_id: str) -> None:
        """Close one plane's pool, e.g. before its database is dropped."""
        engine = self._planes.pop(plane_id, None)
        self._current.pop(plane_id, None)
        if engine is not None:
            await engine.dispose()

    async def dispose(self) -> None:
        await self.control.dispose()
        for engine in self._planes.values():
            await engine.dispose()
        self._planes.clear()
        self._current.clear()


__all__ = ["APP_ROLE", "DATA_VERSION_TABLE", "Engines", "make_engine"]
