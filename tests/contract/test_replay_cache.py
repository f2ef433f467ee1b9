"""The ReplayCache contract (SPEC S3 assertion replay, S5 keys typed by realm and kind) on every store:
the control-plane database (SQLite, PostgreSQL) and Redis."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.asyncio import Redis

from tenantry.adapters.replay_redis import RedisReplayCache
from tenantry.ports.replay import ReplayCache, marker_key
from tenantry.storage.control.replay import SqlReplayCache
from tests.support.clock import ManualClock
from tests.support.databases import deployment
from tests.support.environment import REDIS_URL

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]


@pytest.fixture(params=STORES)
async def store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[tuple[ReplayCache, ManualClock | None]]:
    if request.param == "redis":
        redis = Redis.from_url(REDIS_URL)
        try:
            yield RedisReplayCache(redis, f"test-{secrets.token_hex(6)}:"), None
        finally:
            await redis.aclose()
        return
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    async with deployment(request.param, tmp_path, clock=clock) as runtime:
        yield SqlReplayCache(runtime.engines.control, clock), clock


async def test_a_marker_is_taken_once_until_it_expires(store):
    cache, clock = store
    key = marker_key("rlm_a", "saml_assertion", secrets.token_hex(8))
    now = clock.now() if clock else datetime.now(UTC)
    assert await cache.first_use(key, now + timedelta(seconds=1)) is True
    assert await cache.first_use(key, now + timedelta(seconds=1)) is False
    if clock:
        clock.advance(2)
    else:
        await asyncio.sleep(1.2)
    later = clock.now() if clock else datetime.now(UTC)
    assert await cache.first_use(key, later + timedelta(seconds=60)) is True


async def test_s5_markers_of_another_realm_or_kind_are_separate(store):
    cache, clock = store
    value = secrets.token_hex(8)
    until = (clock.now() if clock else datetime.now(UTC)) + timedelta(minutes=5)
    assert await cache.first_use(marker_key("rlm_a", "saml_assertion", value), until)
    assert await cache.first_use(marker_key("rlm_b", "saml_assertion", value), until)
    assert await cache.first_use(marker_key("rlm_a", "oidc_state", value), until)


async def test_concurrent_uses_take_a_marker_exactly_once(store):
    cache, clock = store
    key = marker_key("rlm_a", "saml_assertion", secrets.token_hex(8))
    until = (clock.now() if clock else datetime.now(UTC)) + timedelta(minutes=5)
    results = await asyncio.gather(*(cache.first_use(key, until) for _ in range(8)))
    assert results.count(True) == 1
