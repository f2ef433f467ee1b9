"""The organization's login policy, enforced whenever it is the login context (SPEC D8).

Each refusal is a page that says what happened and what to do, and nothing is issued. The IP
allowlist and "SSO only" depend only on the request and the email's domain, so they are checked
before a password is; the allowed connections depend on the account, so they are checked after
the password (an unknown account must get the same answer as a wrong password, S7).
"""

from __future__ import annotations

from tenantry.core import names
from tenantry.core.errors import InvalidInput
from tenantry.core.organization import Organization
from tenantry.core.policy import Policy
from tenantry.core.realm import Realm
from tenantry.flows.login import LoginTransaction
from tenantry.tenancy.login_policy import connection_allowed, effective, ip_allowed, password_refused

from .configuration import Configuration
from .context import Ports
from .outcome import Outcome, refused


class LoginPolicy:
    def __init__(self, ports: Ports, configuration: Configuration):
        self.ports = ports
        self.configuration = configuration

    async def context(self, realm: Realm, organization_ref: str | None) -> tuple[Organization | None, Policy]:
        """The login context's organization (by id or name) and the policy in force for it."""
        organization = await self.configuration.organization(realm.id, organization_ref) if organization_ref else None
        return organization, effective(realm.policy, organization.policy if organization else None)

    def network(self, transaction: LoginTransaction, organization: Organization, policy: Policy) -> Outcome | None:
        if ip_allowed(policy, transaction.client_ip):
            return None
        return refused(
            transaction,
            403,
            "ip_not_allowed",
            f"{organization.display_name} accepts sign-ins only from its own networks. "
            "Connect through your organization's network and try again.",
        )

    async def before_password(
        self, realm: Realm, transaction: LoginTransaction, organization: Organization | None, email: str
    ) -> Outcome | None:
        """IP allowlist, then "SSO only for verified domains": decided before any password is checked."""
        if organization is None:
            return None
        policy = effective(realm.policy, organization.policy)
        blocked = self.network(transaction, organization, policy)
        if blocked is not None or not policy.sso_only_for_verified_domains:
            return blocked
        if password_refused(policy, email, await self._verified_domains(realm, organization)):
            return _sso_only(transaction, organization, email)
        return None

    async def after_authentication(
        self, realm: Realm, transaction: LoginTransaction, organization: Organization, connection_id: str, email: str
    ) -> Outcome | None:
        """Everything the organization demands of a finished authentication, short of MFA."""
        policy = effective(realm.policy, organization.policy)
        blocked = self.network(transaction, organization, policy)
        if blocked is not None:
            return blocked
        async with self.ports.control.transaction() as tx:
            connection = await tx.connections(realm.id).get(connection_id)
        name = connection.name if connection else ""
        if not connection_allowed(policy, connection_id, name):
            return refused(
                transaction,
                403,
                "connection_not_allowed",
                f"{organization.display_name} does not accept sign-ins through this account's connection. "
                "Sign in with the account your organization gave you.",
            )
        if connection is not None and connection.kind == "database" and policy.sso_only_for_verified_domains:
            if password_refused(policy, email, await self._verified_domains(realm, organization)):
                return _sso_only(transaction, organization, email)
        return None

    async def _verified_domains(self, realm: Realm, organization: Organization) -> list[str]:
        async with self.ports.control.transaction() as tx:
            claims = await tx.domains(realm.id).for_organization(organization.id)
        return [claim.domain for claim in claims if claim.routes]


def _sso_only(transaction: LoginTransaction, organization: Organization, email: str) -> Outcome:
    try:
        domain = names.email_domain(names.email(email))
    except InvalidInput:
        domain = "this domain"
    return refused(
        transaction,
        403,
        "sso_required",
        f"{organization.display_name} signs in {domain} accounts through its single sign-on only; "
        "password sign-in is turned off for them. Use your organization's sign-in.",
    )
