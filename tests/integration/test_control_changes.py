"""The configuration cache and the change feed behind it: what one node writes, every node forgets.

Two Runtimes on one PostgreSQL control plane are two nodes. A row changed behind the feed's back
(plain SQL) stays unseen while cached, which proves the cache serves; a write through the product
on the other node is seen at once, because its transaction announces itself on commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import psycopg
import pytest

from tenantry.bootstrap import Runtime
from tenantry.core.application import Application
from tenantry.core.realm import Realm
from tenantry.services.access import system_actor
from tenantry.services.cache import ControlCache
from tenantry.storage.control.changes import LISTENER_NAME
from tests.support.databases import deployment

ACTOR = system_actor("test")


async def eventually(check: Callable[[], Awaitable[bool]], seconds: float = 3.0) -> bool:
    """Poll for a change that travels through PostgreSQL's notifications (milliseconds, not seconds)."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        if await check():
            return True
        await asyncio.sleep(0.02)
    return await check()


def _dsn(runtime: Runtime) -> str:
    url = runtime.engines.control.url
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.fixture
async def nodes(tmp_path: Path) -> AsyncIterator[tuple[Runtime, Runtime]]:
    async with deployment("postgres", tmp_path / "one") as first:
        second = Runtime(first.settings)
        await first.start()
        await second.start()
        try:
            assert await eventually(lambda: _live(first, second))
            yield first, second
        finally:
            await second.close()


async def _live(*runtimes: Runtime) -> bool:
    return all(runtime.changes.live for runtime in runtimes)


async def settled() -> None:
    """Let the notifications of the set-up writes arrive, so they cannot empty a cache the test just primed."""
    await asyncio.sleep(0.3)


async def primed(first: Runtime, second: Runtime) -> tuple[Realm, Application]:
    """A realm and application made on the first node, and cached by the second."""
    realm = await first.services.realms.create(ACTOR, name="acme")
    app, _ = await first.services.applications.create(ACTOR, "acme", name="web", grant_types=["client_credentials"])
    await settled()
    assert await _app(second, realm.id, app.client_id) == "web"
    return realm, app


async def _app(runtime: Runtime, realm_id: str, client_id: str) -> str | None:
    found = await runtime.services.configuration.application(realm_id, client_id)
    return found.name if found else None


@pytest.mark.postgres
async def test_a_write_on_one_node_is_forgotten_by_the_other_at_once(nodes: tuple[Runtime, Runtime]):
    first, second = nodes
    realm, app = await primed(first, second)

    with psycopg.connect(_dsn(first), autocommit=True) as conn:
        conn.execute("UPDATE applications SET name = 'renamed-behind' WHERE id = %s", (app.id,))
    assert await _app(second, realm.id, app.client_id) == "web", "a cached read must not touch the database"

    await first.services.applications.delete(ACTOR, "acme", app.id)

    async def gone() -> bool:
        return await _app(second, realm.id, app.client_id) is None

    assert await eventually(gone)


@pytest.mark.postgres
async def test_realm_b_is_forgotten_with_realm_a_and_stays_its_own(nodes: tuple[Runtime, Runtime]):
    """Tenancy: emptying the cache never mixes realms; each realm still reads only its own rows."""
    first, second = nodes
    a = await first.services.realms.create(ACTOR, name="alpha")
    b = await first.services.realms.create(ACTOR, name="beta")
    app_a, _ = await first.services.applications.create(ACTOR, "alpha", name="web", grant_types=["client_credentials"])
    assert await _app(second, a.id, app_a.client_id) == "web"
    assert await _app(second, b.id, app_a.client_id) is None
    await first.services.applications.create(ACTOR, "beta", name="web", grant_types=["client_credentials"])
    assert await _app(second, b.id, app_a.client_id) is None


@pytest.mark.postgres
async def test_a_lost_listener_stops_the_cache_until_it_is_back(nodes: tuple[Runtime, Runtime]):
    first, second = nodes
    realm, app = await primed(first, second)

    with psycopg.connect(_dsn(first), autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND application_name = %s",
            (LISTENER_NAME,),
        )
        conn.execute("UPDATE applications SET name = 'changed-while-deaf' WHERE id = %s", (app.id,))

    async def fresh() -> bool:
        return await _app(second, realm.id, app.client_id) == "changed-while-deaf"

    assert await eventually(fresh), "a node that may have missed a change must read the database"
    assert await eventually(lambda: _live(first, second)), "the listener comes back by itself"


@pytest.mark.postgres
async def test_key_revocation_on_one_node_empties_the_other_nodes_verified_tokens(nodes: tuple[Runtime, Runtime]):
    """HOSTILE 65 across nodes: a token the second node has already checked fails there once its key is revoked."""
    first, second = nodes
    await first.services.realms.create(ACTOR, name="acme")
    app, secret = await first.services.applications.create(
        ACTOR, "acme", name="svc", grant_types=["client_credentials"]
    )
    realm = await second.services.configuration.by_name("acme")
    assert realm is not None and secret is not None
    form = {"grant_type": "client_credentials", "client_id": app.client_id, "client_secret": secret}
    token = (await second.services.tokens.token(realm, None, form))["access_token"]
    ask = {"token": token, "client_id": app.client_id, "client_secret": secret}
    assert (await second.services.tokens.introspect(realm, None, ask))["active"] is True

    kid = next(key.kid for key in await first.services.keys.list(ACTOR, "acme") if key.alg == "ES256")
    await first.services.keys.revoke(ACTOR, "acme", kid)

    async def inactive() -> bool:
        return (await second.services.tokens.introspect(realm, None, ask))["active"] is False

    assert await eventually(inactive)


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_without_a_feed_nothing_is_cached(runtime: Runtime, tmp_path: Path):
    """SQLite has no notifications between processes: every read goes to the database."""
    await runtime.start()
    realm = await runtime.services.realms.create(ACTOR, name="acme")
    app, _ = await runtime.services.applications.create(ACTOR, "acme", name="web", grant_types=["client_credentials"])
    assert not runtime.changes.live
    assert await _app(runtime, realm.id, app.client_id) == "web"
    import sqlite3

    with sqlite3.connect(runtime.settings.data_dir / "control.db") as conn:
        conn.execute("UPDATE applications SET name = 'renamed' WHERE id = ?", (app.id,))
    assert await _app(runtime, realm.id, app.client_id) == "renamed"


class Feed:
    """A change feed this test drives by hand."""

    def __init__(self) -> None:
        self.live = True
        self.callbacks: list[Callable[[], None]] = []

    def subscribe(self, callback: Callable[[], None]) -> None:
        self.callbacks.append(callback)

    def change(self) -> None:
        for callback in self.callbacks:
            callback()


async def test_a_load_that_raced_a_change_is_not_kept():
    feed = Feed()
    cache = ControlCache(feed)
    loads = 0

    async def load() -> int:
        nonlocal loads
        loads += 1
        feed.change()  # the row changed while it was being read
        return loads

    assert await cache.get("k", load) == 1
    assert await cache.get("k", load) == 2, "the raced answer must not have been kept"

    async def calm() -> int:
        return 42

    assert await cache.get("j", calm) == 42
    feed.live = False
    feed.change()
    assert await cache.get("j", lambda: asyncio.sleep(0, result=7)) == 7
    assert await cache.get("j", lambda: asyncio.sleep(0, result=8)) == 8, "nothing is kept while not live"


async def test_the_cache_is_bounded():
    feed = Feed()
    cache = ControlCache(feed, max_entries=3)
    for key in range(5):
        await cache.get(key, lambda key=key: asyncio.sleep(0, result=key))
    assert await cache.get(0, lambda: asyncio.sleep(0, result="reloaded")) == "reloaded"
    assert await cache.get(4, lambda: asyncio.sleep(0, result="reloaded")) == 4


@pytest.mark.postgres
async def test_a_cached_signer_gives_way_when_a_rotation_takes_effect_by_time(tmp_path: Path):
    """No write happens when a rotated key starts signing, so the cache must also expire by the clock."""
    from tests.support.clock import ManualClock

    clock = ManualClock()
    async with deployment("postgres", tmp_path, clock=clock) as node:
        await node.start()
        assert await eventually(lambda: _live(node))
        realm = await node.services.realms.create(ACTOR, name="acme")
        before = await node.services.keys.signing_key(realm.id, "ES256")
        successor = await node.services.keys.rotate(ACTOR, "acme", "ES256")
        await settled()
        assert (await node.services.keys.signing_key(realm.id, "ES256")).kid == before.kid
        clock.advance(node.settings.key_publish_seconds + 1)
        assert (await node.services.keys.signing_key(realm.id, "ES256")).kid == successor.kid
