"""UserRepository, CredentialRepository and IdentityRepository contracts (SPEC B6, B7, C5, HOSTILE 45, 54).

Data-plane repositories exist only bound to (plane, realm); on PostgreSQL row-level security
stands behind the ``realm_id`` filter of every statement.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from tenantry.core.connection import Connection
from tenantry.core.errors import Conflict
from tenantry.core.realm import Realm
from tenantry.core.user import Identity
from tenantry.ports.paging import PageRequest

from .world import World, moment, user, walk

ISSUER = "https://idp.example"


async def _pool(world: World) -> tuple[Realm, Connection, Connection]:
    """A realm with two connections of its own."""
    realm = await world.realm()
    return realm, await world.connection(realm.id), await world.connection(realm.id)


async def test_add_then_get_returns_every_field(world: World):
    realm, con, _ = await _pool(world)
    built = user(
        realm.id,
        con.id,
        "alice@example.com",
        email_verified=True,
        name="Alice Liddell",
        given_name="Alice",
        family_name="Liddell",
        blocked=True,
        app_metadata={"flex": {"roles": ["agent"]}},
        user_metadata={"locale": "fr", "tags": [1, "two"]},
    )
    async with world.data(realm.id) as data:
        await data.users.add(built)
    async with world.data(realm.id) as data:
        assert await data.users.get(built.id) == built
        assert await data.users.get(user(realm.id, con.id, "x@example.com").id) is None


async def test_get_many_returns_the_known_users_by_id(world: World):
    realm, con, other = await _pool(world)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    bob = await world.user(realm.id, other.id, "bob@example.com")
    await world.user(realm.id, con.id, "carol@example.com")
    unknown = user(realm.id, con.id, "nobody@example.com").id
    async with world.data(realm.id) as data:
        assert await data.users.get_many([bob.id, unknown, alice.id]) == [alice, bob]
        assert await data.users.get_many([]) == []


async def test_b6_by_email_looks_up_one_connection_only(world: World):
    realm, con, other = await _pool(world)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.by_email(con.id, "alice@example.com") == alice
        assert await data.users.by_email(other.id, "alice@example.com") is None
        assert await data.users.by_email(con.id, "bob@example.com") is None


async def test_b6_with_email_finds_the_address_in_every_connection_by_id(world: World):
    realm, con, other = await _pool(world)
    first = await world.user(realm.id, con.id, "alice@example.com")
    second = await world.user(realm.id, other.id, "alice@example.com")
    await world.user(realm.id, con.id, "bob@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.with_email("alice@example.com") == [first, second]
        assert await data.users.with_email("nobody@example.com") == []


async def test_list_pages_by_id_with_limit_and_cursor(world: World):
    realm, con, _ = await _pool(world)
    created = [await world.user(realm.id, con.id, f"u{i}@example.com") for i in range(5)]
    async with world.data(realm.id) as data:
        assert await walk(data.users.list, limit=2) == [created[0:2], created[2:4], created[4:5]]


async def test_list_filters_by_connection_and_email(world: World):
    realm, con, other = await _pool(world)
    a1 = await world.user(realm.id, con.id, "a@example.com")
    b1 = await world.user(realm.id, con.id, "b@example.com")
    a2 = await world.user(realm.id, other.id, "a@example.com")
    async with world.data(realm.id) as data:
        assert (await data.users.list(PageRequest(), connection_id=con.id)).items == [a1, b1]
        assert (await data.users.list(PageRequest(), email="a@example.com")).items == [a1, a2]
        assert (await data.users.list(PageRequest(), connection_id=other.id, email="a@example.com")).items == [a2]
        filtered = await data.users.list(PageRequest(limit=1), connection_id=con.id)
        assert filtered.items == [a1]
        assert filtered.next_cursor == a1.id


async def test_b7_update_changes_profile_but_never_connection_or_creation_time(world: World):
    realm, con, other = await _pool(world)
    built = await world.user(realm.id, con.id, "alice@example.com")
    changed = replace(
        built,
        connection_id=other.id,
        email="alice@new.example",
        email_verified=True,
        name="Alice",
        blocked=True,
        app_metadata={"plan": "pro"},
        user_metadata={"theme": "dark"},
        created_at=moment(),
        updated_at=moment(),
    )
    async with world.data(realm.id) as data:
        await data.users.update(changed)
    async with world.data(realm.id) as data:
        stored = await data.users.get(built.id)
    assert stored == replace(changed, connection_id=con.id, created_at=built.created_at)


async def test_delete_removes_the_user_with_credentials_identities_and_memberships(world: World):
    realm, con, _ = await _pool(world)
    org = await world.organization(realm.id)
    gone = await world.user(realm.id, con.id, "gone@example.com")
    kept = await world.user(realm.id, con.id, "kept@example.com")
    await world.member(realm.id, org.id, gone.id)
    await world.member(realm.id, org.id, kept.id)
    async with world.data(realm.id) as data:
        await data.credentials.set_password(gone.id, "hash-gone")
        await data.identities.add(Identity(gone.id, realm.id, con.id, ISSUER, "sub-gone"))
    async with world.data(realm.id) as data:
        await data.users.delete(gone.id)
    async with world.data(realm.id) as data:
        assert await data.users.get(gone.id) is None
        assert await data.credentials.password_hash(gone.id) is None
        assert await data.identities.find(con.id, ISSUER, "sub-gone") is None
        assert await data.memberships.member_ids(org.id) == [kept.id]
        assert await data.users.get(kept.id) == kept


async def test_b2_delete_all_of_one_connection_keeps_the_others(world: World):
    realm, con, other = await _pool(world)
    for i in range(3):
        await world.user(realm.id, con.id, f"u{i}@example.com")
    kept = await world.user(realm.id, other.id, "u0@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.delete_all(con.id) == 3
    async with world.data(realm.id) as data:
        assert await data.users.count(con.id) == 0
        assert (await data.users.list(PageRequest())).items == [kept]


async def test_delete_all_without_connection_empties_the_realm(world: World):
    realm, con, other = await _pool(world)
    await world.user(realm.id, con.id, "a@example.com")
    await world.user(realm.id, other.id, "b@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.delete_all() == 2
        assert await data.users.count() == 0


async def test_count_counts_the_realm_or_one_connection(world: World):
    realm, con, other = await _pool(world)
    for i in range(3):
        await world.user(realm.id, con.id, f"u{i}@example.com")
    await world.user(realm.id, other.id, "u0@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.count() == 4
        assert await data.users.count(con.id) == 3
        assert await data.users.count(other.id) == 1


async def test_b6_colliding_emails_lists_shared_identifiers_sorted_and_distinct(world: World):
    realm, con, other = await _pool(world)
    third = await world.connection(realm.id)
    for email in ("zed@example.com", "amy@example.com", "solo@example.com", "bob@example.com"):
        await world.user(realm.id, con.id, email)
    for email in ("zed@example.com", "amy@example.com"):
        await world.user(realm.id, other.id, email)
    for email in ("amy@example.com", "bob@example.com"):
        await world.user(realm.id, third.id, email)
    async with world.data(realm.id) as data:
        users = data.users
        assert await users.colliding_emails(con.id, [other.id, third.id], 10) == [
            "amy@example.com",
            "bob@example.com",
            "zed@example.com",
        ]
        assert await users.colliding_emails(con.id, [other.id], 10) == ["amy@example.com", "zed@example.com"]
        assert await users.colliding_emails(con.id, [other.id, third.id], 2) == ["amy@example.com", "bob@example.com"]
        assert await users.colliding_emails(con.id, [], 10) == []


async def test_emails_in_returns_the_known_addresses_of_one_connection_sorted(world: World):
    realm, con, other = await _pool(world)
    await world.user(realm.id, con.id, "zed@example.com")
    await world.user(realm.id, con.id, "amy@example.com")
    await world.user(realm.id, other.id, "bob@example.com")
    async with world.data(realm.id) as data:
        asked = ["zed@example.com", "bob@example.com", "amy@example.com", "new@example.com"]
        assert await data.users.emails_in(con.id, asked) == ["amy@example.com", "zed@example.com"]
        assert await data.users.emails_in(con.id, []) == []


async def test_hostile_54_email_is_unique_per_realm_and_connection(world: World):
    realm, con, other = await _pool(world)
    first = await world.user(realm.id, con.id, "alice@example.com")
    with pytest.raises(Conflict):
        await world.user(realm.id, con.id, "alice@example.com")
    await world.user(realm.id, other.id, "alice@example.com")
    async with world.data(realm.id) as data:
        assert await data.users.by_email(con.id, "alice@example.com") == first
        assert await data.users.count() == 2


async def test_hostile_54_the_same_pool_address_is_free_in_another_realm(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    in_a = await world.user(realm_a.id, con.id, "alice@example.com")
    in_b = await world.user(realm_b.id, con.id, "alice@example.com")
    async with world.data(realm_b.id) as data:
        assert await data.users.by_email(con.id, "alice@example.com") == in_b
    async with world.data(realm_a.id) as data:
        assert await data.users.by_email(con.id, "alice@example.com") == in_a


async def test_c5_same_email_in_an_isolated_organization_is_another_user(world: World):
    realm, shared, _ = await _pool(world)
    isolated = await world.organization(realm.id, isolated=True)
    own = await world.connection(realm.id, organization_id=isolated.id)
    pooled = await world.user(realm.id, shared.id, "alice@example.com")
    exclusive = await world.user(realm.id, own.id, "alice@example.com")
    assert pooled.id != exclusive.id
    async with world.data(realm.id) as data:
        assert await data.users.by_email(shared.id, "alice@example.com") == pooled
        assert await data.users.by_email(own.id, "alice@example.com") == exclusive


# Credentials


async def test_set_password_stores_and_replaces_the_hash(world: World):
    realm, con, _ = await _pool(world)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    async with world.data(realm.id) as data:
        assert await data.credentials.password_hash(alice.id) is None
        await data.credentials.set_password(alice.id, "$argon2id$first")
    async with world.data(realm.id) as data:
        await data.credentials.set_password(alice.id, "$argon2id$second")
    async with world.data(realm.id) as data:
        assert await data.credentials.password_hash(alice.id) == "$argon2id$second"


async def test_set_password_for_an_unknown_user_is_refused(world: World):
    realm, con, _ = await _pool(world)
    with pytest.raises(LookupError):
        async with world.data(realm.id) as data:
            await data.credentials.set_password(user(realm.id, con.id, "x@example.com").id, "hash")


# Identities


async def test_hostile_45_identity_is_found_by_connection_issuer_and_subject(world: World):
    realm, con, other = await _pool(world)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    first = Identity(alice.id, realm.id, con.id, ISSUER, "sub-1")
    second = Identity(alice.id, realm.id, con.id, "https://other-idp.example", "sub-1")
    async with world.data(realm.id) as data:
        await data.identities.add(first)
        await data.identities.add(second)
    async with world.data(realm.id) as data:
        identities = data.identities
        assert await identities.find(con.id, ISSUER, "sub-1") == first
        assert await identities.find(con.id, ISSUER, "sub-2") is None
        assert await identities.find(other.id, ISSUER, "sub-1") is None
        assert sorted(await identities.for_user(alice.id), key=lambda i: i.issuer) == [first, second]


async def test_identity_key_is_unique(world: World):
    realm, con, _ = await _pool(world)
    alice = await world.user(realm.id, con.id, "alice@example.com")
    bob = await world.user(realm.id, con.id, "bob@example.com")
    async with world.data(realm.id) as data:
        await data.identities.add(Identity(alice.id, realm.id, con.id, ISSUER, "sub-1"))
    with pytest.raises(Conflict):
        async with world.data(realm.id) as data:
            await data.identities.add(Identity(bob.id, realm.id, con.id, ISSUER, "sub-1"))


# Isolation: write in realm A, read and write through realm B's repositories.


async def test_a1_other_realm_sees_no_user(world: World):
    realm_a, con, other = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    await world.user(realm_a.id, other.id, "alice@example.com")
    async with world.data(realm_b.id) as data:
        users = data.users
        assert await users.get(alice.id) is None
        assert await users.get_many([alice.id]) == []
        assert await users.by_email(con.id, "alice@example.com") is None
        assert await users.with_email("alice@example.com") == []
        page = await users.list(PageRequest())
        assert (page.items, page.next_cursor) == ([], None)
        assert (await users.list(PageRequest(), connection_id=con.id)).items == []
        assert await users.count() == 0
        assert await users.count(con.id) == 0
        assert await users.emails_in(con.id, ["alice@example.com"]) == []
        assert await users.colliding_emails(con.id, [other.id], 10) == []


async def test_a1_other_realm_cannot_update_or_delete_a_user(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    async with world.data(realm_b.id) as data:
        await data.users.update(replace(alice, realm_id=realm_b.id, email="evil@example.com", blocked=True))
        await data.users.delete(alice.id)
        assert await data.users.delete_all() == 0
        assert await data.users.delete_all(con.id) == 0
    async with world.data(realm_a.id) as data:
        assert await data.users.get(alice.id) == alice


async def test_a1_add_refuses_a_user_or_identity_of_another_realm(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    with pytest.raises(ValueError):
        async with world.data(realm_b.id) as data:
            await data.users.add(user(realm_a.id, con.id, "bob@example.com"))
    with pytest.raises(ValueError):
        async with world.data(realm_b.id) as data:
            await data.identities.add(Identity(alice.id, realm_a.id, con.id, ISSUER, "sub-1"))


async def test_a1_other_realm_cannot_link_an_identity_to_a_user_of_realm_a(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    with pytest.raises(LookupError):
        async with world.data(realm_b.id) as data:
            await data.identities.add(Identity(alice.id, realm_b.id, con.id, ISSUER, "sub-evil"))
    async with world.data(realm_a.id) as data:
        assert await data.identities.for_user(alice.id) == []


async def test_a1_other_realm_sees_no_identity(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    async with world.data(realm_a.id) as data:
        await data.identities.add(Identity(alice.id, realm_a.id, con.id, ISSUER, "sub-1"))
    async with world.data(realm_b.id) as data:
        assert await data.identities.find(con.id, ISSUER, "sub-1") is None
        assert await data.identities.for_user(alice.id) == []


async def test_a1_other_realm_can_neither_read_nor_set_a_password(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    async with world.data(realm_a.id) as data:
        await data.credentials.set_password(alice.id, "$argon2id$alice")
    async with world.data(realm_b.id) as data:
        assert await data.credentials.password_hash(alice.id) is None
    with pytest.raises(LookupError):
        async with world.data(realm_b.id) as data:
            await data.credentials.set_password(alice.id, "$argon2id$evil")
    async with world.data(realm_a.id) as data:
        assert await data.credentials.password_hash(alice.id) == "$argon2id$alice"


async def test_a1_ids_stay_unique_across_realms(world: World):
    realm_a, con, _ = await _pool(world)
    realm_b = await world.realm()
    alice = await world.user(realm_a.id, con.id, "alice@example.com")
    clash = replace(alice, realm_id=realm_b.id, email="other@example.com")
    with pytest.raises(Conflict):
        async with world.data(realm_b.id) as data:
            await data.users.add(clash)
    async with world.data(realm_a.id) as data:
        assert await data.users.get(alice.id) == alice
