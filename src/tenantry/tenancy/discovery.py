"""Home-realm discovery (SPEC D6): an email's domain selects an organization only through a
verified claim; pending and lapsed claims never route."""

from __future__ import annotations

from tenantry.core import names
from tenantry.core.domain import DomainClaim
from tenantry.core.errors import InvalidInput
from tenantry.ports.control import DomainRepository


async def home_organization(domains: DomainRepository, email: str) -> DomainClaim | None:
    """The verified claim for the email's domain in this realm, or None (use the realm's default)."""
    try:
        domain = names.email_domain(names.email(email))
    except InvalidInput:
        return None
    claim = await domains.verified(domain)
    return claim if claim is not None and claim.routes else None
