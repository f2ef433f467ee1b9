"""Domain claims: claim, verify by DNS TXT, re-check periodically (SPEC F2, F3)."""

from __future__ import annotations

import builtins
import secrets
from dataclasses import dataclass

from tenantry.core import names
from tenantry.core.domain import DomainClaim, claimable
from tenantry.core.errors import Conflict, NotFound, Unavailable
from tenantry.ports.control import ControlTransaction

from . import lookup
from .access import Actor, require, system_actor
from .audit import record
from .context import Ports


@dataclass(slots=True)
class RecheckResult:
    checked: int
    lapsed: builtins.list[str]


async def _claim(tx: ControlTransaction, realm_id: str, organization_id: str, claim_id: str) -> DomainClaim:
    claim = await tx.domains(realm_id).get(claim_id)
    if claim is None or claim.organization_id != organization_id:
        raise NotFound("no such domain claim", code="domain_not_found")
    return claim


class DomainService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def claim(
        self, actor: Actor, realm_ref: str, org_ref: str, domain: str, *, auto_join: bool = False
    ) -> DomainClaim:
        name = claimable(names.domain_name(domain))
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            org = await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "domains:write")
            owner = await tx.domain_registry.verified_anywhere(name)
            if owner is not None and owner.organization_id != org.id:
                raise Conflict("the domain is verified by another organization", code="domain_taken")
            if any(existing.domain == name for existing in await tx.domains(realm.id).for_organization(org.id)):
                raise Conflict("the organization already claims this domain", code="domain_exists")
            claim = DomainClaim(
                id=self.ports.new_id("dom"),
                realm_id=realm.id,
                organization_id=org.id,
                domain=name,
                token=secrets.token_urlsafe(24),
                created_at=self.ports.clock.now(),
                auto_join=auto_join,
            )
            await tx.domains(realm.id).add(claim)
            await record(
                tx,
                actor,
                "domain.claimed",
                "domain",
                claim.id,
                realm_id=realm.id,
                organization_id=org.id,
                details={"domain": name},
            )
        return claim

    async def list(self, actor: Actor, realm_ref: str, org_ref: str) -> builtins.list[DomainClaim]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            org = await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "domains:read")
            return await tx.domains(realm.id).for_organization(org.id)

    async def get(self, actor: Actor, realm_ref: str, org_ref: str, claim_id: str) -> DomainClaim:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            org = await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "domains:read")
            return await _claim(tx, realm.id, org.id, claim_id)

    async def _published(self, claim: DomainClaim) -> bool:
        for record_name in claim.record_names:
            if claim.txt_record in await self.ports.resolver.txt(record_name):
                return True
        return False

    async def verify(self, actor: Actor, realm_ref: str, org_ref: str, claim_id: str) -> DomainClaim:
        """Look the TXT record up now; verified only when present, and only if no one else verified first."""
        claim = await self.get(actor, realm_ref, org_ref, claim_id)
        require(actor, "domains:write")
        published = await self._published(claim)
        async with self.ports.control.transaction() as tx:
            claim = await _claim(tx, claim.realm_id, claim.organization_id, claim.id)
            now = self.ports.clock.now()
            claim.checked_at = now
            if published:
                owner = await tx.domain_registry.verified_anywhere(claim.domain)
                if owner is not None and owner.id != claim.id:
                    raise Conflict("the domain is verified by another organization", code="domain_taken")
                if claim.status != "verified":
                    claim.status, claim.verified_at = "verified", now
            await tx.domains(claim.realm_id).update(claim)
            await record(
                tx,
                actor,
                "domain.verification_checked",
                "domain",
                claim.id,
                realm_id=claim.realm_id,
                organization_id=claim.organization_id,
                details={"domain": claim.domain, "found": published},
            )
        return claim

    async def set_auto_join(
        self, actor: Actor, realm_ref: str, org_ref: str, claim_id: str, auto_join: bool
    ) -> DomainClaim:
        claim = await self.get(actor, realm_ref, org_ref, claim_id)
        require(actor, "domains:write")
        async with self.ports.control.transaction() as tx:
            # Re-read inside the transaction so a concurrent verify or lapse is not overwritten.
            claim = await _claim(tx, claim.realm_id, claim.organization_id, claim.id)
            claim.auto_join = auto_join
            await tx.domains(claim.realm_id).update(claim)
            await record(
                tx,
                actor,
                "domain.updated",
                "domain",
                claim.id,
                realm_id=claim.realm_id,
                organization_id=claim.organization_id,
                details={"auto_join": auto_join},
            )
        return claim

    async def delete(self, actor: Actor, realm_ref: str, org_ref: str, claim_id: str) -> None:
        claim = await self.get(actor, realm_ref, org_ref, claim_id)
        require(actor, "domains:write")
        async with self.ports.control.transaction() as tx:
            await tx.domains(claim.realm_id).delete(claim.id)
            await record(
                tx,
                actor,
                "domain.deleted",
                "domain",
                claim.id,
                realm_id=claim.realm_id,
                organization_id=claim.organization_id,
                details={"domain": claim.domain},
            )

    async def recheck(self, limit: int = 500) -> RecheckResult:
        """F3: re-check verified claims, least recently checked first; a missing record lapses the claim."""
        actor = system_actor("domain-recheck")
        async with self.ports.control.transaction() as tx:
            due = await tx.domain_registry.due_for_check(limit)
        lapsed = []
        for claim in due:
            try:
                published = await self._published(claim)
            except Unavailable:
                continue  # a resolver outage is not evidence that the record is gone
            async with self.ports.control.transaction() as tx:
                # Re-read: the claim may have been deleted, lapsed or edited while DNS was asked.
                current = await tx.domains(claim.realm_id).get(claim.id)
                if current is None or current.status != "verified":
                    continue
                claim = current
                claim.checked_at = self.ports.clock.now()
                if not published:
                    claim.status = "lapsed"
                    lapsed.append(claim.domain)
                    await record(
                        tx,
                        actor,
                        "domain.lapsed",
                        "domain",
                        claim.id,
                        realm_id=claim.realm_id,
                        organization_id=claim.organization_id,
                        details={"domain": claim.domain},
                    )
                await tx.domains(claim.realm_id).update(claim)
        return RecheckResult(checked=len(due), lapsed=lapsed)
