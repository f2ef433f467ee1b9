"""AdminTokenRepository contract (DESIGN 8: machine tokens are stored only as hashes).

Tokens are deployment-wide records found by hash; a realm's listing holds its own tokens only.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pytest

from tenantry.core.admin_token import ORG_ADMIN_SCOPES, AdminToken
from tenantry.core.errors import Conflict

from .world import World, fresh, moment, unique


def _token(**fields: Any) -> AdminToken:
    token_id, created = fresh("tok")
    values: dict[str, Any] = {
        "name": unique("token"),
        "kind": "operator",
        "token_hash": hashlib.sha256(token_id.encode()).hexdigest(),
        "scopes": ["realms:read"],
        **fields,
    }
    return AdminToken(id=token_id, created_at=created, **values)


async def _add(world: World, **fields: Any) -> AdminToken:
    built = _token(**fields)
    async with world.control.transaction() as tx:
        await tx.admin_tokens.add(built)
    return built


async def test_add_then_get_and_by_hash_return_every_field(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    built = await _add(
        world, kind="org_admin", scopes=list(ORG_ADMIN_SCOPES), realm_id=realm.id, organization_id=org.id
    )
    async with world.control.transaction() as tx:
        assert await tx.admin_tokens.get(built.id) == built
        assert await tx.admin_tokens.by_hash(built.token_hash) == built
        assert await tx.admin_tokens.by_hash("0" * 64) is None
        assert await tx.admin_tokens.get(_token().id) is None


async def test_list_by_realm_is_ordered_by_id(world: World):
    realm = await world.realm()
    created = [await _add(world, kind="realm_admin", realm_id=realm.id) for _ in range(3)]
    async with world.control.transaction() as tx:
        assert await tx.admin_tokens.list(realm.id) == created


async def test_list_without_realm_holds_every_token(world: World):
    realm = await world.realm()
    operator = await _add(world)
    scoped = await _add(world, kind="realm_admin", realm_id=realm.id)
    async with world.control.transaction() as tx:
        everything = await tx.admin_tokens.list(None)
    assert operator in everything
    assert scoped in everything
    assert [token.id for token in everything] == sorted(token.id for token in everything)


async def test_update_changes_name_scopes_and_revocation_only(world: World):
    realm, other = await world.realm(), await world.realm()
    built = await _add(world, kind="realm_admin", realm_id=realm.id)
    revoked = moment()
    async with world.control.transaction() as tx:
        await tx.admin_tokens.update(
            replace(built, name="renamed", scopes=[], revoked_at=revoked, realm_id=other.id, kind="operator")
        )
    async with world.control.transaction() as tx:
        stored = await tx.admin_tokens.get(built.id)
    assert stored == replace(built, name="renamed", scopes=[], revoked_at=revoked)


async def test_token_hash_is_unique(world: World):
    first = await _add(world)
    with pytest.raises(Conflict):
        await _add(world, token_hash=first.token_hash)


async def test_deleting_a_realm_deletes_its_tokens(world: World):
    realm = await world.realm()
    built = await _add(world, kind="realm_admin", realm_id=realm.id)
    async with world.control.transaction() as tx:
        await tx.realms.delete(realm.id)
    async with world.control.transaction() as tx:
        assert await tx.admin_tokens.get(built.id) is None
        assert await tx.admin_tokens.by_hash(built.token_hash) is None


# Isolation: a realm's token listing holds nothing of another realm or organization.


async def test_a1_other_realm_lists_none_of_realm_a_tokens(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await _add(world, kind="realm_admin", realm_id=realm_a.id)
    in_b = await _add(world, kind="realm_admin", realm_id=realm_b.id)
    async with world.control.transaction() as tx:
        assert await tx.admin_tokens.list(realm_b.id) == [in_b]


async def test_deleting_an_organization_deletes_only_its_org_admin_tokens(world: World):
    realm = await world.realm()
    isolated, other = await world.organization(realm.id, isolated=True), await world.organization(realm.id)
    gone = await _add(world, kind="org_admin", realm_id=realm.id, organization_id=isolated.id)
    kept = await _add(world, kind="org_admin", realm_id=realm.id, organization_id=other.id)
    async with world.control.transaction() as tx:
        await tx.organizations(realm.id).delete(isolated.id)
    async with world.control.transaction() as tx:
        assert await tx.admin_tokens.list(realm.id) == [kept]
        assert await tx.admin_tokens.get(gone.id) is None
