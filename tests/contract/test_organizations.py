"""OrganizationRepository contract (SPEC B1, B2, C), bound to one realm."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.errors import Conflict
from tenantry.core.policy import Policy
from tenantry.ports.control import EnabledConnection
from tenantry.ports.paging import PageRequest

from .world import World, domain_claim, moment, organization, walk


async def test_add_then_get_returns_every_field(world: World):
    realm = await world.realm()
    org = organization(
        realm.id,
        world.plane.id,
        display_name="Acme Corp",
        isolated=True,
        metadata={"tier": "gold", "region": "eu"},
        policy=Policy(mfa_required=True, session_idle_minutes=30),
        branding={"logo_url": "https://acme.test/logo.png"},
    )
    async with world.control.transaction() as tx:
        await tx.organizations(realm.id).add(org)
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm.id).get(org.id) == org


async def test_get_and_by_name_of_unknown_organization_return_none(world: World):
    realm = await world.realm()
    await world.organization(realm.id, name="known")
    async with world.control.transaction() as tx:
        orgs = tx.organizations(realm.id)
        assert await orgs.get(organization(realm.id, world.plane.id).id) is None
        assert await orgs.by_name("unknown") is None


async def test_by_name_finds_the_organization(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id, name="acme")
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm.id).by_name("acme") == org


async def test_list_pages_by_id_with_limit_and_cursor(world: World):
    realm = await world.realm()
    created = [await world.organization(realm.id) for _ in range(5)]
    async with world.control.transaction() as tx:
        pages = await walk(tx.organizations(realm.id).list, limit=2)
    assert [[org.id for org in page] for page in pages] == [
        [created[0].id, created[1].id],
        [created[2].id, created[3].id],
        [created[4].id],
    ]


async def test_list_of_exact_page_size_has_no_next_cursor(world: World):
    realm = await world.realm()
    created = [await world.organization(realm.id) for _ in range(3)]
    async with world.control.transaction() as tx:
        page = await tx.organizations(realm.id).list(PageRequest(limit=3))
    assert page.items == created
    assert page.next_cursor is None


async def test_list_after_the_last_cursor_is_empty(world: World):
    realm = await world.realm()
    last = [await world.organization(realm.id) for _ in range(2)][-1]
    async with world.control.transaction() as tx:
        page = await tx.organizations(realm.id).list(PageRequest(limit=5, cursor=last.id))
    assert page.items == []
    assert page.next_cursor is None


@pytest.mark.parametrize("limit", [0, 201])
def test_page_request_refuses_a_limit_outside_1_to_200(limit: int):
    with pytest.raises(ValueError):
        PageRequest(limit=limit)


async def test_update_changes_fields_but_never_realm_or_creation_time(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id, name="before")
    changed = replace(
        org,
        name="after",
        display_name="After",
        isolated=True,
        metadata={"k": "v"},
        policy=Policy(mfa_required=True),
        branding={"color": "#000000"},
        created_at=moment(),
    )
    async with world.control.transaction() as tx:
        await tx.organizations(realm.id).update(changed)
    async with world.control.transaction() as tx:
        stored = await tx.organizations(realm.id).get(org.id)
    assert stored == replace(changed, created_at=org.created_at)


async def test_delete_removes_the_organization_and_its_domain_claims(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    keep = await world.organization(realm.id)
    connection = await world.connection(realm.id)
    async with world.control.transaction() as tx:
        await tx.domains(realm.id).add(domain_claim(realm.id, org.id, "gone.example"))
        await tx.domains(realm.id).add(domain_claim(realm.id, keep.id, "kept.example"))
        await tx.connections(realm.id).enable(EnabledConnection(org.id, connection.id))
    async with world.control.transaction() as tx:
        await tx.organizations(realm.id).delete(org.id)
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm.id).get(org.id) is None
        assert await tx.domains(realm.id).for_organization(org.id) == []
        assert await tx.connections(realm.id).enabled_for(org.id) == []
        assert [c.domain for c in await tx.domains(realm.id).for_organization(keep.id)] == ["kept.example"]
        assert await tx.organizations(realm.id).get(keep.id) == keep


async def test_delete_of_unknown_organization_changes_nothing(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    async with world.control.transaction() as tx:
        await tx.organizations(realm.id).delete(organization(realm.id, world.plane.id).id)
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm.id).get(org.id) == org


async def test_c_isolated_among_returns_only_isolated_organizations_asked_about(world: World):
    realm = await world.realm()
    standard = await world.organization(realm.id)
    isolated = await world.organization(realm.id, isolated=True)
    other_isolated = await world.organization(realm.id, isolated=True)
    async with world.control.transaction() as tx:
        orgs = tx.organizations(realm.id)
        assert await orgs.isolated_among([standard.id, isolated.id]) == {isolated.id}
        assert await orgs.isolated_among([standard.id]) == set()
        assert await orgs.isolated_among([]) == set()
        assert await orgs.isolated_among([isolated.id, other_isolated.id, "org_unknown"]) == {
            isolated.id,
            other_isolated.id,
        }


async def test_b1_name_is_unique_per_realm(world: World):
    realm = await world.realm()
    first = await world.organization(realm.id, name="acme")
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.organizations(realm.id).add(organization(realm.id, world.plane.id, name="acme"))
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm.id).by_name("acme") == first


async def test_b1_same_name_is_allowed_in_two_realms(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    in_a = await world.organization(realm_a.id, name="acme")
    in_b = await world.organization(realm_b.id, name="acme")
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm_a.id).by_name("acme") == in_a
        assert await tx.organizations(realm_b.id).by_name("acme") == in_b


async def test_a1_add_refuses_an_organization_of_another_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    with pytest.raises(ValueError):
        async with world.control.transaction() as tx:
            await tx.organizations(realm_b.id).add(organization(realm_a.id, world.plane.id))


# Isolation: write in realm A, read and write through realm B's repository.


async def test_a1_other_realm_sees_no_organization(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id, name="acme", isolated=True)
    async with world.control.transaction() as tx:
        orgs_b = tx.organizations(realm_b.id)
        assert await orgs_b.get(org.id) is None
        assert await orgs_b.by_name("acme") is None
        page = await orgs_b.list(PageRequest())
        assert page.items == []
        assert page.next_cursor is None
        assert await orgs_b.isolated_among([org.id]) == set()


async def test_a1_other_realm_cannot_update_or_delete_the_organization(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id, name="acme")
    async with world.control.transaction() as tx:
        orgs_b = tx.organizations(realm_b.id)
        await orgs_b.update(replace(org, realm_id=realm_b.id, name="stolen", isolated=True))
        await orgs_b.delete(org.id)
    async with world.control.transaction() as tx:
        assert await tx.organizations(realm_a.id).get(org.id) == org
        assert await tx.organizations(realm_b.id).by_name("stolen") is None


async def test_a1_cursor_from_another_realm_reveals_nothing(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_b = await world.organization(realm_b.id)
    await world.organization(realm_a.id)
    async with world.control.transaction() as tx:
        page = await tx.organizations(realm_b.id).list(PageRequest(limit=10, cursor="org_0"))
    assert page.items == [org_b]
