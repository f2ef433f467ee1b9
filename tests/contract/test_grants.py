"""Sessions, token families, codes and refresh tokens: single use decided by the database, and isolation."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tenantry.core.grant import AuthorizationCode, RefreshToken, Session, TokenFamily

from .world import World, moment


async def _grant(world: World) -> tuple[str, str, Session, TokenFamily]:
    realm = await world.realm()
    con = await world.connection(realm.id)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    now, later = moment(), moment() + timedelta(hours=1)
    session = Session(f"s-{realm.id}", realm.id, alice.id, con.id, now, now, now, later, later)
    family = TokenFamily(f"f-{realm.id}", realm.id, alice.id, "client", now, session.id)
    async with world.data(realm.id) as data:
        await data.sessions.add(session)
        await data.grants.add_family(family)
        await data.grants.add_code(
            AuthorizationCode(
                f"c-{realm.id}",
                realm.id,
                family.id,
                "client",
                alice.id,
                "https://a.example/cb",
                "openid",
                now,
                now,
                later,
            )
        )
        await data.grants.add_refresh(
            RefreshToken(f"r-{realm.id}", realm.id, family.id, "client", alice.id, "openid", now, now, later)
        )
    return realm.id, alice.id, session, family


async def _take(world: World, realm_id: str, code_hash: str) -> bool:
    async with world.data(realm_id) as data:
        _, first = await data.grants.take_code(code_hash, moment())
    return first


async def test_s1_a_code_is_taken_once_even_by_concurrent_redeemers(world: World):
    realm_id, *_ = await _grant(world)
    results = await asyncio.gather(*(_take(world, realm_id, f"c-{realm_id}") for _ in range(8)))
    assert results.count(True) == 1


async def test_s1_a_refresh_token_rotates_once_even_concurrently(world: World):
    realm_id, *_ = await _grant(world)

    async def rotate() -> bool:
        async with world.data(realm_id) as data:
            _, first = await data.grants.rotate_refresh(f"r-{realm_id}", moment())
        return first

    results = await asyncio.gather(*(rotate() for _ in range(8)))
    assert results.count(True) == 1


async def test_s8_revoking_a_session_and_its_families(world: World):
    realm_id, user_id, session, family = await _grant(world)
    async with world.data(realm_id) as data:
        assert await data.sessions.revoke(session.id, moment())
        assert not await data.sessions.revoke(session.id, moment())
        assert await data.grants.revoke_families(now=moment(), session_id=session.id) == 1
        stored = await data.grants.family(family.id)
        assert stored is not None and stored.revoked_at is not None
        assert await data.sessions.revoke_for_user(user_id, moment()) == 0


async def test_a1_another_realm_sees_no_session_code_or_token(world: World):
    realm_a, _, session, family = await _grant(world)
    realm_b = (await world.realm()).id
    async with world.data(realm_b) as data:
        assert await data.sessions.get(session.id) is None
        assert await data.grants.family(family.id) is None
        assert await data.grants.take_code(f"c-{realm_a}", moment()) == (None, False)
        assert await data.grants.rotate_refresh(f"r-{realm_a}", moment()) == (None, False)
        assert not await data.sessions.revoke(session.id, moment())
        assert not await data.grants.revoke_family(family.id, moment())
    assert await _take(world, realm_a, f"c-{realm_a}")
    async with world.data(realm_a) as data:
        assert (await data.sessions.get(session.id)).revoked_at is None


async def test_j1_a_family_keeps_the_claims_hooks_added_and_only_its_realm_reads_them(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    dana = await world.user(realm.id, con.id, "dana@example.com")
    claims = {"id_token": {"flex_roles": ["agent"]}, "access_token": {"tier": "gold"}}
    family = TokenFamily(f"f-{realm.id}", realm.id, dana.id, "client", moment(), None, claims=claims)
    async with world.data(realm.id) as data:
        await data.grants.add_family(family)
    async with world.data(realm.id) as data:
        assert await data.grants.family(family.id) == family
    async with world.data((await world.realm()).id) as data:
        assert await data.grants.family(family.id) is None
