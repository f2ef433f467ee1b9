"""RoleRepository and ApplicationRepository contracts (SPEC B5, D1), bound to one realm."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tenantry.core.application import Application
from tenantry.core.errors import Conflict
from tenantry.core.role import Role
from tenantry.ports.paging import PageRequest

from .world import World, application, moment, role, walk


async def _role(world: World, realm_id: str, **fields: Any) -> Role:
    built = role(realm_id, **fields)
    async with world.control.transaction() as tx:
        await tx.roles(realm_id).add(built)
    return built


async def _application(world: World, realm_id: str, **fields: Any) -> Application:
    built = application(realm_id, **fields)
    async with world.control.transaction() as tx:
        await tx.applications(realm_id).add(built)
    return built


# Roles


async def test_b5_role_add_get_and_by_name_return_every_field(world: World):
    realm = await world.realm()
    built = await _role(world, realm.id, name="admin", description="Admins", permissions=["users:read", "a/b:c"])
    async with world.control.transaction() as tx:
        assert await tx.roles(realm.id).get(built.id) == built
        assert await tx.roles(realm.id).by_name("admin") == built
        assert await tx.roles(realm.id).by_name("viewer") is None
        assert await tx.roles(realm.id).get(role(realm.id).id) is None


async def test_b5_by_names_returns_known_roles_ordered_by_name(world: World):
    realm = await world.realm()
    viewer = await _role(world, realm.id, name="viewer")
    admin = await _role(world, realm.id, name="admin")
    await _role(world, realm.id, name="editor")
    async with world.control.transaction() as tx:
        roles = tx.roles(realm.id)
        assert await roles.by_names(["viewer", "unknown", "admin"]) == [admin, viewer]
        assert await roles.by_names([]) == []


async def test_role_list_pages_by_id(world: World):
    realm = await world.realm()
    created = [await _role(world, realm.id) for _ in range(5)]
    async with world.control.transaction() as tx:
        assert await walk(tx.roles(realm.id).list, limit=2) == [created[0:2], created[2:4], created[4:5]]


async def test_role_update_and_delete(world: World):
    realm = await world.realm()
    built = await _role(world, realm.id, name="admin")
    kept = await _role(world, realm.id, name="viewer")
    changed = replace(built, name="owner", description="Owners", permissions=["*"], created_at=moment())
    async with world.control.transaction() as tx:
        await tx.roles(realm.id).update(changed)
    async with world.control.transaction() as tx:
        assert await tx.roles(realm.id).get(built.id) == replace(changed, created_at=built.created_at)
        await tx.roles(realm.id).delete(built.id)
    async with world.control.transaction() as tx:
        assert await tx.roles(realm.id).get(built.id) is None
        assert (await tx.roles(realm.id).list(PageRequest())).items == [kept]


async def test_b5_role_name_is_unique_per_realm_but_free_across_realms(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await _role(world, realm_a.id, name="admin")
    with pytest.raises(Conflict):
        await _role(world, realm_a.id, name="admin")
    in_b = await _role(world, realm_b.id, name="admin")
    async with world.control.transaction() as tx:
        assert await tx.roles(realm_b.id).by_name("admin") == in_b


# Applications


async def test_application_add_get_returns_every_field(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    built = await _application(
        world,
        realm.id,
        public=False,
        client_secret_hash="f" * 64,
        redirect_uris=["https://app.example/cb", "http://127.0.0.1:8080/cb"],
        post_logout_redirect_uris=["https://app.example/bye"],
        grant_types=["authorization_code", "client_credentials"],
        organization_usage="require",
        organization_prompt="before_login",
        organization_ids=[org.id],
    )
    async with world.control.transaction() as tx:
        assert await tx.applications(realm.id).get(built.id) == built


async def test_application_by_client_id_and_by_name(world: World):
    realm = await world.realm()
    built = await _application(world, realm.id, name="portal", client_id="portal-client")
    async with world.control.transaction() as tx:
        apps = tx.applications(realm.id)
        assert await apps.by_client_id("portal-client") == built
        assert await apps.by_name("portal") == built
        assert await apps.by_client_id("other-client") is None
        assert await apps.by_name("other") is None


async def test_application_list_pages_by_id(world: World):
    realm = await world.realm()
    created = [await _application(world, realm.id) for _ in range(3)]
    async with world.control.transaction() as tx:
        assert await walk(tx.applications(realm.id).list, limit=2) == [created[0:2], created[2:3]]


async def test_application_update_and_delete(world: World):
    realm = await world.realm()
    built = await _application(world, realm.id, public=True)
    changed = replace(
        built,
        name="renamed",
        redirect_uris=["https://new.example/cb"],
        organization_usage="allow",
        organization_prompt="after_login",
        created_at=moment(),
    )
    async with world.control.transaction() as tx:
        await tx.applications(realm.id).update(changed)
    async with world.control.transaction() as tx:
        assert await tx.applications(realm.id).get(built.id) == replace(changed, created_at=built.created_at)
        await tx.applications(realm.id).delete(built.id)
    async with world.control.transaction() as tx:
        assert await tx.applications(realm.id).get(built.id) is None
        assert await tx.applications(realm.id).by_client_id(built.client_id) is None


async def test_application_client_id_is_unique_across_the_deployment(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    first = await _application(world, realm_a.id, client_id="shared-client")
    with pytest.raises(Conflict):
        await _application(world, realm_b.id, client_id="shared-client")
    async with world.control.transaction() as tx:
        assert await tx.applications(realm_a.id).by_client_id("shared-client") == first
        assert await tx.applications(realm_b.id).by_client_id("shared-client") is None


async def test_application_name_is_unique_per_realm_but_free_across_realms(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await _application(world, realm_a.id, name="portal")
    with pytest.raises(Conflict):
        await _application(world, realm_a.id, name="portal")
    in_b = await _application(world, realm_b.id, name="portal")
    async with world.control.transaction() as tx:
        assert await tx.applications(realm_b.id).by_name("portal") == in_b


async def test_a1_add_refuses_a_role_or_application_of_another_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    with pytest.raises(ValueError):
        async with world.control.transaction() as tx:
            await tx.roles(realm_b.id).add(role(realm_a.id))
    with pytest.raises(ValueError):
        async with world.control.transaction() as tx:
            await tx.applications(realm_b.id).add(application(realm_a.id))


# Isolation: write in realm A, read and write through realm B's repositories.


async def test_a1_other_realm_sees_no_role(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    built = await _role(world, realm_a.id, name="admin")
    async with world.control.transaction() as tx:
        roles_b = tx.roles(realm_b.id)
        assert await roles_b.get(built.id) is None
        assert await roles_b.by_name("admin") is None
        assert await roles_b.by_names(["admin"]) == []
        assert (await roles_b.list(PageRequest())).items == []


async def test_a1_other_realm_cannot_update_or_delete_a_role(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    built = await _role(world, realm_a.id, name="admin", permissions=["users:read"])
    async with world.control.transaction() as tx:
        await tx.roles(realm_b.id).update(replace(built, realm_id=realm_b.id, permissions=["*"]))
        await tx.roles(realm_b.id).delete(built.id)
    async with world.control.transaction() as tx:
        assert await tx.roles(realm_a.id).get(built.id) == built


async def test_a1_other_realm_sees_no_application(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    built = await _application(world, realm_a.id, name="portal")
    async with world.control.transaction() as tx:
        apps_b = tx.applications(realm_b.id)
        assert await apps_b.get(built.id) is None
        assert await apps_b.by_client_id(built.client_id) is None
        assert await apps_b.by_name("portal") is None
        assert (await apps_b.list(PageRequest())).items == []


async def test_a1_other_realm_cannot_update_or_delete_an_application(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    built = await _application(world, realm_a.id, redirect_uris=["https://a.example/cb"])
    async with world.control.transaction() as tx:
        apps_b = tx.applications(realm_b.id)
        await apps_b.update(replace(built, realm_id=realm_b.id, redirect_uris=["https://evil.example/cb"]))
        await apps_b.delete(built.id)
    async with world.control.transaction() as tx:
        assert await tx.applications(realm_a.id).get(built.id) == built
