"""The organization a login runs in, before the user is known (SPEC D1, D3, D6).

Only this realm's organizations are looked up; an unknown name gets the same answer whatever
exists elsewhere, and an email selects an organization only through a verified domain claim.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core import names
from tenantry.core.errors import InvalidInput
from tenantry.core.ids import has_prefix
from tenantry.core.organization import Organization
from tenantry.core.realm import Realm
from tenantry.flows.login import organization_answer
from tenantry.ports.control import ControlTransaction
from tenantry.tenancy.discovery import home_organization


@dataclass(frozen=True, slots=True)
class Selection:
    organization: Organization | None = None
    email: str | None = None
    """The work email that found the organization: the login's identifier from then on."""
    error: str | None = None


async def context_organization(tx: ControlTransaction, realm_id: str, ref: str | None) -> Organization | None:
    """The organization an id or a name refers to in this realm (D4), or None."""
    if ref is None:
        return None
    repo = tx.organizations(realm_id)
    return await (repo.get(ref) if has_prefix(ref, "org") else repo.by_name(ref))


async def select_organization(tx: ControlTransaction, realm: Realm, name: str, email: str) -> Selection:
    """A name selects that organization; an email selects the one organization verified for its domain."""
    label = realm.settings.organization_label
    kind, value = organization_answer(name, email)
    if kind == "missing":
        return Selection(error=f"Enter your {label}'s name or your work email.")
    if kind == "both":
        return Selection(error=f"Enter your {label}'s name or your work email, not both.")
    if kind == "name":
        valid = names.ORGANIZATION_NAME.fullmatch(value) is not None
        found = await tx.organizations(realm.id).by_name(value) if valid else None
        if found is None:
            return Selection(error=f"We could not find that {label}. Check the name and try again.")
        return Selection(organization=found)
    try:
        address = names.email(value)
    except InvalidInput:
        return Selection(error="Enter a valid email address.")
    claim = await home_organization(tx.domains(realm.id), address)
    found = await tx.organizations(realm.id).get(claim.organization_id) if claim else None
    if found is None:
        return Selection(error=f"No {label} uses that email's domain. Enter your {label}'s name instead.")
    return Selection(organization=found, email=address)
