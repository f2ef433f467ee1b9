"""Invitations, mail tokens and the outbox on every backend: single use decided by the database, and isolation.

Every case ends with "written in A, B sees nothing": another realm, another organization, another kind.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tenantry.core.grant import digest
from tenantry.core.invitation import Invitation, MailToken
from tenantry.core.mail import OutboxEntry
from tenantry.ports.paging import PageRequest

from .world import World, fresh, moment


def invitation(realm_id: str, organization_id: str, email: str = "nora@example.com", **fields) -> Invitation:
    invitation_id, now = fresh("inv")
    values = {
        "id": invitation_id,
        "realm_id": realm_id,
        "organization_id": organization_id,
        "email": email,
        "token_hash": digest(f"secret-{invitation_id}"),
        "inviter": "operator:test",
        "created_at": now,
        "expires_at": now + timedelta(days=7),
        "roles": ["editor"],
        **fields,
    }
    return Invitation(**values)


async def test_invitations_round_trip_and_revoke_and_accept_once(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    org = await world.organization(realm.id)
    nora = await world.user(realm.id, con.id, "nora@example.com")
    first, second = invitation(realm.id, org.id), invitation(realm.id, org.id, "dora@example.com")
    async with world.data(realm.id) as data:
        await data.invitations.add(first)
        await data.invitations.add(second)
    now = moment()
    async with world.data(realm.id) as data:
        assert await data.invitations.get(org.id, first.id) == first
        assert await data.invitations.by_token(org.id, first.token_hash) == first
        page = await data.invitations.for_organization(org.id, PageRequest(limit=1))
        assert [i.id for i in page.items] == [first.id] and page.next_cursor
        assert await data.invitations.revoke(org.id, second.id, now)
        assert not await data.invitations.revoke(org.id, second.id, now)
        assert not await data.invitations.accept(org.id, second.id, nora.id, now), "a revoked invitation stays revoked"
        assert await data.invitations.accept(org.id, first.id, nora.id, now)
        assert not await data.invitations.accept(org.id, first.id, nora.id, now), "single use"
        assert not await data.invitations.revoke(org.id, first.id, now), "an accepted invitation cannot be revoked"
        accepted = await data.invitations.get(org.id, first.id)
    assert accepted is not None and accepted.status(now) == "accepted" and accepted.accepted_user_id == nora.id


async def test_an_expired_invitation_cannot_be_accepted(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    org = await world.organization(realm.id)
    nora = await world.user(realm.id, con.id, "nora@example.com")
    late = invitation(realm.id, org.id, expires_at=moment() - timedelta(seconds=1))
    async with world.data(realm.id) as data:
        await data.invitations.add(late)
        assert not await data.invitations.accept(org.id, late.id, nora.id, moment())
        assert (await data.invitations.get(org.id, late.id)).status(moment()) == "expired"


async def test_two_concurrent_acceptances_only_one_wins(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    org = await world.organization(realm.id)
    nora = await world.user(realm.id, con.id, "nora@example.com")
    once = invitation(realm.id, org.id)
    async with world.data(realm.id) as data:
        await data.invitations.add(once)

    async def accept() -> bool:
        async with world.data(realm.id) as data:
            return await data.invitations.accept(org.id, once.id, nora.id, moment())

    assert sorted(await asyncio.gather(accept(), accept())) == [False, True]


async def test_invitations_of_realm_a_or_organization_a_are_invisible_from_b(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    con_b = await world.connection(realm_b.id)
    org_a, org_a2 = await world.organization(realm_a.id), await world.organization(realm_a.id)
    bob = await world.user(realm_b.id, con_b.id, "bob@example.com")
    written = invitation(realm_a.id, org_a.id)
    async with world.data(realm_a.id) as data:
        await data.invitations.add(written)
        assert await data.invitations.get(org_a2.id, written.id) is None, "another organization of the realm"
        assert await data.invitations.by_token(org_a2.id, written.token_hash) is None
        assert (await data.invitations.for_organization(org_a2.id, PageRequest(limit=10))).items == []
        assert not await data.invitations.revoke(org_a2.id, written.id, moment())
    async with world.data(realm_b.id) as data:
        assert await data.invitations.get(org_a.id, written.id) is None
        assert await data.invitations.by_token(org_a.id, written.token_hash) is None
        assert (await data.invitations.for_organization(org_a.id, PageRequest(limit=10))).items == []
        assert not await data.invitations.revoke(org_a.id, written.id, moment())
        assert not await data.invitations.accept(org_a.id, written.id, bob.id, moment())
    async with world.data(realm_a.id) as data:
        assert (await data.invitations.get(org_a.id, written.id)).status(moment()) == "pending"


def token(realm_id: str, user_id: str, kind: str = "reset_password", **fields) -> MailToken:
    secret, now = fresh("tok")
    values = {
        "token_hash": digest(secret),
        "realm_id": realm_id,
        "kind": kind,
        "user_id": user_id,
        "email": "nora@example.com",
        "created_at": now,
        "expires_at": now + timedelta(hours=1),
        **fields,
    }
    return MailToken(**values)


async def test_mail_tokens_are_single_use_typed_by_kind_and_expire(world: World):
    realm = await world.realm()
    con = await world.connection(realm.id)
    nora = await world.user(realm.id, con.id, "nora@example.com")
    reset, other_reset = token(realm.id, nora.id), token(realm.id, nora.id)
    verify = token(realm.id, nora.id, "verify_email")
    late = token(realm.id, nora.id, expires_at=moment() - timedelta(seconds=1))
    async with world.data(realm.id) as data:
        for item in (reset, other_reset, verify, late):
            await data.mail_tokens.add(item)
    async with world.data(realm.id) as data:
        assert await data.mail_tokens.get("reset_password", reset.token_hash) == reset
        assert await data.mail_tokens.get("verify_email", reset.token_hash) is None, "HOSTILE 50: typed by kind"
        assert not await data.mail_tokens.use("verify_email", reset.token_hash, moment())
        assert not await data.mail_tokens.use("reset_password", late.token_hash, moment())
        assert await data.mail_tokens.use("reset_password", reset.token_hash, moment())
        assert not await data.mail_tokens.use("reset_password", reset.token_hash, moment()), "single use"
        assert await data.mail_tokens.use_all("reset_password", nora.id, moment()) == 2
        assert not await data.mail_tokens.use("reset_password", other_reset.token_hash, moment())
        assert await data.mail_tokens.use("verify_email", verify.token_hash, moment()), "another kind is untouched"


async def test_mail_tokens_of_realm_a_are_invisible_from_b(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    con_a = await world.connection(realm_a.id)
    nora = await world.user(realm_a.id, con_a.id, "nora@example.com")
    written = token(realm_a.id, nora.id)
    async with world.data(realm_a.id) as data:
        await data.mail_tokens.add(written)
    async with world.data(realm_b.id) as data:
        assert await data.mail_tokens.get("reset_password", written.token_hash) is None
        assert not await data.mail_tokens.use("reset_password", written.token_hash, moment())
        assert await data.mail_tokens.use_all("reset_password", nora.id, moment()) == 0
        try:
            await data.mail_tokens.add(token(realm_b.id, nora.id))
        except LookupError:
            pass
        else:
            raise AssertionError("a token for another realm's user was written")
    async with world.data(realm_a.id) as data:
        assert (await data.mail_tokens.get("reset_password", written.token_hash)).used_at is None


async def test_the_outbox_is_read_per_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    outbox = world.runtime.ports.outbox
    entry_id, now = fresh("msg")
    entry = OutboxEntry(entry_id, realm_a.id, "nora@example.com", "Hello", "text", "<p>html</p>", now)
    await outbox.add(entry)
    assert await outbox.get(realm_a.id, entry.id) == entry
    assert (await outbox.list(realm_a.id, PageRequest(limit=10))).items == [entry]
    assert (await outbox.list(realm_a.id, PageRequest(limit=10), "dora@example.com")).items == []
    assert await outbox.get(realm_b.id, entry.id) is None
    assert (await outbox.list(realm_b.id, PageRequest(limit=10))).items == []
