"""The configuration the provider reads on every request, through the per-process cache.

Only reads that tolerate nothing staler than a change notification go through here (see
``services.cache``); admin reads and every write use their own transactions.
"""

from __future__ import annotations

from tenantry.core.application import Application
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.role import Role
from tenantry.tenancy.edge import resolve_realm

from .cache import ControlCache
from .context import Ports


class Configuration:
    def __init__(self, ports: Ports, cache: ControlCache):
        self.ports = ports
        self.cache = cache

    async def by_name(self, name: str) -> Realm | None:
        async def load() -> Realm | None:
            async with self.ports.control.transaction() as tx:
                return await tx.realms.by_name(name)

        return await self.cache.get(("realm-name", name), load)

    async def by_custom_domain(self, domain: str) -> Realm | None:
        async def load() -> Realm | None:
            async with self.ports.control.transaction() as tx:
                return await tx.realms.by_custom_domain(domain)

        return await self.cache.get(("realm-domain", domain), load)

    async def realm_at(self, *, host: str, path_realm: str | None, base_host: str) -> Realm:
        """The edge's realm resolution (``tenancy.edge``), failing closed with 404."""
        return await resolve_realm(self, host=host, path_realm=path_realm, base_host=base_host)

    async def application(self, realm_id: str, client_id: str) -> Application | None:
        async def load() -> Application | None:
            async with self.ports.control.transaction() as tx:
                return await tx.applications(realm_id).by_client_id(client_id)

        return await self.cache.get(("application", realm_id, client_id), load)

    async def organization(self, realm_id: str, ref: str) -> Organization | None:
        """By id or by name, inside the realm."""

        async def load() -> Organization | None:
            async with self.ports.control.transaction() as tx:
                repo = tx.organizations(realm_id)
                return await (repo.get(ref) if has_prefix(ref, "org") else repo.by_name(ref))

        return await self.cache.get(("organization", realm_id, ref), load)

    async def roles(self, realm_id: str, names: tuple[str, ...]) -> list[Role]:
        async def load() -> list[Role]:
            async with self.ports.control.transaction() as tx:
                return await tx.roles(realm_id).by_names(list(names)) if names else []

        return await self.cache.get(("roles", realm_id, names), load)

    async def plane(self, plane_id: str) -> DataPlane | None:
        async def load() -> DataPlane | None:
            async with self.ports.control.transaction() as tx:
                return await tx.planes.get(plane_id)

        return await self.cache.get(("plane", plane_id), load)
