"""Self sign-up into a database connection that allows it (SPEC D9, S7).

Refusals that depend on who already exists share one wording and cost one password hash, like a
sign-up that succeeds; only reasons that hold for any email (format, password policy) are named.
"""

from __future__ import annotations

from dataclasses import dataclass

from tenantry.core import names
from tenantry.core.audit import realm_stream
from tenantry.core.connection import Connection
from tenantry.core.errors import Conflict, InvalidInput
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import PageRequest

from .context import Ports
from .login_organization import context_organization
from .users import UserService, store_database_user

GENERIC_REFUSAL = "We could not create an account with these details. If you already have an account, sign in instead."
MAX_NAME = 255


@dataclass(frozen=True, slots=True)
class Target:
    """Where a sign-up creates its user, and the connections its email must not already be in (B6)."""

    connection: Connection
    plane: DataPlane
    organization_id: str | None
    scope: frozenset[str]


@dataclass(frozen=True, slots=True)
class Refused:
    message: str


async def signup_target(tx: ControlTransaction, realm: Realm, organization_ref: str | None) -> Target | None:
    """The oldest database connection with sign-up on, among those the login's organization accepts (B4),
    or without organization context among the realm's shared connections in its home plane."""
    repo = tx.connections(realm.id)
    organization = await context_organization(tx, realm.id, organization_ref)
    if organization is not None:
        scope = frozenset(link.connection_id for link in await repo.enabled_for(organization.id))
        candidates = [found for found in [await repo.get(ref) for ref in sorted(scope)] if found is not None]
    elif organization_ref is None:
        listed = (await repo.list(PageRequest(limit=200))).items
        candidates = [c for c in listed if c.organization_id is None and c.data_plane_id == realm.home_plane_id]
        scope = frozenset()
    else:
        return None
    usable = sorted((c for c in candidates if c.signup_enabled), key=lambda c: c.id)
    plane = await tx.planes.get(usable[0].data_plane_id) if usable else None
    if plane is None:
        return None
    organization_id = organization.id if organization else None
    return Target(usable[0], plane, organization_id, scope or frozenset({usable[0].id}))


class Signup:
    def __init__(self, ports: Ports):
        self.ports = ports
        self.users = UserService(ports)

    async def target(self, realm: Realm, organization_ref: str | None) -> Target | None:
        async with self.ports.control.transaction() as tx:
            return await signup_target(tx, realm, organization_ref)

    async def register(self, realm: Realm, target: Target, email: str, name: str, password: str) -> User | Refused:
        """A new user with ``email_verified`` false, or the reason shown on the form; nothing is written on refusal."""
        try:
            address = names.email(email)
        except InvalidInput:
            return Refused("Enter a valid email address.")
        name = name.strip()
        if not name or len(name) > MAX_NAME:
            return Refused(f"Enter your name (at most {MAX_NAME} characters).")
        try:
            await self.users.check_password(realm, target.connection, password)
        except InvalidInput as exc:
            return Refused(_policy_message(exc.details))
        password_hash = await self.ports.hasher.hash(password)
        now = self.ports.clock.now()
        user = User(
            id=self.ports.new_id("usr"),
            realm_id=realm.id,
            connection_id=target.connection.id,
            email=address,
            created_at=now,
            updated_at=now,
            name=name,
        )
        try:
            async with self.ports.planes.transaction(target.plane, realm.id) as data:
                await data.lock(f"email:{address}")
                if any(u.connection_id in target.scope for u in await data.users.with_email(address)):
                    return Refused(GENERIC_REFUSAL)
                await store_database_user(data, user, password_hash)
        except Conflict:
            return Refused(GENERIC_REFUSAL)
        async with self.ports.control.transaction() as tx:
            await tx.audit.append(
                stream=realm_stream(realm.id),
                actor=f"user:{user.id}",
                action="user.signed_up",
                target_type="user",
                target_id=user.id,
                request_id=None,
                realm_id=realm.id,
                organization_id=target.organization_id,
                details={"connection": target.connection.name},
            )
        return user


def _policy_message(details: dict[str, object]) -> str:
    """D9 reasons in words; they hold for any email, so naming them reveals nothing about accounts."""
    reasons = details.get("reasons")
    words = {
        "too_short": f"Use at least {details.get('min_length')} characters.",
        "too_long": f"Use at most {details.get('max_length')} characters.",
        "too_common": "This password is too common.",
        "breached": "This password has appeared in a data breach.",
    }
    said = [words[reason] for reason in reasons if reason in words] if isinstance(reasons, list) else []
    return " ".join(["Choose another password.", *said])
