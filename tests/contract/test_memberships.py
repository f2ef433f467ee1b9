"""MembershipRepository contract (SPEC B2, B3, B5, C1 to C3), bound to (plane, realm).

Org-scoped queries filter on the organization as well as the realm: organization B never sees
organization A's members, and members of an isolated organization show up nowhere else.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.errors import Conflict
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.paging import PageRequest

from .world import World, membership, walk


async def _people(world: World, count: int) -> tuple[Realm, list[User]]:
    """A realm, one connection and ``count`` users in it."""
    realm = await world.realm()
    con = await world.connection(realm.id)
    users = [await world.user(realm.id, con.id, f"user{i}@example.com") for i in range(count)]
    return realm, users


async def test_add_then_get_returns_every_field(world: World):
    realm, (alice,) = await _people(world, 1)
    org = await world.organization(realm.id)
    built = await world.member(realm.id, org.id, alice.id, roles=["admin", "billing"], source="scim")
    async with world.data(realm.id) as data:
        assert await data.memberships.get(org.id, alice.id) == built
        assert await data.memberships.get(org.id, "usr_unknown") is None


async def test_b3_a_user_is_a_member_of_an_organization_once(world: World):
    realm, (alice,) = await _people(world, 1)
    org = await world.organization(realm.id)
    await world.member(realm.id, org.id, alice.id)
    with pytest.raises(Conflict):
        await world.member(realm.id, org.id, alice.id, roles=["admin"])


async def test_membership_of_an_unknown_user_is_refused(world: World):
    realm, _ = await _people(world, 0)
    org = await world.organization(realm.id)
    with pytest.raises(LookupError):
        await world.member(realm.id, org.id, "usr_00000000000000000000000000")


async def test_for_organization_pages_by_user_id(world: World):
    realm, users = await _people(world, 5)
    org = await world.organization(realm.id)
    created = [await world.member(realm.id, org.id, user.id) for user in reversed(users)]
    by_user = sorted(created, key=lambda m: m.user_id)
    async with world.data(realm.id) as data:
        pages = await walk(lambda page: data.memberships.for_organization(org.id, page), limit=2)
    assert pages == [by_user[0:2], by_user[2:4], by_user[4:5]]


async def test_b3_for_user_and_count_for_user_cover_every_organization_of_the_user(world: World):
    realm, (alice, bob) = await _people(world, 2)
    orgs = [await world.organization(realm.id) for _ in range(3)]
    made = [await world.member(realm.id, org.id, alice.id) for org in reversed(orgs)]
    await world.member(realm.id, orgs[0].id, bob.id)
    async with world.data(realm.id) as data:
        assert await data.memberships.for_user(alice.id) == sorted(made, key=lambda m: m.organization_id)
        assert await data.memberships.count_for_user(alice.id) == 3
        assert await data.memberships.count_for_user(bob.id) == 1
        assert await data.memberships.for_user("usr_unknown") == []
        assert await data.memberships.count_for_user("usr_unknown") == 0


async def test_b5_update_changes_roles_and_source(world: World):
    realm, (alice,) = await _people(world, 1)
    org = await world.organization(realm.id)
    built = await world.member(realm.id, org.id, alice.id, roles=["viewer"])
    changed = replace(built, roles=["admin", "viewer"], source="invite")
    async with world.data(realm.id) as data:
        await data.memberships.update(changed)
    async with world.data(realm.id) as data:
        assert await data.memberships.get(org.id, alice.id) == changed


async def test_delete_reports_whether_a_membership_was_removed(world: World):
    realm, (alice, bob) = await _people(world, 2)
    org = await world.organization(realm.id)
    await world.member(realm.id, org.id, alice.id)
    kept = await world.member(realm.id, org.id, bob.id)
    async with world.data(realm.id) as data:
        assert await data.memberships.delete(org.id, alice.id) is True
        assert await data.memberships.delete(org.id, alice.id) is False
    async with world.data(realm.id) as data:
        assert await data.memberships.get(org.id, alice.id) is None
        assert await data.memberships.get(org.id, bob.id) == kept


async def test_b2_delete_for_organization_removes_its_memberships_and_keeps_users(world: World):
    realm, (alice, bob) = await _people(world, 2)
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    await world.member(realm.id, org.id, alice.id)
    await world.member(realm.id, org.id, bob.id)
    kept = await world.member(realm.id, other.id, alice.id)
    async with world.data(realm.id) as data:
        assert await data.memberships.delete_for_organization(org.id) == 2
        assert await data.memberships.delete_for_organization(org.id) == 0
    async with world.data(realm.id) as data:
        assert await data.memberships.member_ids(org.id) == []
        assert await data.memberships.for_user(alice.id) == [kept]
        assert await data.users.get(alice.id) == alice
        assert await data.users.get(bob.id) == bob


async def test_c3_members_elsewhere_lists_every_member_of_another_organization(world: World):
    realm, (alice, bob, carol) = await _people(world, 3)
    org = await world.organization(realm.id)
    second = await world.organization(realm.id)
    third = await world.organization(realm.id)
    for user in (alice, bob, carol):
        await world.member(realm.id, org.id, user.id)
    await world.member(realm.id, second.id, alice.id)
    await world.member(realm.id, third.id, alice.id)
    await world.member(realm.id, third.id, carol.id)
    async with world.data(realm.id) as data:
        assert await data.memberships.members_elsewhere(org.id) == sorted([alice.id, carol.id])
        assert await data.memberships.members_elsewhere(second.id) == [alice.id]


async def test_member_ids_are_sorted_and_limited_to_the_organization(world: World):
    realm, users = await _people(world, 3)
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    for user in reversed(users):
        await world.member(realm.id, org.id, user.id)
    await world.member(realm.id, other.id, users[0].id)
    async with world.data(realm.id) as data:
        assert await data.memberships.member_ids(org.id) == sorted(user.id for user in users)
        assert await data.memberships.member_ids(other.id) == [users[0].id]


async def test_b5_remove_role_drops_the_role_from_every_membership_of_the_realm(world: World):
    realm, (alice, bob, carol) = await _people(world, 3)
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    alice_admin = await world.member(realm.id, org.id, alice.id, roles=["admin", "viewer"])
    bob_admin = await world.member(realm.id, other.id, bob.id, roles=["admin"])
    untouched = await world.member(realm.id, org.id, carol.id, roles=["viewer"])
    async with world.data(realm.id) as data:
        assert await data.memberships.remove_role("admin") == 2
        assert await data.memberships.remove_role("admin") == 0
    async with world.data(realm.id) as data:
        assert await data.memberships.get(org.id, alice.id) == replace(alice_admin, roles=["viewer"])
        assert await data.memberships.get(other.id, bob.id) == replace(bob_admin, roles=[])
        assert await data.memberships.get(org.id, carol.id) == untouched


# Isolation: realm B, organization B and isolated organizations see nothing of A.


async def test_a1_other_realm_sees_no_membership(world: World):
    realm_a, (alice, bob) = await _people(world, 2)
    realm_b = await world.realm()
    org, other = await world.organization(realm_a.id), await world.organization(realm_a.id)
    await world.member(realm_a.id, org.id, alice.id)
    await world.member(realm_a.id, org.id, bob.id)
    await world.member(realm_a.id, other.id, alice.id)
    async with world.data(realm_b.id) as data:
        memberships = data.memberships
        assert await memberships.get(org.id, alice.id) is None
        page = await memberships.for_organization(org.id, PageRequest())
        assert (page.items, page.next_cursor) == ([], None)
        assert await memberships.for_user(alice.id) == []
        assert await memberships.count_for_user(alice.id) == 0
        assert await memberships.member_ids(org.id) == []
        assert await memberships.members_elsewhere(org.id) == []


async def test_a1_other_realm_cannot_change_or_remove_memberships(world: World):
    realm_a, (alice,) = await _people(world, 1)
    realm_b = await world.realm()
    org = await world.organization(realm_a.id)
    built = await world.member(realm_a.id, org.id, alice.id, roles=["admin"])
    async with world.data(realm_b.id) as data:
        memberships = data.memberships
        await memberships.update(replace(built, realm_id=realm_b.id, roles=["owner"]))
        assert await memberships.delete(org.id, alice.id) is False
        assert await memberships.delete_for_organization(org.id) == 0
        assert await memberships.remove_role("admin") == 0
    async with world.data(realm_a.id) as data:
        assert await data.memberships.get(org.id, alice.id) == built


async def test_a1_other_realm_cannot_make_a_user_of_realm_a_a_member(world: World):
    realm_a, (alice,) = await _people(world, 1)
    realm_b = await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    for org_id in (org_b.id, org_a.id):
        with pytest.raises(LookupError):
            await world.member(realm_b.id, org_id, alice.id)
    with pytest.raises(ValueError):
        async with world.data(realm_b.id) as data:
            await data.memberships.add(membership(realm_a.id, org_a.id, alice.id))
    built = await world.member(realm_a.id, org_a.id, alice.id)
    async with world.data(realm_a.id) as data:
        assert await data.memberships.for_user(alice.id) == [built]


async def test_b_other_organization_sees_no_member_of_organization_a(world: World):
    realm, (alice, bob) = await _people(world, 2)
    org_a, org_b = await world.organization(realm.id), await world.organization(realm.id)
    await world.member(realm.id, org_a.id, alice.id)
    await world.member(realm.id, org_a.id, bob.id)
    async with world.data(realm.id) as data:
        memberships = data.memberships
        assert await memberships.get(org_b.id, alice.id) is None
        assert (await memberships.for_organization(org_b.id, PageRequest())).items == []
        assert await memberships.member_ids(org_b.id) == []
        assert await memberships.members_elsewhere(org_b.id) == []
        assert await memberships.delete(org_b.id, alice.id) is False
        assert await memberships.delete_for_organization(org_b.id) == 0
    async with world.data(realm.id) as data:
        assert await data.memberships.member_ids(org_a.id) == sorted([alice.id, bob.id])


async def test_c1_members_of_an_isolated_organization_are_invisible_to_other_organizations(world: World):
    realm = await world.realm()
    isolated = await world.organization(realm.id, isolated=True)
    standard = await world.organization(realm.id)
    own = await world.connection(realm.id, organization_id=isolated.id)
    shared = await world.connection(realm.id)
    exclusive = await world.user(realm.id, own.id, "alice@example.com")
    pooled = await world.user(realm.id, shared.id, "alice@example.com")
    await world.member(realm.id, isolated.id, exclusive.id)
    standard_member = await world.member(realm.id, standard.id, pooled.id)
    async with world.data(realm.id) as data:
        memberships = data.memberships
        assert await memberships.member_ids(standard.id) == [pooled.id]
        assert (await memberships.for_organization(standard.id, PageRequest())).items == [standard_member]
        assert await memberships.get(standard.id, exclusive.id) is None
        assert await memberships.members_elsewhere(standard.id) == []
        assert await memberships.members_elsewhere(isolated.id) == []
        assert await memberships.member_ids(isolated.id) == [exclusive.id]
