"""The control plane's change feed: who must forget what they cached, on every node.

A write to any configuration table marks its transaction (an engine event sees every Core
INSERT, UPDATE and DELETE, so no repository can forget to announce). On PostgreSQL the marked
transaction sends ``pg_notify`` before it commits; PostgreSQL delivers a notification only when
its transaction commits, and to every listening session, so each node hears exactly the changes
that happened. Each node keeps one connection that LISTENs; while it is down (or on SQLite, which
has no notifications to share between processes) the feed is not ``live`` and caches serve nothing.

Tables that the hot paths never cache (audit, idempotency, throttle counters, admin tokens,
breached passwords) are ignored, so a login's bookkeeping does not empty every node's cache.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

import psycopg
import structlog
from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.dml import UpdateBase

log = structlog.get_logger("tenantry.changes")

CHANNEL = "tenantry_control_changes"
MARK = "tenantry_control_changed"
IGNORED_TABLES = frozenset(
    {
        "audit_events",
        "audit_heads",
        "idempotency_keys",
        "throttle_counters",
        "admin_tokens",
        "breached_passwords",
        "outbox",
        "customer_runs",
        "customer_steps",
        "customer_leases",
        "stored_secrets",
    }
)
HEALTH_SECONDS = 5.0
"""How often an idle listener proves its connection is alive; a dead one stops the cache at once."""
RETRY_SECONDS = 1.0
LISTENER_NAME = "tenantry-changes"
"""The listening connection's application_name, as pg_stat_activity shows it."""


def _mark(conn: Any, clause: Any, *_args: Any) -> None:
    if isinstance(clause, UpdateBase) and getattr(clause.table, "name", None) not in IGNORED_TABLES:
        conn.info[MARK] = True


def watch_writes(engine: AsyncEngine) -> None:
    """Mark a connection's transaction whenever it writes a configuration table (once per engine)."""
    if not event.contains(engine.sync_engine, "before_execute", _mark):
        event.listen(engine.sync_engine, "before_execute", _mark)


def begin_watch(conn: AsyncConnection) -> None:
    """Forget a mark left on a pooled connection by a transaction that rolled back."""
    conn.info.pop(MARK, None)


def written(conn: AsyncConnection) -> bool:
    return bool(conn.info.pop(MARK, False))


class ChangeFeed:
    """In-process subscribers, and the flag that says whether changes elsewhere are heard."""

    def __init__(self) -> None:
        self._subscribers: list[Callable[[], None]] = []
        self._live = False

    @property
    def live(self) -> bool:
        return self._live

    def subscribe(self, callback: Callable[[], None]) -> None:
        self._subscribers.append(callback)

    def changed(self) -> None:
        for callback in self._subscribers:
            callback()

    def _set_live(self, live: bool) -> None:
        if live != self._live:
            self._live = live
            self.changed()

    async def announce(self, conn: AsyncConnection) -> None:
        """Inside the writing transaction: tell the other nodes, on commit only."""

    async def start(self) -> None:
        """Begin hearing other nodes; a feed that cannot hear them stays not live."""

    async def close(self) -> None:
        self._set_live(False)


class PostgresChangeFeed(ChangeFeed):
    """LISTEN on a dedicated connection; NOTIFY from every writing transaction."""

    def __init__(self, url: URL):
        super().__init__()
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._task: asyncio.Task[None] | None = None

    async def announce(self, conn: AsyncConnection) -> None:
        await conn.exec_driver_sql(f"NOTIFY {CHANNEL}")

    async def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._listen_forever())

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await super().close()

    async def _listen_forever(self) -> None:
        while True:
            try:
                await self._listen()
            except (psycopg.Error, OSError) as exc:
                log.warning("control_changes_listener_lost", error=type(exc).__name__)
            self._set_live(False)
            await asyncio.sleep(RETRY_SECONDS)

    async def _listen(self) -> None:
        async with await psycopg.AsyncConnection.connect(
            self._dsn, autocommit=True, application_name=LISTENER_NAME
        ) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            self.changed()  # whatever was cached while deaf may be stale
            self._set_live(True)
            while True:
                async for _ in conn.notifies(timeout=HEALTH_SECONDS, stop_after=1):
                    self.changed()
                await conn.execute("SELECT 1")


def change_feed(url: URL) -> ChangeFeed:
    return PostgresChangeFeed(url) if url.drivername.startswith("postgresql") else ChangeFeed()
