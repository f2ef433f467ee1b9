"""DomainRepository and DomainRegistry contracts (SPEC F2, F3, HOSTILE 47).

Claims are bound to a realm; the registry is deliberately deployment-wide, because a verified
domain belongs to one organization in the whole deployment (F3).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from tenantry.core.domain import DomainClaim
from tenantry.core.errors import Conflict

from .world import EPOCH_MS, World, at, domain_claim, unique


def _domain() -> str:
    return f"{unique('corp')}.example"


async def _claim(world: World, realm_id: str, organization_id: str, domain: str, **fields: Any) -> DomainClaim:
    built = domain_claim(realm_id, organization_id, domain, **fields)
    async with world.control.transaction() as tx:
        await tx.domains(realm_id).add(built)
    return built


def _verified(**fields: Any) -> dict[str, Any]:
    return {"status": "verified", "verified_at": at(EPOCH_MS), **fields}


async def test_add_then_get_returns_every_field(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    built = await _claim(world, realm.id, org.id, _domain(), auto_join=True, checked_at=at(EPOCH_MS + 5), **_verified())
    async with world.control.transaction() as tx:
        assert await tx.domains(realm.id).get(built.id) == built
        assert await tx.domains(realm.id).get(domain_claim(realm.id, org.id, "x.example").id) is None


async def test_for_organization_lists_claims_ordered_by_domain(world: World):
    realm = await world.realm()
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    zulu = await _claim(world, realm.id, org.id, "zulu-" + _domain())
    alpha = await _claim(world, realm.id, org.id, "alpha-" + _domain())
    await _claim(world, realm.id, other.id, _domain())
    async with world.control.transaction() as tx:
        assert await tx.domains(realm.id).for_organization(org.id) == [alpha, zulu]


async def test_f3_verified_finds_only_a_verified_claim(world: World):
    realm = await world.realm()
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    domain = _domain()
    await _claim(world, realm.id, other.id, domain)
    assert await _verified_in(world, realm.id, domain) is None
    verified = await _claim(world, realm.id, org.id, domain, **_verified())
    assert await _verified_in(world, realm.id, domain) == verified


async def _verified_in(world: World, realm_id: str, domain: str) -> DomainClaim | None:
    async with world.control.transaction() as tx:
        return await tx.domains(realm_id).verified(domain)


async def test_hostile_47_lapsed_claim_is_not_verified(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    domain = _domain()
    claim = await _claim(world, realm.id, org.id, domain, **_verified())
    async with world.control.transaction() as tx:
        await tx.domains(realm.id).update(replace(claim, status="lapsed"))
    assert await _verified_in(world, realm.id, domain) is None
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) is None


async def test_update_changes_status_times_and_auto_join(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    claim = await _claim(world, realm.id, org.id, _domain())
    changed = replace(claim, auto_join=True, checked_at=at(EPOCH_MS + 2), **_verified(verified_at=at(EPOCH_MS + 1)))
    async with world.control.transaction() as tx:
        await tx.domains(realm.id).update(changed)
    async with world.control.transaction() as tx:
        assert await tx.domains(realm.id).get(claim.id) == changed


async def test_delete_removes_only_that_claim(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    gone = await _claim(world, realm.id, org.id, _domain())
    kept = await _claim(world, realm.id, org.id, _domain())
    async with world.control.transaction() as tx:
        await tx.domains(realm.id).delete(gone.id)
    async with world.control.transaction() as tx:
        assert await tx.domains(realm.id).get(gone.id) is None
        assert await tx.domains(realm.id).for_organization(org.id) == [kept]


async def test_f3_one_verified_claim_per_domain_across_the_deployment(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_a2 = await world.organization(realm_a.id), await world.organization(realm_a.id)
    org_b = await world.organization(realm_b.id)
    domain = _domain()
    first = await _claim(world, realm_a.id, org_a.id, domain, **_verified())
    for realm_id, org_id in ((realm_a.id, org_a2.id), (realm_b.id, org_b.id)):
        with pytest.raises(Conflict):
            await _claim(world, realm_id, org_id, domain, **_verified())
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) == first
        assert await tx.domains(realm_b.id).for_organization(org_b.id) == []


async def test_f3_a_second_claim_cannot_be_updated_to_verified(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    domain = _domain()
    await _claim(world, realm_a.id, org_a.id, domain, **_verified())
    pending = await _claim(world, realm_b.id, org_b.id, domain)
    with pytest.raises(Conflict):
        async with world.control.transaction() as tx:
            await tx.domains(realm_b.id).update(replace(pending, **_verified()))
    async with world.control.transaction() as tx:
        assert await tx.domains(realm_b.id).get(pending.id) == pending


async def test_f3_pending_claims_of_one_domain_by_several_organizations_coexist(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    domain = _domain()
    in_a = await _claim(world, realm_a.id, org_a.id, domain)
    in_b = await _claim(world, realm_b.id, org_b.id, domain)
    async with world.control.transaction() as tx:
        assert await tx.domains(realm_a.id).for_organization(org_a.id) == [in_a]
        assert await tx.domains(realm_b.id).for_organization(org_b.id) == [in_b]


async def test_f3_a_lapsed_claim_frees_the_domain_for_another_organization(world: World):
    realm = await world.realm()
    org, other = await world.organization(realm.id), await world.organization(realm.id)
    domain = _domain()
    first = await _claim(world, realm.id, org.id, domain, **_verified())
    async with world.control.transaction() as tx:
        await tx.domains(realm.id).update(replace(first, status="lapsed"))
    second = await _claim(world, realm.id, other.id, domain, **_verified())
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) == second


async def test_an_organization_claims_a_domain_once(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    domain = _domain()
    await _claim(world, realm.id, org.id, domain)
    with pytest.raises(Conflict):
        await _claim(world, realm.id, org.id, domain)


async def test_f3_registry_finds_a_verified_claim_in_any_realm(world: World):
    realm = await world.realm()
    org = await world.organization(realm.id)
    domain = _domain()
    await _claim(world, realm.id, org.id, domain)
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) is None
    verified = await _claim(world, realm.id, await _other_org(world, realm.id), domain, **_verified())
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) == verified


async def _other_org(world: World, realm_id: str) -> str:
    return (await world.organization(realm_id)).id


async def test_f3_due_for_check_returns_verified_claims_least_recently_checked_first(fresh_world: World):
    world = fresh_world
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    hour = timedelta(hours=1)
    old = at(EPOCH_MS)
    recent = await _claim(world, realm_a.id, org_a.id, _domain(), checked_at=old + 2 * hour, **_verified())
    never = await _claim(world, realm_b.id, org_b.id, _domain(), **_verified())
    oldest = await _claim(world, realm_b.id, org_b.id, _domain(), checked_at=old, **_verified())
    await _claim(world, realm_a.id, org_a.id, _domain(), checked_at=old - hour)
    await _claim(world, realm_a.id, org_a.id, _domain(), status="lapsed", checked_at=old - hour)
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.due_for_check(10) == [never, oldest, recent]
        assert await tx.domain_registry.due_for_check(2) == [never, oldest]


# Isolation: write in realm A (or for organization A), read and write through B.


async def test_a1_other_realm_sees_no_domain_claim(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id)
    domain = _domain()
    claim = await _claim(world, realm_a.id, org.id, domain, **_verified())
    async with world.control.transaction() as tx:
        domains_b = tx.domains(realm_b.id)
        assert await domains_b.get(claim.id) is None
        assert await domains_b.verified(domain) is None
        assert await domains_b.for_organization(org.id) == []


async def test_a1_other_realm_cannot_update_or_delete_a_domain_claim(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    claim = await _claim(world, realm_a.id, org_a.id, _domain(), **_verified())
    async with world.control.transaction() as tx:
        domains_b = tx.domains(realm_b.id)
        await domains_b.update(replace(claim, realm_id=realm_b.id, organization_id=org_b.id, status="lapsed"))
        await domains_b.delete(claim.id)
    async with world.control.transaction() as tx:
        assert await tx.domains(realm_a.id).get(claim.id) == claim
        assert await tx.domains(realm_b.id).for_organization(org_b.id) == []


async def test_a1_add_refuses_a_claim_of_another_realm(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org = await world.organization(realm_a.id)
    with pytest.raises(ValueError):
        async with world.control.transaction() as tx:
            await tx.domains(realm_b.id).add(domain_claim(realm_a.id, org.id, _domain()))


async def test_other_organization_sees_none_of_an_isolated_organizations_claims(world: World):
    realm = await world.realm()
    isolated = await world.organization(realm.id, isolated=True)
    other = await world.organization(realm.id)
    await _claim(world, realm.id, isolated.id, _domain(), **_verified())
    async with world.control.transaction() as tx:
        assert await tx.domains(realm.id).for_organization(other.id) == []


async def test_a1_claim_for_an_organization_of_another_realm_is_refused(world: World):
    realm_a, realm_b = await world.realm(), await world.realm()
    org_a, org_b = await world.organization(realm_a.id), await world.organization(realm_b.id)
    domain = _domain()
    with pytest.raises(LookupError):
        await _claim(world, realm_b.id, org_a.id, domain, **_verified())
    own = await _claim(world, realm_b.id, org_b.id, domain)
    with pytest.raises(LookupError):
        async with world.control.transaction() as tx:
            await tx.domains(realm_b.id).update(replace(own, organization_id=org_a.id))
    async with world.control.transaction() as tx:
        assert await tx.domain_registry.verified_anywhere(domain) is None
        assert await tx.domains(realm_b.id).get(own.id) == own
