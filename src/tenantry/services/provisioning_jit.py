"""JIT provisioning for federated logins (SPEC S4, C6, H9): create or update the user, its identity and
its membership in the connection's organization, in one data-plane transaction."""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core import names
from tenantry.core.connection import Connection
from tenantry.core.errors import InvalidInput
from tenantry.core.federation import Upstream
from tenantry.core.membership import Membership
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import Identity, User
from tenantry.federation import jit
from tenantry.federation.mapping import UpstreamProfile, roles_for
from tenantry.ports.data import DataTransaction

from .context import Ports


@dataclass(frozen=True, slots=True)
class Provisioned:
    user: User
    plane: DataPlane
    organization: Organization
    roles: list[str]


def _apply(user: User, profile: UpstreamProfile, email: str, verified: bool) -> None:
    """The IdP is the source of truth for the profile it sends: each login overwrites what it names."""
    user.email, user.email_verified = email, verified
    user.name = profile.name or user.name
    user.given_name = profile.given_name or user.given_name
    user.family_name = profile.family_name or user.family_name


async def _user(
    ports: Ports,
    data: DataTransaction,
    realm: Realm,
    connection: Connection,
    profile: UpstreamProfile,
    email: str,
    decision: jit.Decision,
) -> User:
    now = ports.clock.now()
    if decision.action == "create":
        user = User(ports.new_id("usr"), realm.id, connection.id, email, now, now)
        _apply(user, profile, email, decision.email_verified)
        await data.users.add(user)
    else:
        assert decision.user_id is not None
        found = await data.users.get(decision.user_id)
        if found is None:
            raise jit.JitRefused("user_missing")
        user = found
        _apply(user, profile, email, decision.email_verified)
        user.updated_at = now
        await data.users.update(user)
    if decision.action != "update":
        await data.identities.add(Identity(user.id, realm.id, connection.id, profile.issuer, profile.subject))
    return user


async def _membership(
    ports: Ports, data: DataTransaction, realm: Realm, organization: Organization, user: User, roles: list[str] | None
) -> list[str]:
    """Mapped roles replace the membership's roles on every login; without a role mapping they are left alone."""
    membership = await data.memberships.get(organization.id, user.id)
    if membership is None:
        membership = Membership(realm.id, organization.id, user.id, ports.clock.now(), roles or [], "jit")
        await data.memberships.add(membership)
    elif roles is not None and sorted(membership.roles) != roles:
        membership.roles = roles
        await data.memberships.update(membership)
    return list(membership.roles)


async def provision(
    ports: Ports,
    realm: Realm,
    connection: Connection,
    organization: Organization,
    plane: DataPlane,
    profile: UpstreamProfile,
    verified_domains: frozenset[str],
    known_roles: set[str],
) -> Provisioned:
    """Raises ``JitRefused`` and writes nothing when the login may not proceed."""
    try:
        email = names.email(profile.email or "")
    except InvalidInput as exc:
        raise jit.JitRefused("no_email") from exc
    mapping = Upstream.stored(connection.upstream).mapping
    roles = [role for role in roles_for(profile.groups, mapping) if role in known_roles] if mapping.roles else None
    async with ports.planes.transaction(plane, realm.id) as data:
        await data.lock(
            f"identity:{connection.id}:{profile.issuer}:{profile.subject}", f"email:{connection.id}:{email}"
        )
        identity = await data.identities.find(connection.id, profile.issuer, profile.subject)
        same_email = await data.users.by_email(connection.id, email)
        decision = jit.decide(
            profile,
            identity_user_id=identity.user_id if identity else None,
            same_email_user_id=same_email.id if same_email else None,
            verified_domains=verified_domains,
            isolated=organization.isolated,
        )
        user = await _user(ports, data, realm, connection, profile, email, decision)
        if user.blocked:
            raise jit.JitRefused("user_blocked")
        granted = await _membership(ports, data, realm, organization, user, roles)
    return Provisioned(user, plane, organization, granted)
