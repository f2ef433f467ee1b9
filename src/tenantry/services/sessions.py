"""The session limits that apply to a login context (SPEC D8, S8), for the login and the token endpoint.

The organization's policy is read (through the configuration cache) at every use of a session,
so a tightened policy applies to sessions already open.
"""

from __future__ import annotations

from tenantry.core.policy import merge
from tenantry.core.realm import Realm
from tenantry.tenancy.sessions import SessionLimits

from .configuration import Configuration
from .context import Ports


class SessionLifetimes:
    def __init__(self, ports: Ports, configuration: Configuration):
        self.ports = ports
        self.configuration = configuration

    def for_realm(self, realm: Realm) -> SessionLimits:
        """The limits before an organization is known: the realm's policy, or the deployment's defaults."""
        defaults = SessionLimits.minutes(self.ports.session_idle_minutes, self.ports.session_absolute_minutes)
        return defaults.for_realm(realm.policy)

    async def for_context(self, realm: Realm, organization_id: str | None) -> SessionLimits:
        """The realm's limits, shortened by the organization's merged policy when it is the login context."""
        limits = self.for_realm(realm)
        if organization_id is None:
            return limits
        organization = await self.configuration.organization(realm.id, organization_id)
        return limits if organization is None else limits.within(merge(realm.policy, organization.policy))
