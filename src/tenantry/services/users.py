"""Users of a realm: created in their connection's data plane, found only through a known plane."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from tenantry.core import names
from tenantry.core.connection import Connection
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import Identity, User
from tenantry.ports.data import DataTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports

EDITABLE = ("name", "given_name", "family_name", "email_verified", "blocked", "app_metadata", "user_metadata")


@dataclass(slots=True)
class Placement:
    realm: Realm
    connection: Connection
    plane: DataPlane


class UserService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def _placement(self, actor: Actor, realm_ref: str, connection_ref: str, scope: str) -> Placement:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, connection_ref)
            require(actor, scope, realm_level=True)
            return Placement(realm, connection, await lookup.plane(tx, connection.data_plane_id))

    async def check_password(self, realm: Realm, connection: Connection, password: str) -> None:
        """D9: the connection's policy, the common list and the realm's breached list."""
        async with self.ports.control.transaction() as tx:
            breached = await tx.realms.breached(realm.id, _sha1(password))
        connection.password_policy.check(
            password, self.ports.common_passwords, {_sha1(password)} if breached else set()
        )

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        *,
        connection: str,
        email: str,
        password: str | None = None,
        name: str | None = None,
        email_verified: bool = False,
        **profile: Any,
    ) -> User:
        where = await self._placement(actor, realm_ref, connection, "users:write")
        if where.connection.kind != "database":
            raise InvalidInput(
                "users of enterprise connections are created by their IdP", code="unsupported_connection_kind"
            )
        address = names.email(email)
        if password is None:
            raise InvalidInput("a database user needs a password", code="password_required")
        await self.check_password(where.realm, where.connection, password)
        password_hash = await self.ports.hasher.hash(password)
        now = self.ports.clock.now()
        user = User(
            id=self.ports.new_id("usr"),
            realm_id=where.realm.id,
            connection_id=where.connection.id,
            email=address,
            created_at=now,
            updated_at=now,
            email_verified=email_verified,
            name=name,
            **_profile(profile),
        )
        async with self.ports.planes.transaction(where.plane, where.realm.id) as data:
            if await data.users.by_email(where.connection.id, address):
                raise Conflict("a user with this email exists in the connection", code="user_exists")
            await store_database_user(data, user, password_hash)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "user.created",
                "user",
                user.id,
                realm_id=where.realm.id,
                details={"connection": where.connection.name},
            )
        return user

    async def _plane(self, actor: Actor, realm_ref: str, connection: str | None, scope: str) -> tuple[Realm, DataPlane]:
        """The one plane a lookup may read: the named connection's, else the realm's home plane (DESIGN 3)."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, scope, realm_level=True)
            found = await lookup.connection(tx, realm.id, connection) if connection else None
            return realm, await lookup.plane(tx, found.data_plane_id if found else realm.home_plane_id)

    async def get(
        self, actor: Actor, realm_ref: str, user_id: str, *, connection: str | None = None, scope: str = "users:read"
    ) -> tuple[User, DataPlane]:
        realm, plane = await self._plane(actor, realm_ref, connection, scope)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(user_id)
        if user is None:
            raise NotFound("no such user", code="user_not_found")
        return user, plane

    async def list(
        self,
        actor: Actor,
        realm_ref: str,
        page: PageRequest,
        *,
        email: str | None = None,
        connection: str | None = None,
    ) -> Page[User]:
        """Lists the realm's home plane, or the plane of the named connection (no search across planes)."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "users:read", realm_level=True)
            found = await lookup.connection(tx, realm.id, connection) if connection else None
            plane = await lookup.plane(tx, found.data_plane_id if found else realm.home_plane_id)
        address = names.email(email) if email else None
        async with self.ports.planes.transaction(plane, realm.id) as data:
            return await data.users.list(page, connection_id=found.id if found else None, email=address)

    async def update(
        self, actor: Actor, realm_ref: str, user_id: str, changes: dict[str, Any], *, connection: str | None = None
    ) -> User:
        user, plane = await self.get(actor, realm_ref, user_id, connection=connection, scope="users:write")
        for key in EDITABLE:
            if key in changes:
                setattr(user, key, changes[key])
        for key in ("app_metadata", "user_metadata"):
            names.user_metadata(getattr(user, key), key)
        user.updated_at = self.ports.clock.now()
        async with self.ports.planes.transaction(plane, user.realm_id) as data:
            await data.users.update(user)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "user.updated",
                "user",
                user.id,
                realm_id=user.realm_id,
                details={"fields": sorted(set(changes) & set(EDITABLE))},
            )
        return user

    async def delete(self, actor: Actor, realm_ref: str, user_id: str, *, connection: str | None = None) -> None:
        """Deleting a user is allowed even in an isolated organization (C2); memberships go with it."""
        user, plane = await self.get(actor, realm_ref, user_id, connection=connection, scope="users:write")
        async with self.ports.planes.transaction(plane, user.realm_id) as data:
            await data.users.delete(user.id)
        async with self.ports.control.transaction() as tx:
            await record(tx, actor, "user.deleted", "user", user.id, realm_id=user.realm_id)


async def store_database_user(data: DataTransaction, user: User, password_hash: str) -> None:
    """A password user, its credential and its own identity, written together (admin API and sign-up)."""
    await data.users.add(user)
    await data.credentials.set_password(user.id, password_hash)
    await data.identities.add(Identity(user.id, user.realm_id, user.connection_id, "", user.id))


def _profile(profile: dict[str, Any]) -> dict[str, Any]:
    allowed = {"given_name", "family_name", "app_metadata", "user_metadata"}
    unknown = set(profile) - allowed
    if unknown:
        raise InvalidInput("unknown user fields", code="unknown_field", details={"fields": sorted(unknown)})
    for key in ("app_metadata", "user_metadata"):
        if key in profile:
            names.user_metadata(profile[key], key)
    return profile


def _sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest()  # noqa: S324
