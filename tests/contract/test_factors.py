"""The factor store on SQLite and PostgreSQL: single use decided by the database, and isolation (S9, A1).

Write in realm A (or for organization A's member), read from realm B (or as organization B's
member): nothing is seen, nothing changes.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tenantry.core.factor import Challenge, Factor, challenge_id
from tenantry.core.ids import new_id

from .world import EPOCH_MS, World, moment


def totp(realm_id: str, user_id: str) -> Factor:
    return Factor(new_id("mfa", EPOCH_MS), realm_id, user_id, "totp", "app", moment(), moment(), secret="sealed")


def passkey(realm_id: str, user_id: str, credential_id: str) -> Factor:
    return Factor(
        new_id("mfa", EPOCH_MS), realm_id, user_id, "webauthn", "key", moment(), moment(),
        credential_id=credential_id, public_key="pk", sign_count=5,
    )  # fmt: skip


async def _seeded(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    factor, key = totp(realm.id, alice.id), passkey(realm.id, alice.id, f"cred-{realm.id}")
    async with world.data(realm.id) as data:
        await data.factors.add(factor)
        await data.factors.add(key)
        await data.factors.replace_recovery_codes(alice.id, ["d1", "d2"], moment())
    return realm, alice, factor, key


async def test_s9_a_totp_step_is_accepted_once_even_concurrently(world: World):
    realm, _, factor, _ = await _seeded(world)

    async def use(step: int) -> bool:
        async with world.data(realm.id) as data:
            return await data.factors.use_step(factor.id, step, moment())

    assert (await asyncio.gather(*(use(1000) for _ in range(8)))).count(True) == 1
    assert not await use(999), "an earlier step is refused too"
    assert await use(1001)


async def test_s9_a_recovery_code_and_a_challenge_are_used_once_even_concurrently(world: World):
    realm, alice, _, _ = await _seeded(world)

    async def code() -> bool:
        async with world.data(realm.id) as data:
            return await data.factors.use_recovery_code(alice.id, "d1", moment())

    assert (await asyncio.gather(*(code() for _ in range(6)))).count(True) == 1
    async with world.data(realm.id) as data:
        assert await data.factors.recovery_codes_left(alice.id) == 1
        await data.factors.replace_recovery_codes(alice.id, ["d3"], moment())
        assert not await data.factors.use_recovery_code(alice.id, "d2", moment()), "regenerating replaces all"
    now = moment()
    challenge = Challenge(challenge_id("authenticate", "tx-1"), realm.id, alice.id, "authenticate", "c", now,
                          now + timedelta(minutes=5))  # fmt: skip
    async with world.data(realm.id) as data:
        await data.factors.add_challenge(challenge)

    async def take() -> Challenge | None:
        async with world.data(realm.id) as data:
            return await data.factors.take_challenge(challenge.id, now)

    taken = await asyncio.gather(*(take() for _ in range(6)))
    assert [t for t in taken if t is not None] == [challenge]


async def test_s9_a_passkey_counter_only_moves_forward(world: World):
    realm, _, _, key = await _seeded(world)
    async with world.data(realm.id) as data:
        assert not await data.factors.advance_sign_count(key.id, 5, moment())
        assert await data.factors.advance_sign_count(key.id, 6, moment())
        assert (await data.factors.by_credential_id(key.credential_id)).sign_count == 6


async def test_a1_another_realm_sees_and_changes_none_of_the_factors(world: World):
    realm_a, alice, factor, key = await _seeded(world)
    realm_b = await world.realm()
    async with world.data(realm_b.id) as data:
        assert await data.factors.get(factor.id) is None
        assert await data.factors.for_user(alice.id) == []
        assert await data.factors.by_credential_id(key.credential_id) is None
        assert not await data.factors.use_step(factor.id, 5, moment())
        assert not await data.factors.use_recovery_code(alice.id, "d1", moment())
        assert await data.factors.recovery_codes_left(alice.id) == 0
        assert not await data.factors.delete(alice.id, factor.id)
        assert await data.factors.delete_for_user(alice.id) == 0
    async with world.data(realm_a.id) as data:
        assert len(await data.factors.for_user(alice.id)) == 2
        assert await data.factors.recovery_codes_left(alice.id) == 2
        assert (await data.factors.get(factor.id)).last_step is None


async def test_a1_a_factor_cannot_be_written_for_another_realms_user(world: World):
    _, alice, _, _ = await _seeded(world)
    realm_b = await world.realm()
    async with world.data(realm_b.id) as data:
        for write in (
            data.factors.add(totp(realm_b.id, alice.id)),
            data.factors.replace_recovery_codes(alice.id, ["x"], moment()),
        ):
            try:
                await write
            except LookupError:
                continue
            raise AssertionError("a write for another realm's user went through")


async def test_c1_organization_b_member_sees_nothing_of_organization_a_member(world: World):
    realm = await world.realm()
    own_a = await world.connection(realm.id, name="org-a")
    own_b = await world.connection(realm.id, name="org-b")
    org_a = await world.organization(realm.id, isolated=True)
    org_b = await world.organization(realm.id, isolated=True)
    ann = await world.user(realm.id, own_a.id, "same@example.com")
    ben = await world.user(realm.id, own_b.id, "same@example.com")
    await world.member(realm.id, org_a.id, ann.id)
    await world.member(realm.id, org_b.id, ben.id)
    factor = totp(realm.id, ann.id)
    async with world.data(realm.id) as data:
        await data.factors.add(factor)
        await data.factors.replace_recovery_codes(ann.id, ["a1"], moment())
    async with world.data(realm.id) as data:
        assert await data.factors.for_user(ben.id) == []
        assert await data.factors.recovery_codes_left(ben.id) == 0
        assert not await data.factors.use_recovery_code(ben.id, "a1", moment())
        assert not await data.factors.delete(ben.id, factor.id)
        assert [f.id for f in await data.factors.for_user(ann.id)] == [factor.id]
