"""What accepting an invitation checks and writes, and the pages its refusals show (SPEC B3, B4, C1, E2, E3)."""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core.errors import InvalidInput
from tenantry.core.invitation import Invitation
from tenantry.core.membership import Membership
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.control import ControlTransaction
from tenantry.ports.data import DataTransaction

from .context import Ports
from .memberships import MembershipService, Scope
from .signup import Target

ASK_AGAIN = "Ask the person who invited you for a new invitation."


@dataclass(frozen=True, slots=True)
class Refusal:
    """A clear page instead of the membership: its status, stable error code and words."""

    status: int
    error: str
    description: str


class Refused(Exception):
    """Raised inside the acceptance transaction so that it rolls back; carries the page to show."""

    def __init__(self, refusal: Refusal):
        super().__init__(refusal.error)
        self.refusal = refusal


REFUSALS = {
    None: Refusal(400, "invitation_invalid", f"This invitation link is not valid. {ASK_AGAIN}"),
    "expired": Refusal(410, "invitation_expired", f"This invitation has expired. {ASK_AGAIN}"),
    "revoked": Refusal(410, "invitation_revoked", f"This invitation was withdrawn. {ASK_AGAIN}"),
    "accepted": Refusal(
        410, "invitation_used", "This invitation has already been used. Sign in from the application instead."
    ),
}
WRONG_EMAIL = Refusal(
    403,
    "invitation_email_mismatch",
    "This invitation was sent to another email address. Sign in or create an account with that address.",
)


def refusal_for(status: str | None) -> Refusal:
    """E3: the page for an unknown, expired, revoked or used invitation."""
    return REFUSALS.get(status, REFUSALS[None])


async def invitation_target(tx: ControlTransaction, realm: Realm, organization_id: str) -> Target | None:
    """The oldest database connection the organization accepts (B4); for an isolated organization its own (C5)."""
    repo = tx.connections(realm.id)
    scope = frozenset(link.connection_id for link in await repo.enabled_for(organization_id))
    found = [c for c in [await repo.get(ref) for ref in sorted(scope)] if c is not None and c.kind == "database"]
    plane = await tx.planes.get(found[0].data_plane_id) if found else None
    if plane is None:
        return None
    return Target(found[0], plane, organization_id, scope)


async def admit(
    ports: Ports,
    data: DataTransaction,
    scope: Scope,
    user: User,
    invitation: Invitation,
) -> Membership:
    """The membership with the invited roles, under the rules any membership obeys; raises ``Refused`` otherwise."""
    realm, organization = scope.realm, scope.organization
    if user.email != invitation.email:
        raise Refused(WRONG_EMAIL)
    current = {m.organization_id for m in await data.memberships.for_user(user.id)}
    async with ports.control.transaction() as tx:
        enabled = {link.connection_id for link in await tx.connections(realm.id).enabled_for(organization.id)}
        home = await tx.connections(realm.id).get(user.connection_id)
        isolated = await tx.organizations(realm.id).isolated_among(sorted(current | {organization.id}))
        known = (
            {role.name for role in await tx.roles(realm.id).by_names(invitation.roles)} if invitation.roles else set()
        )
    if user.connection_id not in enabled:
        raise Refused(WRONG_EMAIL)
    roles = [name for name in invitation.roles if name in known]
    existing = await data.memberships.get(organization.id, user.id)
    if existing is not None:
        existing.roles = sorted(set(existing.roles) | set(roles))
        await data.memberships.update(existing)
        return existing
    await data.lock(*(f"org:{org_id}" for org_id in sorted(current | {organization.id})), shared=True)
    organization.isolated = organization.id in isolated
    try:
        MembershipService._admissible(
            scope, current, isolated - {organization.id}, home.organization_id if home else None
        )
    except InvalidInput as exc:
        raise Refused(Refusal(403, exc.code, _membership_words(realm, exc.code))) from exc
    membership = Membership(realm.id, organization.id, user.id, ports.clock.now(), roles, "invite")
    await data.memberships.add(membership)
    return membership


def _membership_words(realm: Realm, code: str) -> str:
    label = realm.settings.organization_label
    if code == "isolated_member":
        return f"Your account belongs to an isolated {label} and cannot join another one. {ASK_AGAIN}"
    return f"Your account cannot join another {label} (the limit is reached). {ASK_AGAIN}"
