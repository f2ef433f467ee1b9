"""The configuration the provider reads on every request, through the per-process cache.

Only reads that tolerate nothing staler than a change notification go through here (see
``services.cache``); admin reads and every write use their own transactions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import TypeVar

from tenantry.core.application import Application
from tenantry.core.connection import Connection
from tenantry.core.hook import Hook
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.role import Role
from tenantry.core.saml_application import SamlApplication
from tenantry.core.scim import ScimToken
from tenantry.ports.control import ControlTransaction
from tenantry.tenancy.edge import resolve_realm

from .cache import ControlCache
from .context import Ports

T = TypeVar("T")


class Configuration:
    def __init__(self, ports: Ports, cache: ControlCache):
        self.ports = ports
        self.cache = cache

    async def _read(self, key: Hashable, read: Callable[[ControlTransaction], Awaitable[T]]) -> T:
        """``read`` in a control-plane transaction of its own, through the cache under ``key``."""

        async def load() -> T:
            async with self.ports.control.transaction() as tx:
                return await read(tx)

        return await self.cache.get(key, load)

    async def by_name(self, name: str) -> Realm | None:
        return await self._read(("realm-name", name), lambda tx: tx.realms.by_name(name))

    async def by_custom_domain(self, domain: str) -> Realm | None:
        return await self._read(("realm-domain", domain), lambda tx: tx.realms.by_custom_domain(domain))

    async def realm_at(self, *, host: str, path_realm: str | None, base_host: str) -> Realm:
        """The edge's realm resolution (``tenancy.edge``), failing closed with 404."""
        return await resolve_realm(self, host=host, path_realm=path_realm, base_host=base_host)

    async def application(self, realm_id: str, client_id: str) -> Application | None:
        key = ("application", realm_id, client_id)
        return await self._read(key, lambda tx: tx.applications(realm_id).by_client_id(client_id))

    async def saml_application(self, realm_id: str, application_id: str) -> SamlApplication | None:
        key = ("saml-application", realm_id, application_id)
        return await self._read(key, lambda tx: tx.saml_applications(realm_id).get(application_id))

    async def organization(self, realm_id: str, ref: str) -> Organization | None:
        """By id or by name, inside the realm."""

        def read(tx: ControlTransaction) -> Awaitable[Organization | None]:
            repo = tx.organizations(realm_id)
            return repo.get(ref) if has_prefix(ref, "org") else repo.by_name(ref)

        return await self._read(("organization", realm_id, ref), read)

    async def connection_named(self, realm_id: str, name: str) -> Connection | None:
        """By name, inside the realm (enterprise connections' endpoints are named after them)."""
        return await self._read(("connection-name", realm_id, name), lambda tx: tx.connections(realm_id).by_name(name))

    async def roles(self, realm_id: str, names: tuple[str, ...]) -> list[Role]:
        if not names:
            return []
        return await self._read(("roles", realm_id, names), lambda tx: tx.roles(realm_id).by_names(list(names)))

    async def connection(self, realm_id: str, connection_id: str) -> Connection | None:
        return await self._read(
            ("connection", realm_id, connection_id), lambda tx: tx.connections(realm_id).get(connection_id)
        )

    async def scim_token(self, token_hash: str) -> ScimToken | None:
        """Revoking a token writes its row, so every node's cache forgets it at once."""
        return await self._read(("scim-token", token_hash), lambda tx: tx.scim_tokens.by_hash(token_hash))

    async def plane(self, plane_id: str) -> DataPlane | None:
        return await self._read(("plane", plane_id), lambda tx: tx.planes.get(plane_id))

    async def hooks(self, realm_id: str) -> list[Hook]:
        """The realm's post-login hooks in running order (J1): read at every login."""
        return await self._read(("hooks", realm_id), lambda tx: tx.hooks(realm_id).ordered())
