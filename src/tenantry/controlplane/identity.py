"""The identity side of a customer (SPEC L3): an isolated organization on the customer's plane, or
(Pattern B) its own realm with keys, custom domain, a database connection and an organization.

Everything is create-or-get under ids reserved when the Customer row was made, so a rerun after
a crash finds what the first run made instead of making it twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from tenantry.core.customer import Customer
from tenantry.core.errors import Conflict
from tenantry.ports.control import EnabledConnection
from tenantry.services.access import Actor
from tenantry.services.connections import new_database_connection
from tenantry.services.context import Ports
from tenantry.services.organizations import OrganizationService
from tenantry.services.realms import RealmService

MEMBERS_CONNECTION = "members"


class ApplicationSetup(Protocol):
    """Extension point for the applications a new customer gets (OIDC clients, SAML service providers).

    Each setup is called at the end of the identity step with the customer's realm and organization
    and returns what it made (ids, metadata URLs); it must be create-or-get by a natural key, since a
    rerun calls it again. None is registered by default.
    """

    name: str

    async def ensure(self, actor: Actor, customer: Customer, realm_id: str, organization_id: str) -> dict[str, Any]: ...


@dataclass(slots=True)
class IdentityMaker:
    ports: Ports
    applications: tuple[ApplicationSetup, ...] = ()

    async def isolated_organization(self, actor: Actor, customer: Customer, plane_id: str) -> dict[str, Any]:
        realm_id, org_id = customer.realm_id or "", customer.organization_id or ""
        async with self.ports.control.transaction() as tx:
            found = await tx.organizations(realm_id).get(org_id)
        if found is None:
            await OrganizationService(self.ports).create(
                actor,
                realm_id,
                name=customer.slug,
                display_name=customer.name,
                isolated=True,
                metadata={"customer": customer.slug},
                organization_id=org_id,
                data_plane_id=plane_id,
            )
        return await self._finish(actor, customer, realm_id, org_id)

    async def own_realm(
        self, actor: Actor, customer: Customer, plane_name: str, custom_domain: str | None
    ) -> dict[str, Any]:
        realm_id, org_id = customer.realm_id or "", customer.organization_id or ""
        async with self.ports.control.transaction() as tx:
            realm = await tx.realms.get(realm_id)
        if realm is None:
            realm = await RealmService(self.ports).create(
                actor,
                name=customer.slug,
                display_name=customer.name,
                custom_domain=custom_domain,
                plane=plane_name,
                realm_id=realm_id,
            )
        async with self.ports.control.transaction() as tx:
            connection = await tx.connections(realm_id).by_name(MEMBERS_CONNECTION)
            if connection is None:
                connection = await new_database_connection(
                    self.ports, tx, realm_id=realm_id, name=MEMBERS_CONNECTION, data_plane_id=realm.home_plane_id
                )
            organization = await tx.organizations(realm_id).get(org_id)
        if organization is None:
            await OrganizationService(self.ports).create(
                actor,
                realm_id,
                name=customer.slug,
                display_name=customer.name,
                metadata={"customer": customer.slug},
                organization_id=org_id,
            )
        async with self.ports.control.transaction() as tx:
            links = await tx.connections(realm_id).enabled_for(org_id)
            if connection.id not in {link.connection_id for link in links}:
                await tx.connections(realm_id).enable(EnabledConnection(org_id, connection.id))
        return await self._finish(actor, customer, realm_id, org_id, extra=[connection.id])

    async def _finish(
        self, actor: Actor, customer: Customer, realm_id: str, org_id: str, extra: list[str] | None = None
    ) -> dict[str, Any]:
        async with self.ports.control.transaction() as tx:
            owned = [c.id for c in await tx.connections(realm_id).owned_by(org_id)]
            organization = await tx.organizations(realm_id).get(org_id)
        if organization is None or organization.metadata.get("customer") != customer.slug:
            raise Conflict("the customer's organization is held by someone else", code="organization_exists")
        applications = {
            setup.name: await setup.ensure(actor, customer, realm_id, org_id) for setup in self.applications
        }
        return {
            "realm_id": realm_id,
            "organization_id": org_id,
            "connection_ids": sorted(set(owned + (extra or []))),
            "applications": applications,
        }
