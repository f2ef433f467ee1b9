"""The ThrottleStore contract (SPEC S6; DESIGN.md section 3) on every store: the control-plane
database (SQLite, PostgreSQL) and Redis.

Database stores run on a ManualClock; Redis keeps time itself, so its cases sleep through short
windows instead. Every case uses keys of its own; Redis cases use a key prefix of their own and
delete it afterwards.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.engine import URL

from tenantry.adapters.throttle_redis import RedisThrottleStore
from tenantry.bootstrap import Runtime
from tenantry.core.errors import Unavailable
from tenantry.storage.control.throttle import SqlThrottleStore
from tenantry.storage.engines import make_engine
from tenantry.storage.tables_control import throttle_counters
from tests.support.clock import ManualClock
from tests.support.databases import deployment
from tests.support.environment import REDIS_URL

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]


@dataclass
class Subject:
    store: SqlThrottleStore | RedisThrottleStore
    advance: Callable[[float], Awaitable[None]]
    """Let time pass: move the manual clock, or sleep for Redis."""
    runtime: Runtime | None = None


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def new_key() -> str:
    return secrets.token_hex(32)


class Deployments:
    """One migrated deployment per database backend for the whole module, made on first use."""

    def __init__(self, stack: AsyncExitStack, tmp_path_factory: pytest.TempPathFactory):
        self.stack = stack
        self.tmp_path_factory = tmp_path_factory
        self.made: dict[str, Runtime] = {}

    async def get(self, backend: str) -> Runtime:
        if backend not in self.made:
            data_dir = self.tmp_path_factory.mktemp(backend)
            self.made[backend] = await self.stack.enter_async_context(deployment(backend, data_dir))
        return self.made[backend]


@pytest.fixture(scope="module")
async def deployments(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Deployments]:
    async with AsyncExitStack() as stack:
        yield Deployments(stack, tmp_path_factory)


@pytest.fixture(params=STORES)
async def subject(request: pytest.FixtureRequest, deployments: Deployments) -> AsyncIterator[Subject]:
    if request.param == "redis":
        prefix = f"tenantry-test:{secrets.token_hex(6)}:"
        store = RedisThrottleStore(REDIS_URL, prefix)
        try:
            yield Subject(store, asyncio.sleep)
        finally:
            keys = [key async for key in store.redis.scan_iter(match=f"{prefix}*")]
            if keys:
                await store.redis.delete(*keys)
            await store.close()
        return
    yield await database_subject(deployments, request.param)


async def database_subject(deployments: Deployments, backend: str) -> Subject:
    runtime = await deployments.get(backend)
    clock = ManualClock()

    async def advance(seconds: float) -> None:
        clock.advance(seconds)

    return Subject(SqlThrottleStore(runtime.engines.control, clock), advance, runtime)


@pytest.fixture(params=[store for store in STORES if store.id != "redis"])
async def sql_subject(request: pytest.FixtureRequest, deployments: Deployments) -> Subject:
    return await database_subject(deployments, request.param)


async def test_hits_count_up_from_one_and_keys_are_independent(subject: Subject):
    store, key, other = subject.store, new_key(), new_key()
    assert await store.get(key) == 0
    assert [await store.hit(key, 60) for _ in range(3)] == [1, 2, 3]
    assert await store.get(key) == 3
    assert await store.get(other) == 0
    assert await store.hit(other, 60) == 1
    assert await store.get(key) == 3


async def test_concurrent_hits_are_counted_exactly(subject: Subject):
    store, key = subject.store, new_key()
    counts = await asyncio.gather(*(store.hit(key, 60) for _ in range(50)))
    assert sorted(counts) == list(range(1, 51))
    assert await store.get(key) == 50


async def test_the_window_is_fixed_from_the_first_hit_and_then_starts_again(subject: Subject):
    store, key = subject.store, new_key()
    assert await store.hit(key, 2) == 1
    await subject.advance(1.2)
    assert await store.hit(key, 2) == 2  # a later hit does not extend the window
    await subject.advance(1.0)
    assert await store.get(key) == 0
    assert await store.hit(key, 2) == 1


async def test_a_lock_is_separate_from_the_counter_and_replaced_by_the_next(subject: Subject):
    store, key = subject.store, new_key()
    assert await store.locked_for(key) == 0
    await store.hit(key, 60)
    await store.lock(key, 120)
    assert 118 <= await store.locked_for(key) <= 120
    assert await store.get(key) == 1
    assert await store.hit(key, 60) == 2
    assert 118 <= await store.locked_for(key) <= 120
    await store.lock(key, 30)
    assert 28 <= await store.locked_for(key) <= 30
    other = new_key()
    await store.lock(other, 30)  # a lock without a counter
    assert await store.get(other) == 0
    assert await store.hit(other, 60) == 1


async def test_a_lock_ends(subject: Subject):
    store, key = subject.store, new_key()
    await store.lock(key, 1)
    assert await store.locked_for(key) == 1
    await subject.advance(1.1)
    assert await store.locked_for(key) == 0


async def test_clear_forgets_the_counter_and_the_lock(subject: Subject):
    store, key, other = subject.store, new_key(), new_key()
    for name in (key, other):
        await store.hit(name, 60)
        await store.lock(name, 60)
    await store.clear(key)
    assert await store.get(key) == 0
    assert await store.locked_for(key) == 0
    assert await store.hit(key, 60) == 1
    assert await store.get(other) == 1
    assert await store.locked_for(other) > 0
    await store.clear(new_key())  # clearing what does not exist is fine


async def test_database_rows_are_reset_on_the_next_hit_and_purged_once_window_and_lock_ended(
    sql_subject: Subject,
):
    subject, store = sql_subject, sql_subject.store
    assert isinstance(store, SqlThrottleStore) and subject.runtime is not None
    stale, locked, fresh = new_key(), new_key(), new_key()
    await store.hit(stale, 10)
    await store.hit(stale, 10)
    await store.hit(locked, 10)
    await store.lock(locked, 100)
    await subject.advance(11)
    await store.hit(fresh, 10)
    assert await store.hit(stale, 10) == 1  # the ended window is overwritten, not added to
    await subject.advance(11)
    assert await store.purge() >= 1
    async with subject.runtime.engines.control.connect() as conn:
        rows = set((await conn.execute(select(throttle_counters.c.key))).scalars())
    assert stale not in rows and fresh not in rows
    assert locked in rows
    assert await store.locked_for(locked) > 0
    await subject.advance(100)
    await store.purge()
    async with subject.runtime.engines.control.connect() as conn:
        rows = set((await conn.execute(select(throttle_counters.c.key))).scalars())
    assert locked not in rows


async def test_redis_down_fails_closed():
    store = RedisThrottleStore(f"redis://127.0.0.1:{closed_port()}/0", "tenantry-test:")
    try:
        for call in (
            store.hit(new_key(), 60),
            store.get(new_key()),
            store.lock(new_key(), 60),
            store.locked_for(new_key()),
            store.clear(new_key()),
        ):
            with pytest.raises(Unavailable) as refused:
                await call
            assert refused.value.code == "throttle_unavailable"
    finally:
        await store.close()


async def test_database_down_fails_closed():
    url = URL.create("postgresql+psycopg", username="postgres", host="127.0.0.1", port=closed_port(), database="x")
    engine = make_engine(url)
    store = SqlThrottleStore(engine, ManualClock())
    try:
        for call in (store.hit(new_key(), 60), store.locked_for(new_key())):
            with pytest.raises(Unavailable) as refused:
                await call
            assert refused.value.code == "throttle_unavailable"
    finally:
        await engine.dispose()
