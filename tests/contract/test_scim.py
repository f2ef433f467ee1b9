"""SCIM repositories (SPEC H2, H3, H7, S5): records, emails, groups, members and tokens.

Each case writes in realm A (or connection A) and proves realm B, another connection and an
organization's token see nothing of it; on PostgreSQL row-level security stands behind the filters.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tenantry.core.errors import Conflict
from tenantry.core.scim import ScimEmail, ScimGroup, ScimRecord, ScimToken, identifier_key
from tenantry.ports.scim import AllOf, AnyValue, Compare, Negation, Present, Window

from .world import World, fresh, moment


async def _provisioned(world: World, realm_id: str, connection_id: str, user_name: str, email: str) -> ScimRecord:
    built = await world.user(realm_id, connection_id, email)
    record = ScimRecord(
        built.id, realm_id, connection_id, user_name, 1, f"ext-{user_name}", {"userName": user_name},
        [ScimEmail(email, "work", True), ScimEmail(f"home-{email}", "home")],
    )  # fmt: skip
    async with world.data(realm_id) as data:
        await data.scim_users.add(record)
    return record


async def _group(world: World, realm_id: str, connection_id: str, name: str, members: list[str]) -> ScimGroup:
    group_id, created = fresh("grp")
    group = ScimGroup(group_id, realm_id, connection_id, name, created, created, member_ids=members)
    async with world.data(realm_id) as data:
        await data.scim_groups.add(group)
    return group


async def test_h3_filters_reach_users_by_user_name_email_and_external_id(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    alice = await _provisioned(world, realm.id, con.id, "Alice@Example.com", "alice@example.com")
    await _provisioned(world, realm.id, con.id, "bob", "bob@example.com")
    everyone = Window(1, 100)
    async with world.data(realm.id) as data:
        by_name = await data.scim_users.find(
            con.id, Compare("user_name", "eq", identifier_key("ALICE@example.COM")), everyone
        )
        by_email = await data.scim_users.find(
            con.id,
            AnyValue(
                "emails",
                AllOf((Compare("email.type", "eq", "work"), Compare("email.value", "eq", "alice@example.com"))),
            ),
            everyone,
        )
        by_external = await data.scim_users.find(con.id, Compare("external_id", "eq", "ext-bob"), everyone)
        negated = await data.scim_users.find(con.id, Negation(Compare("external_id", "eq", "ext-bob")), everyone)
        present = await data.scim_users.find(con.id, Present("external_id"), Window(2, 1))
    assert by_name.ids == [alice.user_id] and by_email.ids == [alice.user_id]
    assert by_external.total == 1 and negated.ids == [alice.user_id]
    assert present.total == 2 and len(present.ids) == 1


async def test_h2_user_names_are_unique_per_connection_case_and_unicode_folded(world: World):
    realm = await world.realm()
    con, other = await world.connection(realm.id), await world.connection(realm.id)
    await _provisioned(world, realm.id, con.id, "Zoë", "zoe@example.com")
    with pytest.raises(Conflict):
        await _provisioned(world, realm.id, con.id, "ZOË", "zoe2@example.com")
    with pytest.raises(Conflict):
        await _provisioned(world, realm.id, con.id, "Zoe\u0308", "zoe3@example.com")
    await _provisioned(world, realm.id, other.id, "Zoë", "zoe@example.com")  # another connection: another user


async def test_h7_another_connection_and_realm_b_see_nothing_of_a(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    con_a, con_other = await world.connection(realm_a.id), await world.connection(realm_a.id)
    con_b = await world.connection(realm_b.id)
    alice = await _provisioned(world, realm_a.id, con_a.id, "alice", "alice@example.com")
    group = await _group(world, realm_a.id, con_a.id, "Engineering", [alice.user_id])
    everything = Window(1, 100)
    async with world.data(realm_a.id) as data:
        assert await data.scim_users.get(con_other.id, alice.user_id) is None
        assert (await data.scim_users.find(con_other.id, None, everything)).total == 0
        assert await data.scim_groups.get(con_other.id, group.id) is None
        assert (await data.scim_groups.find(con_other.id, None, everything)).total == 0
        assert (await data.scim_groups.of_users(con_other.id, [alice.user_id]))[alice.user_id] == []
    async with world.data(realm_b.id) as data:
        for con_id in (con_a.id, con_b.id):
            assert await data.scim_users.get(con_id, alice.user_id) is None
            assert (await data.scim_users.find(con_id, None, everything)).total == 0
            assert await data.scim_groups.get(con_id, group.id) is None
            assert (await data.scim_groups.find(con_id, None, everything)).total == 0
        assert not await data.scim_users.is_provisioned(alice.user_id)
        await data.scim_groups.delete(con_a.id, group.id)
    async with world.data(realm_a.id) as data:
        kept = await data.scim_groups.get(con_a.id, group.id)
    assert kept is not None and kept.member_ids == [alice.user_id]


async def test_h7_a_group_cannot_hold_a_user_of_another_connection_or_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    con_a, con_other = await world.connection(realm_a.id), await world.connection(realm_a.id)
    outsider = await _provisioned(world, realm_a.id, con_other.id, "eve", "eve@example.com")
    stranger = await _provisioned(world, realm_b.id, (await world.connection(realm_b.id)).id, "mal", "mal@example.com")
    for member in (outsider.user_id, stranger.user_id):
        with pytest.raises(LookupError):
            await _group(world, realm_a.id, con_a.id, f"g-{member}", [member])


async def test_members_filter_and_group_membership_by_user(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    alice = await _provisioned(world, realm.id, con.id, "alice", "alice@example.com")
    bob = await _provisioned(world, realm.id, con.id, "bob", "bob@example.com")
    eng = await _group(world, realm.id, con.id, "Engineering", [alice.user_id, bob.user_id])
    await _group(world, realm.id, con.id, "Sales", [bob.user_id])
    async with world.data(realm.id) as data:
        found = await data.scim_groups.find(
            con.id, AnyValue("members", Compare("member.value", "eq", alice.user_id)), Window(1, 10)
        )
        of = await data.scim_groups.of_users(con.id, [alice.user_id, bob.user_id])
        eng.member_ids = [bob.user_id]
        eng.version += 1
        await data.scim_groups.update(eng)
        after = await data.scim_groups.get(con.id, eng.id)
    assert found.ids == [eng.id]
    assert [g.display_name for g in of[alice.user_id]] == ["Engineering"]
    assert sorted(g.display_name for g in of[bob.user_id]) == ["Engineering", "Sales"]
    assert after is not None and after.member_ids == [bob.user_id] and after.version == 2


async def test_tokens_are_found_by_digest_and_listed_per_realm_and_connection(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    con = await world.connection(realm_a.id)
    token_id, created = fresh("sct")
    token = ScimToken(token_id, realm_a.id, con.id, "entra", "d" * 64, created)
    async with world.control.transaction() as tx:
        await tx.scim_tokens.add(token)
    async with world.control.transaction() as tx:
        assert await tx.scim_tokens.by_hash("d" * 64) == token
        assert await tx.scim_tokens.get(realm_b.id, token.id) is None
        assert await tx.scim_tokens.for_connection(realm_b.id, con.id) == []
        token.revoked_at = moment() + timedelta(seconds=1)
        await tx.scim_tokens.update(token)
    async with world.control.transaction() as tx:
        assert (await tx.scim_tokens.for_connection(realm_a.id, con.id))[0].revoked_at == token.revoked_at
