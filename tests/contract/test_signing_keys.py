"""SigningKeyRepository contract, bound to one realm: every field round-trips; another realm sees nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.signing_key import KeyRecord

from .world import World, fresh, moment


def record(realm_id: str, **fields: object) -> KeyRecord:
    kid, created = fresh("key")
    values: dict[str, object] = {
        "issuer": "https://id.example.com/realms/r",
        "alg": "ES256",
        "public_jwk": {"kty": "EC", "crv": "P-256", "x": "x", "y": "y", "kid": kid},
        "sealed_private_key": f"sealed-{kid}",
        "activates_at": created,
        **fields,
    }
    return KeyRecord(kid=kid, realm_id=realm_id, created_at=created, **values)  # type: ignore[arg-type]


async def _add(world: World, built: KeyRecord) -> KeyRecord:
    async with world.control.transaction() as tx:
        await tx.signing_keys(built.realm_id).lock()
        await tx.signing_keys(built.realm_id).add(built)
    return built


async def test_keys_round_trip_every_field_in_kid_order(world: World):
    realm = await world.realm()
    first = await _add(world, record(realm.id))
    second = await _add(world, record(realm.id, alg="RS256", superseded_at=moment(), retire_after=moment()))
    async with world.control.transaction() as tx:
        assert await tx.signing_keys(realm.id).all() == [first, second]
        assert await tx.signing_keys(realm.id).get(second.kid) == second
        assert await tx.signing_keys(realm.id).get("key_missing") is None


async def test_update_writes_the_times_only(world: World):
    realm = await world.realm()
    built = await _add(world, record(realm.id))
    changed = replace(
        built, activates_at=moment(), superseded_at=moment(), retire_after=moment(), revoked_at=moment(), issuer="x"
    )
    async with world.control.transaction() as tx:
        await tx.signing_keys(realm.id).update(changed)
    async with world.control.transaction() as tx:
        stored = await tx.signing_keys(realm.id).get(built.kid)
    assert stored == replace(changed, issuer=built.issuer)


async def test_a1_another_realm_sees_and_changes_nothing(world: World):
    alpha, bravo = await world.realm(), await world.realm()
    key = await _add(world, record(alpha.id))
    async with world.control.transaction() as tx:
        assert await tx.signing_keys(bravo.id).all() == []
        assert await tx.signing_keys(bravo.id).get(key.kid) is None
        await tx.signing_keys(bravo.id).update(replace(key, revoked_at=moment()))
        with pytest.raises(ValueError):
            await tx.signing_keys(bravo.id).add(record(alpha.id))
    async with world.control.transaction() as tx:
        assert await tx.signing_keys(alpha.id).get(key.kid) == key


async def test_deleting_the_realm_deletes_its_keys(world: World):
    realm = await world.realm()
    await _add(world, record(realm.id))
    async with world.control.transaction() as tx:
        await tx.realms.delete(realm.id)
    async with world.control.transaction() as tx:
        assert await tx.signing_keys(realm.id).all() == []
