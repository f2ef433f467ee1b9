"""Brute-force counters in Redis, when ``TENANTRY_REDIS_URL`` is set (SPEC S6; DESIGN.md section 3).

A counter is ``INCR`` then ``EXPIRE ... NX`` in one MULTI/EXEC transaction: the window starts at
the first hit and every hit is counted exactly, from any node. A lock is a separate key set with
``SET ... EX``. Every key carries a TTL, so Redis forgets them on its own; windows and locks run on
the Redis server's clock. When Redis cannot answer, every method raises ``Unavailable`` (code
``throttle_unavailable``) after one immediate retry: callers fail closed (HOSTILE 76).
"""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from redis.exceptions import RedisError

from tenantry.core.throttle import throttle_unavailable

CONNECT_TIMEOUT_SECONDS = 2.0
COMMAND_TIMEOUT_SECONDS = 2.0


class RedisThrottleStore:
    def __init__(self, url: str, prefix: str = "tenantry:"):
        self.redis: Redis = Redis.from_url(
            url,
            socket_connect_timeout=CONNECT_TIMEOUT_SECONDS,
            socket_timeout=COMMAND_TIMEOUT_SECONDS,
            retry=Retry(NoBackoff(), 1),
        )
        self.prefix = f"{prefix}throttle:"

    def _count_key(self, key: str) -> str:
        return f"{self.prefix}count:{key}"

    def _lock_key(self, key: str) -> str:
        return f"{self.prefix}lock:{key}"

    @asynccontextmanager
    async def _guard(self) -> AsyncIterator[None]:
        try:
            yield
        except (RedisError, OSError) as error:
            raise throttle_unavailable("redis") from error

    async def hit(self, key: str, window_seconds: int) -> int:
        async with self._guard(), self.redis.pipeline(transaction=True) as pipe:
            pipe.incr(self._count_key(key))
            pipe.expire(self._count_key(key), window_seconds, nx=True)
            count, _ = await pipe.execute()
        return int(count)

    async def get(self, key: str) -> int:
        async with self._guard():
            value = await self.redis.get(self._count_key(key))
        return int(value or 0)

    async def lock(self, key: str, seconds: int) -> None:
        async with self._guard():
            await self.redis.set(self._lock_key(key), b"1", ex=seconds)

    async def locked_for(self, key: str) -> int:
        async with self._guard():
            remaining_ms = await self.redis.pttl(self._lock_key(key))
        return math.ceil(remaining_ms / 1000) if remaining_ms > 0 else 0

    async def clear(self, key: str) -> None:
        async with self._guard():
            await self.redis.delete(self._count_key(key), self._lock_key(key))

    async def close(self) -> None:
        await self.redis.aclose()
