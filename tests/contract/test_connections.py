"""ConnectionRepository contract (DESIGN 3, SPEC B4, B6, F1), bound to one realm."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.connection import PasswordPolicy
from tenantry.core.errors import Conflict
from tenantry.ports.control import EnabledConnection
from tenantry.ports.paging import PageRequest

from .world import World, connection, moment, walk


async def test_add_then_get_returns_every_field(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id, isolated=True)
    built = connection(
        realm.id,
        world.plane.id,
        name="corp-db",
        organization_id=org.id,
        password_policy=PasswordPolicy(min_length=12, max_length=256, reject_common=False),
        options={"signup": False, "nested": {"k": [1, 2]}},
    )
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).add(built)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).get(built.id) == built


async def test_by_name_finds_the_connection_and_unknown_names_find_none(world: World):
    realm = await world.realm()
    built = await world.connection(realm.id, name="db")
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).by_name("db") == built
        assert await tx.connections(realm.id).by_name("other") is None
        assert await tx.connections(realm.id).get(connection(realm.id, world.plane.id).id) is None


async def test_list_pages_by_id_with_limit_and_cursor(world: World):
    realm = await world.realm()
    created = [await world.connection(realm.id) for _ in range(5)]
    async with world.control.transaction() as tx:
        pages = await walk(tx.connections(realm.id).list, limit=2)
    assert pages == [created[0:2], created[2:4], created[4:5]]


async def test_update_changes_fields_but_never_realm_or_creation_time(world: World):
    realm = await world.realm()
    built = await world.connection(realm.id, name="before")
    changed = replace(
        built,
        name="after",
        password_policy=PasswordPolicy(min_length=10),
        options={"signup": True},
        created_at=moment(),
    )
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).update(changed)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).get(built.id) == replace(changed, created_at=built.created_at)


async def test_delete_removes_the_connection_and_its_enabled_links(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    gone, kept = await world.connection(realm.id), await world.connection(realm.id)
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).enable(EnabledConnection(org.id, gone.id))
        await tx.connections(realm.id).enable(EnabledConnection(org.id, kept.id))
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).delete(gone.id)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).get(gone.id) is None
        assert await tx.connections(realm.id).enabled_for(org.id) == [EnabledConnection(org.id, kept.id)]


async def test_connection_name_is_unique_per_realm_but_free_across_realms(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await world.connection(realm_a.id, name="db")
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.connections(realm_a.id).add(connection(realm_a.id, world.plane.id, name="db"))
    in_b = await world.connection(realm_b.id, name="db")
    async with world.control.transaction() as tx:
        assert await tx.connections(realm_b.id).by_name("db") == in_b


async def test_b4_enable_lists_connections_enabled_for_the_organization_by_id(world: World):
    realm = await world.realm()
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    first, second, unused = [await world.connection(realm.id) for _ in range(3)]
    async with world.control.transaction() as tx:
        connections = tx.connections(realm.id)
        await connections.enable(EnabledConnection(org.id, second.id, auto_membership=True))
        await connections.enable(EnabledConnection(org.id, first.id))
        await connections.enable(EnabledConnection(other.id, unused.id))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).enabled_for(org.id) == [
            EnabledConnection(org.id, first.id, False),
            EnabledConnection(org.id, second.id, True),
        ]


async def test_f1_enabling_again_replaces_the_link_instead_of_adding_one(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    built = await world.connection(realm.id)
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).enable(EnabledConnection(org.id, built.id, auto_membership=False))
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).enable(EnabledConnection(org.id, built.id, auto_membership=True))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).enabled_for(org.id) == [EnabledConnection(org.id, built.id, True)]


async def test_b4_disable_reports_whether_a_link_was_removed(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    built = await world.connection(realm.id)
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).enable(EnabledConnection(org.id, built.id))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).disable(org.id, built.id) is True
        assert await tx.connections(realm.id).disable(org.id, built.id) is False
        assert await tx.connections(realm.id).enabled_for(org.id) == []


async def test_owned_by_lists_only_the_organizations_own_connections(world: World):
    realm = await world.realm()
    isolated = await world.organization(realm.id, isolated=True)
    owned = [await world.connection(realm.id, organization_id=isolated.id) for _ in range(2)]
    await world.connection(realm.id)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).owned_by(isolated.id) == owned


# Isolation: write in realm A (or for organization A), read and write through B.


async def test_a1_other_realm_sees_no_connection(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id, isolated=True)
    built = await world.connection(realm_a.id, name="db", organization_id=org.id)
    async with world.control.transaction() as tx:
        await tx.connections(realm_a.id).enable(EnabledConnection(org.id, built.id))
    async with world.control.transaction() as tx:
        connections_b = tx.connections(realm_b.id)
        assert await connections_b.get(built.id) is None
        assert await connections_b.by_name("db") is None
        assert (await connections_b.list(PageRequest())).items == []
        assert await connections_b.enabled_for(org.id) == []
        assert await connections_b.owned_by(org.id) == []


async def test_a1_other_realm_cannot_update_delete_or_disable_the_connection(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id)
    built = await world.connection(realm_a.id, name="db")
    link = EnabledConnection(org.id, built.id, True)
    async with world.control.transaction() as tx:
        await tx.connections(realm_a.id).enable(link)
    async with world.control.transaction() as tx:
        connections_b = tx.connections(realm_b.id)
        await connections_b.update(replace(built, realm_id=realm_b.id, name="stolen"))
        await connections_b.delete(built.id)
        assert await connections_b.disable(org.id, built.id) is False
    async with world.control.transaction() as tx:
        assert await tx.connections(realm_a.id).get(built.id) == built
        assert await tx.connections(realm_a.id).enabled_for(org.id) == [link]


async def test_a1_other_realm_cannot_enable_a_connection_of_realm_a(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    con_a, con_b = await world.connection(realm_a.id), await world.connection(realm_b.id)
    for link in (
        EnabledConnection(org_a.id, con_a.id),
        EnabledConnection(org_b.id, con_a.id),
        EnabledConnection(org_a.id, con_b.id),
    ):
        with pytest.raises(LookupError):
            async with world.control.transaction() as tx:
                await tx.connections(realm_b.id).enable(link)
    async with world.control.transaction() as tx:
        await tx.connections(realm_a.id).enable(EnabledConnection(org_a.id, con_a.id))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm_a.id).enabled_for(org_a.id) == [EnabledConnection(org_a.id, con_a.id)]
        assert await tx.connections(realm_b.id).enabled_for(org_b.id) == []


async def test_b4_other_organization_sees_none_of_the_connections_enabled_for_a(world: World):
    realm = await world.realm()
    org_a, org_b = await world.organization(realm.id), await world.organization(realm.id)
    built = await world.connection(realm.id)
    async with world.control.transaction() as tx:
        await tx.connections(realm.id).enable(EnabledConnection(org_a.id, built.id))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).enabled_for(org_b.id) == []
        assert await tx.connections(realm.id).disable(org_b.id, built.id) is False
        assert await tx.connections(realm.id).enabled_for(org_a.id) == [EnabledConnection(org_a.id, built.id)]


async def test_c_isolated_organizations_connections_are_not_owned_by_another_organization(world: World):
    realm = await world.realm()
    isolated = await world.organization(realm.id, isolated=True)
    other = await world.organization(realm.id, isolated=True)
    await world.connection(realm.id, organization_id=isolated.id)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm.id).owned_by(other.id) == []


async def test_a1_connection_cannot_be_owned_by_an_organization_of_another_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a = await world.organization(realm_a.id, isolated=True)
    with pytest.raises(LookupError):
        async with world.control.transaction() as tx:
            await tx.connections(realm_b.id).add(connection(realm_b.id, world.plane.id, organization_id=org_a.id))
    own = await world.connection(realm_b.id)
    with pytest.raises(LookupError):
        async with world.control.transaction() as tx:
            await tx.connections(realm_b.id).update(replace(own, organization_id=org_a.id))
    async with world.control.transaction() as tx:
        assert await tx.connections(realm_b.id).get(own.id) == own
        assert await tx.connections(realm_a.id).owned_by(org_a.id) == []


async def test_plane_ids_are_the_planes_of_this_realms_connections_only(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await world.connection(realm_a.id)
    async with world.control.transaction() as tx:
        assert await tx.connections(realm_a.id).plane_ids() == {world.plane.id}
        assert await tx.connections(realm_b.id).plane_ids() == set()
