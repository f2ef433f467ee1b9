"""Brute-force protection wired into a deployment (SPEC S6; HOSTILE 55, 56, 57, 76), on every store:
the control-plane database (SQLite, PostgreSQL) and Redis (with a SQLite control plane).

Nodes are Runtimes built from the same settings; a restart closes one and builds another. Lock
expiry is checked on the database stores only: they take time from the ManualClock, Redis from
its own clock (its expiry is covered by the store contract tests).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from redis.asyncio import Redis
from sqlalchemy import select

from tenantry.adapters.throttle_redis import RedisThrottleStore
from tenantry.bootstrap import Runtime
from tenantry.core.errors import Unavailable
from tenantry.core.throttle import ACCOUNT_IP, PER_IP, throttle_key
from tenantry.services.attack_protection import AttackProtection, Verdict
from tenantry.storage.tables_control import throttle_counters
from tests.support.clock import ManualClock
from tests.support.databases import deployment
from tests.support.environment import REDIS_URL

STORES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
    pytest.param("redis", id="redis", marks=pytest.mark.redis),
]
ATTACKER = "203.0.113.9"
OWNER_IP = "198.51.100.20"


@pytest.fixture(params=STORES)
def store_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@asynccontextmanager
async def protected(store_kind: str, tmp_path: Path, clock: ManualClock, **settings: object) -> AsyncIterator[Runtime]:
    """A deployment whose counters live in the given store; Redis keys get a prefix of their own, deleted after."""
    backend = "postgres" if store_kind == "postgres" else "sqlite"
    prefix = f"tenantry-test:{secrets.token_hex(6)}:"
    if store_kind == "redis":
        settings = {"redis_url": REDIS_URL, "redis_prefix": prefix, **settings}
    try:
        async with deployment(backend, tmp_path, clock=clock, **settings) as runtime:
            assert isinstance(runtime.throttle, RedisThrottleStore) == (store_kind == "redis")
            yield runtime
    finally:
        if store_kind == "redis":
            redis = Redis.from_url(REDIS_URL)
            keys = [key async for key in redis.scan_iter(match=f"{prefix}*")]
            if keys:
                await redis.delete(*keys)
            await redis.aclose()


def realm_id(runtime: Runtime) -> str:
    return runtime.ports.new_id("rlm")


def account(email: str) -> str:
    return f"con_01jd0000000000000000000000:{email}"


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def lock_out(guard: AttackProtection, realm: str, who: str, ip: str, failures: int = 10) -> Verdict:
    verdict = Verdict(True, 0)
    for _ in range(failures):
        assert (await guard.check(realm, who, ip)).allowed
        verdict = await guard.failed(realm, who, ip)
    return verdict


async def test_hostile_55_eleventh_bad_password_refused_owner_ip_still_allowed(
    store_kind: str, tmp_path: Path, clock: ManualClock
):
    async with protected(store_kind, tmp_path, clock) as runtime:
        guard, realm, alice = runtime.services.attack_protection, realm_id(runtime), account("alice@example.com")
        assert await lock_out(guard, realm, alice, ATTACKER, failures=9) == Verdict(True, 0)
        assert await guard.failed(realm, alice, ATTACKER) == Verdict(False, 900)  # the 10th locks the pair
        eleventh = await guard.check(realm, alice, ATTACKER)
        assert not eleventh.allowed and 895 <= eleventh.retry_after <= 900
        # the owner, from their own IP, is not locked out; nor is anyone else from the attacker's IP
        assert await guard.check(realm, alice, OWNER_IP) == Verdict(True, 0)
        await guard.succeeded(realm, alice, OWNER_IP)
        assert await guard.check(realm, account("bob@example.com"), ATTACKER) == Verdict(True, 0)
        assert await guard.check(realm_id(runtime), alice, ATTACKER) == Verdict(True, 0)  # another realm
        # the owner's success does not lift the attacker's lock
        assert not (await guard.check(realm, alice, ATTACKER)).allowed
        if store_kind != "redis":
            clock.advance(900)
            assert await guard.check(realm, alice, ATTACKER) == Verdict(True, 0)


async def test_hostile_56_parallel_failures_are_counted_exactly(store_kind: str, tmp_path: Path, clock: ManualClock):
    async with protected(store_kind, tmp_path, clock) as runtime:
        guard, realm, alice = runtime.services.attack_protection, realm_id(runtime), account("alice@example.com")
        verdicts = await asyncio.gather(*(guard.failed(realm, alice, ATTACKER) for _ in range(50)))
        store = runtime.ports.throttle
        assert await store.get(throttle_key(realm, ACCOUNT_IP, alice, ATTACKER)) == 50
        assert await store.get(throttle_key(realm, PER_IP, None, ATTACKER)) == 50
        # exactly the failures that found 10 or more already counted were refused
        assert sum(not verdict.allowed for verdict in verdicts) == 41
        assert not (await guard.check(realm, alice, ATTACKER)).allowed


async def test_hostile_56_a_lock_holds_on_another_node_and_after_a_restart(
    store_kind: str, tmp_path: Path, clock: ManualClock
):
    async with protected(store_kind, tmp_path, clock) as node1:
        realm, alice = realm_id(node1), account("alice@example.com")
        assert not (await lock_out(node1.services.attack_protection, realm, alice, ATTACKER)).allowed
        node2 = Runtime(node1.settings, clock=clock)
        try:
            verdict = await node2.services.attack_protection.check(realm, alice, ATTACKER)
            assert not verdict.allowed and verdict.retry_after > 0
            assert (await node2.services.attack_protection.check(realm, alice, OWNER_IP)).allowed
        finally:
            await node2.close()
        await node1.close()
        restarted = Runtime(node1.settings, clock=clock)
        try:
            verdict = await restarted.services.attack_protection.check(realm, alice, ATTACKER)
            assert not verdict.allowed and verdict.retry_after > 0
            if store_kind != "redis":
                clock.advance(900)
                assert (await restarted.services.attack_protection.check(realm, alice, ATTACKER)).allowed
        finally:
            await restarted.close()


async def test_hostile_57_one_ip_trying_many_usernames_is_refused(store_kind: str, tmp_path: Path, clock: ManualClock):
    async with protected(store_kind, tmp_path, clock) as runtime:
        guard, realm = runtime.services.attack_protection, realm_id(runtime)
        refused_at = None
        for n in range(200):
            who = account(f"user{n}@example.com")
            verdict = await guard.check(realm, who, ATTACKER)
            if not verdict.allowed:
                refused_at = n
                break
            await guard.failed(realm, who, ATTACKER)
        assert refused_at == 100  # 100 failures within the hour, then 429 for every username
        verdict = await guard.check(realm, account("someone-new@example.com"), ATTACKER)
        assert not verdict.allowed and 895 <= verdict.retry_after <= 900
        assert not (await guard.check(realm, None, ATTACKER)).allowed
        assert (await guard.check(realm, account("user1@example.com"), OWNER_IP)).allowed
        # a success does not clear the per-IP counter
        await guard.succeeded(realm, account("user1@example.com"), ATTACKER)
        assert not (await guard.check(realm, account("user1@example.com"), ATTACKER)).allowed


async def test_hostile_57_an_exempt_network_is_not_counted_per_ip(store_kind: str, tmp_path: Path, clock: ManualClock):
    async with protected(store_kind, tmp_path, clock, throttle_exempt_cidrs=["203.0.113.0/24"]) as runtime:
        guard, realm = runtime.services.attack_protection, realm_id(runtime)
        for n in range(200):
            who = account(f"user{n}@example.com")
            assert (await guard.check(realm, who, ATTACKER)).allowed
            assert (await guard.failed(realm, who, ATTACKER)).allowed
        assert await runtime.ports.throttle.get(throttle_key(realm, PER_IP, None, ATTACKER)) == 0
        # one account from the exempt network is still locked after 10 failures
        assert not (await lock_out(guard, realm, account("alice@example.com"), "203.0.113.77")).allowed
        assert not (await guard.check(realm, account("alice@example.com"), "203.0.113.77")).allowed


async def test_counters_hold_no_email_or_address_in_clear(tmp_path: Path, clock: ManualClock):
    async with protected("sqlite", tmp_path, clock) as runtime:
        guard, realm = runtime.services.attack_protection, realm_id(runtime)
        await guard.failed(realm, account("alice@example.com"), ATTACKER)
        async with runtime.engines.control.connect() as conn:
            rows = (await conn.execute(select(throttle_counters))).all()
        assert len(rows) == 2
        text = repr(rows)
        assert "alice" not in text and "example.com" not in text and ATTACKER not in text


async def test_hostile_76_redis_down_fails_closed(tmp_path: Path, clock: ManualClock):
    async with deployment("sqlite", tmp_path, clock=clock, redis_url=f"redis://127.0.0.1:{closed_port()}/0") as runtime:
        guard, realm, alice = runtime.services.attack_protection, realm_id(runtime), account("alice@example.com")
        for call in (
            guard.check(realm, alice, ATTACKER),
            guard.check(realm, None, ATTACKER),
            guard.failed(realm, alice, ATTACKER),
            guard.succeeded(realm, alice, ATTACKER),
        ):
            with pytest.raises(Unavailable) as refused:
                await call
            assert refused.value.code == "throttle_unavailable"
            assert refused.value.kind == "unavailable"  # 503 through the web layer
