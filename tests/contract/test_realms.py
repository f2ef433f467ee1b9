"""RealmRepository and PlaneRepository contracts (SPEC A1, A3, A5, D9, L10).

Realms and planes are the deployment-wide registry; what belongs to a realm (its configuration
and its breached-password list) must stay with it.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.errors import Conflict
from tenantry.core.plane import DataPlane
from tenantry.core.policy import Policy
from tenantry.core.realm import RealmSettings
from tenantry.ports.paging import PageRequest

from .world import World, fresh, moment, realm, unique, walk

SHA1_A = "a" * 40
SHA1_B = "b" * 40
SHA1_C = "c" * 40


async def test_add_then_get_returns_every_field(world: World):
    built = realm(
        world.plane,
        display_name="Acme",
        custom_domain=f"{unique('login')}.acme.example",
        settings=RealmSettings(max_orgs_per_user=1, require_organization=True, organization_label="workspace"),
        policy=Policy(mfa_required=True, ip_allowlist=["10.0.0.0/8"]),
    )
    async with world.control.transaction() as tx:
        await tx.realms.add(built)
    async with world.control.transaction() as tx:
        assert await tx.realms.get(built.id) == built


async def test_by_name_and_by_custom_domain_find_the_realm(world: World):
    domain = f"{unique('login')}.example"
    built = await world.realm(custom_domain=domain)
    async with world.control.transaction() as tx:
        assert await tx.realms.by_name(built.name) == built
        assert await tx.realms.by_custom_domain(domain) == built
        assert await tx.realms.by_name(unique("absent")) is None
        assert await tx.realms.by_custom_domain(f"{unique('absent')}.example") is None
        assert await tx.realms.get(realm(world.plane).id) is None


async def test_list_pages_every_realm_by_id(fresh_world: World):
    world = fresh_world
    created = [await world.realm() for _ in range(5)]
    async with world.control.transaction() as tx:
        assert await walk(tx.realms.list, limit=2) == [created[0:2], created[2:4], created[4:5]]


async def test_update_changes_fields_but_never_the_creation_time(world: World):
    built = await world.realm()
    changed = replace(
        built,
        name=unique("renamed"),
        display_name="Renamed",
        custom_domain=f"{unique('id')}.example",
        settings=RealmSettings(org_name_in_tokens=False),
        policy=Policy(session_idle_minutes=15),
        created_at=moment(),
    )
    async with world.control.transaction() as tx:
        await tx.realms.update(changed)
    async with world.control.transaction() as tx:
        assert await tx.realms.get(built.id) == replace(changed, created_at=built.created_at)


async def test_delete_removes_the_realm_and_its_configuration(world: World):
    built, kept = await world.realm(), await world.realm()
    org = await world.organization(built.id)
    con = await world.connection(built.id)
    kept_org = await world.organization(kept.id)
    async with world.control.transaction() as tx:
        await tx.realms.add_breached(built.id, [SHA1_A])
    async with world.control.transaction() as tx:
        await tx.realms.delete(built.id)
    async with world.control.transaction() as tx:
        assert await tx.realms.get(built.id) is None
        assert await tx.organizations(built.id).get(org.id) is None
        assert await tx.connections(built.id).get(con.id) is None
        assert await tx.realms.breached(built.id, SHA1_A) is False
        assert await tx.realms.get(kept.id) == kept
        assert await tx.organizations(kept.id).get(kept_org.id) == kept_org


async def test_realm_name_is_unique_across_the_deployment(world: World):
    first = await world.realm()
    with pytest.raises(Conflict):
        await world.realm(name=first.name)


async def test_a3_custom_domain_belongs_to_one_realm(world: World):
    domain = f"{unique('login')}.example"
    first = await world.realm(custom_domain=domain)
    with pytest.raises(Conflict):
        await world.realm(custom_domain=domain)
    second = await world.realm()
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.realms.update(replace(second, custom_domain=domain))
    async with world.control.transaction() as tx:
        assert await tx.realms.by_custom_domain(domain) == first
        assert await tx.realms.get(second.id) == second


async def test_d9_add_breached_counts_only_new_digests(world: World):
    built = await world.realm()
    async with world.control.transaction() as tx:
        assert await tx.realms.add_breached(built.id, [SHA1_A, SHA1_B, SHA1_A]) == 2
        assert await tx.realms.add_breached(built.id, [SHA1_B, SHA1_C]) == 1
        assert await tx.realms.add_breached(built.id, []) == 0
    async with world.control.transaction() as tx:
        assert await tx.realms.breached(built.id, SHA1_A) is True
        assert await tx.realms.breached(built.id, SHA1_C) is True
        assert await tx.realms.breached(built.id, "d" * 40) is False


# Planes


async def test_l10_plane_add_get_by_name_and_update(world: World):
    plane_id, created = fresh("pln")
    plane = DataPlane(
        id=plane_id, name=unique("plane"), tier="dedicated", database=unique("db"), created_at=created, region="eu"
    )
    async with world.control.transaction() as tx:
        await tx.planes.add(plane)
    changed = replace(plane, region="us", version_pin="dp0001", server="west", tier="shared", created_at=moment())
    async with world.control.transaction() as tx:
        assert await tx.planes.get(plane.id) == plane
        assert await tx.planes.by_name(plane.name) == plane
        await tx.planes.update(changed)
    async with world.control.transaction() as tx:
        assert await tx.planes.get(plane.id) == replace(plane, region="us", version_pin="dp0001", server="west")
        assert await tx.planes.by_name(unique("absent")) is None


async def test_l10_planes_list_by_id_and_names_are_unique(fresh_world: World):
    world = fresh_world
    added = []
    for _ in range(2):
        plane_id, created = fresh("pln")
        added.append(DataPlane(plane_id, unique("plane"), "dedicated", unique("db"), created))
        async with world.control.transaction() as tx:
            await tx.planes.add(added[-1])
    async with world.control.transaction() as tx:
        assert await tx.planes.list() == sorted([world.plane, *added], key=lambda plane: plane.id)
    plane_id, created = fresh("pln")
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.planes.add(DataPlane(plane_id, added[0].name, "shared", unique("db"), created))


# Isolation: what belongs to realm A stays with realm A.


async def test_a1_breached_digests_of_one_realm_are_not_another_realms(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    async with world.control.transaction() as tx:
        await tx.realms.add_breached(realm_a.id, [SHA1_A])
    async with world.control.transaction() as tx:
        assert await tx.realms.breached(realm_b.id, SHA1_A) is False
        assert await tx.realms.add_breached(realm_b.id, [SHA1_A]) == 1
        assert await tx.realms.breached(realm_a.id, SHA1_A) is True


async def test_a5_updating_or_deleting_realm_b_leaves_realm_a_unchanged(world: World):
    realm_a = await world.realm(policy=Policy(mfa_required=True))
    realm_b = await world.realm()
    org_a = await world.organization(realm_a.id)
    async with world.control.transaction() as tx:
        await tx.realms.update(replace(realm_b, policy=Policy(mfa_required=False), display_name="B"))
    async with world.control.transaction() as tx:
        assert await tx.realms.get(realm_a.id) == realm_a
        await tx.realms.delete(realm_b.id)
    async with world.control.transaction() as tx:
        assert await tx.realms.get(realm_a.id) == realm_a
        assert await tx.organizations(realm_a.id).get(org_a.id) == org_a


async def test_a1_a_realm_lists_only_its_own_configuration(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    await world.organization(realm_a.id)
    await world.connection(realm_a.id)
    async with world.control.transaction() as tx:
        assert (await tx.organizations(realm_b.id).list(PageRequest())).items == []
        assert (await tx.connections(realm_b.id).list(PageRequest())).items == []
        assert (await tx.roles(realm_b.id).list(PageRequest())).items == []
        assert (await tx.applications(realm_b.id).list(PageRequest())).items == []
