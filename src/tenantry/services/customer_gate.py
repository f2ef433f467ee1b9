"""The login gate of suspended customers (SPEC L7): one call where a login is about to succeed.

A suspended customer's realm (Pattern B), its organization and its own connections refuse new
logins. The suspended set is read through the configuration cache (a status change is a write to
``customers``, which the change feed announces), so a login costs no extra query on a warm node.
"""

from __future__ import annotations

from dataclasses import dataclass

from .cache import ControlCache
from .context import Ports


@dataclass(frozen=True, slots=True)
class Suspended:
    realms: frozenset[str]
    organizations: frozenset[str]
    connections: frozenset[str]


class CustomerGate:
    def __init__(self, ports: Ports, cache: ControlCache):
        self.ports = ports
        self.cache = cache

    async def _suspended(self) -> Suspended:
        async def load() -> Suspended:
            async with self.ports.control.transaction() as tx:
                customers = await tx.customers.suspended()
            return Suspended(
                realms=frozenset(c.realm_id for c in customers if c.pattern == "realm" and c.realm_id),
                organizations=frozenset(c.organization_id for c in customers if c.organization_id),
                connections=frozenset(cid for c in customers for cid in c.connection_ids),
            )

        return await self.cache.get(("suspended-customers",), load)

    async def refuses(self, realm_id: str, organization_id: str | None, connection_id: str | None) -> bool:
        """True when the login belongs to a suspended customer: by realm, organization or connection."""
        suspended = await self._suspended()
        return (
            realm_id in suspended.realms
            or (organization_id is not None and organization_id in suspended.organizations)
            or (connection_id is not None and connection_id in suspended.connections)
        )
