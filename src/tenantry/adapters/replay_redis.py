"""Single-use markers in Redis, when ``TENANTRY_REDIS_URL`` is set: ``SET key 1 NX PXAT expires_at``.

Redis forgets a marker when it expires; an unreachable server raises ``Unavailable`` (fail closed).
"""

from __future__ import annotations

from datetime import datetime

from redis.asyncio import Redis
from redis.exceptions import RedisError

from tenantry.core.errors import Unavailable


class RedisReplayCache:
    def __init__(self, redis: Redis, prefix: str = "tenantry:"):
        self.redis = redis
        self.prefix = f"{prefix}replay:"

    async def first_use(self, key: str, expires_at: datetime) -> bool:
        try:
            taken = await self.redis.set(f"{self.prefix}{key}", b"1", nx=True, pxat=int(expires_at.timestamp() * 1000))
        except (RedisError, OSError) as error:
            raise Unavailable(
                "the replay cache cannot be reached; try again later",
                code="replay_unavailable",
                details={"store": "redis"},
            ) from error
        return bool(taken)
