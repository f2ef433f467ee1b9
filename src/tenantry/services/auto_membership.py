"""Memberships made by a login itself (source ``auto``): connection auto-membership (F1), domain auto-join (F2).

F1: the organization the login names accepts the user's connection with ``auto_membership`` on.
F2: the user's verified email is in a verified domain claim with ``auto_join`` on, of an
organization that accepts the user's connection. Each candidate goes through the same rules as an
administrator's add (``MembershipService.add``: C1 both ways, owned connections, the cap of B3),
so a member of an isolated organization, or a user of an isolated organization's own connection,
is never joined elsewhere; an isolated organization only ever auto-admits users of its own
connections. A refused candidate is skipped and the login goes on.
"""

from __future__ import annotations

from tenantry.core.domain import CONSUMER_MAIL_DOMAINS
from tenantry.core.errors import DomainError
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.control import ControlTransaction

from .access import system_actor
from .context import Ports
from .login_organization import context_organization
from .memberships import MembershipService

ACTOR = system_actor("auto-membership")


async def _accepts(tx: ControlTransaction, realm_id: str, organization: Organization, connection_id: str) -> bool:
    links = await tx.connections(realm_id).enabled_for(organization.id)
    return any(link.connection_id == connection_id for link in links)


class AutoMembership:
    def __init__(self, ports: Ports, memberships: MembershipService):
        self.ports = ports
        self.memberships = memberships

    async def apply(self, realm: Realm, plane: DataPlane, user_id: str, requested: str | None) -> list[str]:
        """Join the user to each organization F1 or F2 names and the rules allow; the ids joined."""
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(user_id)
            current = {m.organization_id for m in await data.memberships.for_user(user_id)} if user else set()
        if user is None:
            return []
        async with self.ports.control.transaction() as tx:
            candidates = await self._candidates(tx, realm, user, requested)
            owner = await tx.connections(realm.id).get(user.connection_id)
        joined = []
        for organization in candidates:
            if organization.id in current:
                continue
            if organization.isolated and (owner is None or owner.organization_id != organization.id):
                continue
            try:
                await self.memberships.add(ACTOR, realm.id, organization.id, user.id, [], source="auto")
            except DomainError:
                continue
            joined.append(organization.id)
        return joined

    async def _candidates(
        self, tx: ControlTransaction, realm: Realm, user: User, requested: str | None
    ) -> list[Organization]:
        found: dict[str, Organization] = {}
        if requested is not None:
            organization = await context_organization(tx, realm.id, requested)
            if organization is not None:
                links = await tx.connections(realm.id).enabled_for(organization.id)
                if any(link.connection_id == user.connection_id and link.auto_membership for link in links):
                    found[organization.id] = organization
        domain = user.email.rpartition("@")[2].lower()
        if user.email_verified and domain and domain not in CONSUMER_MAIL_DOMAINS:
            claim = await tx.domains(realm.id).verified(domain)
            if claim is not None and claim.routes and claim.auto_join:
                organization = await tx.organizations(realm.id).get(claim.organization_id)
                if organization is not None and await _accepts(tx, realm.id, organization, user.connection_id):
                    found.setdefault(organization.id, organization)
        return list(found.values())
