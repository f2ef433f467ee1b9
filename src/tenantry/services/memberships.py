"""Memberships and the connections an organization accepts (SPEC B3 to B6, C1, C2)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass

from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.membership import Membership, MembershipSource
from tenantry.core.organization import Organization
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.ports.control import ControlTransaction, EnabledConnection
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports

MAX_COLLISIONS_REPORTED = 100


@dataclass(slots=True)
class Scope:
    realm: Realm
    organization: Organization
    plane: DataPlane


async def _roles_exist(tx: ControlTransaction, realm_id: str, roles: builtins.list[str]) -> builtins.list[str]:
    wanted = sorted(set(roles))
    found = {role.name for role in await tx.roles(realm_id).by_names(wanted)} if wanted else set()
    missing = [name for name in wanted if name not in found]
    if missing:
        raise InvalidInput("unknown roles", code="unknown_role", details={"roles": missing})
    return wanted


class MembershipService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def _scope(self, tx: ControlTransaction, actor: Actor, realm_ref: str, org_ref: str) -> Scope:
        realm = await lookup.realm(tx, actor, realm_ref)
        organization = await lookup.organization(tx, actor, realm.id, org_ref)
        return Scope(realm, organization, await lookup.plane(tx, organization.data_plane_id))

    async def add(
        self,
        actor: Actor,
        realm_ref: str,
        org_ref: str,
        user_id: str,
        roles: builtins.list[str] | None = None,
        source: MembershipSource = "admin",
    ) -> Membership:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "members:write")
            wanted = await _roles_exist(tx, scope.realm.id, roles or [])
        org = scope.organization
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            # The user's lock serialises its own membership changes (B3, C1); shared locks on the
            # organizations involved keep each of them from turning isolated meanwhile (C3).
            await data.lock(f"user:{user_id}")
            user = await data.users.get(user_id)
            if user is None:
                raise NotFound("no such user", code="user_not_found")
            current = {m.organization_id for m in await data.memberships.for_user(user.id)}
            if org.id in current:
                raise Conflict("the user is already a member", code="membership_exists")
            await data.lock(*(f"org:{org_id}" for org_id in sorted(current | {org.id})), shared=True)
            async with self.ports.control.transaction() as tx:
                home = await tx.connections(scope.realm.id).get(user.connection_id)
                isolated = await tx.organizations(scope.realm.id).isolated_among(sorted(current | {org.id}))
            scope.organization.isolated = org.id in isolated
            self._admissible(scope, current, isolated - {org.id}, home.organization_id if home else None)
            membership = Membership(scope.realm.id, org.id, user.id, self.ports.clock.now(), wanted, source)
            await data.memberships.add(membership)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "membership.created",
                "user",
                user_id,
                realm_id=scope.realm.id,
                organization_id=org.id,
                details={"roles": wanted, "source": source},
            )
        return membership

    @staticmethod
    def _admissible(scope: Scope, current: set[str], isolated_elsewhere: set[str], owner: str | None) -> None:
        """C1 both ways, the owned-connection rule, and the realm's membership cap (B3)."""
        org = scope.organization
        if owner is not None and owner != org.id:
            raise InvalidInput("the user belongs to an isolated organization", code="isolated_member")
        if isolated_elsewhere:
            raise InvalidInput("the user belongs to an isolated organization", code="isolated_member")
        if org.isolated and current:
            raise InvalidInput(
                "members of an isolated organization cannot belong to another organization",
                code="isolated_member",
                details={"organization_ids": sorted(current)},
            )
        cap = scope.realm.settings.max_orgs_per_user
        if cap is not None and len(current) >= cap:
            raise InvalidInput(
                "the user has reached the realm's membership cap",
                code="membership_limit",
                details={"max_orgs_per_user": cap},
            )

    async def remove(self, actor: Actor, realm_ref: str, org_ref: str, user_id: str) -> None:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "members:write")
        if scope.organization.isolated:
            raise InvalidInput(
                "members of an isolated organization cannot be removed; delete the user instead",
                code="isolated_member_removal",
            )
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            await data.lock(f"user:{user_id}")
            if not await data.memberships.delete(scope.organization.id, user_id):
                raise NotFound("no such member", code="member_not_found")
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "membership.deleted",
                "user",
                user_id,
                realm_id=scope.realm.id,
                organization_id=scope.organization.id,
            )

    async def set_roles(
        self, actor: Actor, realm_ref: str, org_ref: str, user_id: str, roles: builtins.list[str]
    ) -> Membership:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "members:write")
            wanted = await _roles_exist(tx, scope.realm.id, roles)
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            membership = await data.memberships.get(scope.organization.id, user_id)
            if membership is None:
                raise NotFound("no such member", code="member_not_found")
            membership.roles = wanted
            await data.memberships.update(membership)
        async with self.ports.control.transaction() as tx:
            await record(
                tx,
                actor,
                "membership.roles_set",
                "user",
                user_id,
                realm_id=scope.realm.id,
                organization_id=scope.organization.id,
                details={"roles": wanted},
            )
        return membership

    async def list(self, actor: Actor, realm_ref: str, org_ref: str, page: PageRequest) -> Page[Membership]:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "members:read")
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            return await data.memberships.for_organization(scope.organization.id, page)

    async def get(self, actor: Actor, realm_ref: str, org_ref: str, user_id: str) -> Membership:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "members:read")
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            membership = await data.memberships.get(scope.organization.id, user_id)
        if membership is None:
            raise NotFound("no such member", code="member_not_found")
        return membership

    async def enable_connection(
        self, actor: Actor, realm_ref: str, org_ref: str, connection_ref: str, *, auto_membership: bool = False
    ) -> EnabledConnection:
        """B4 and B6: refuse a connection whose identifiers collide with those already enabled, listing them."""
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "organizations:write", realm_level=True)
            connection = await lookup.connection(tx, scope.realm.id, connection_ref)
            if connection.organization_id not in (None, scope.organization.id):
                raise InvalidInput("the connection belongs to another organization", code="connection_owned")
            enabled = [
                link.connection_id for link in await tx.connections(scope.realm.id).enabled_for(scope.organization.id)
            ]
            others = [c for c in enabled if c != connection.id]
            plane = await lookup.plane(tx, connection.data_plane_id)
        async with self.ports.planes.transaction(plane, scope.realm.id) as data:
            collisions = await data.users.colliding_emails(connection.id, others, MAX_COLLISIONS_REPORTED)
        if collisions:
            raise Conflict(
                "enabling this connection would make identifiers ambiguous in the organization",
                code="identifier_collision",
                details={"collisions": collisions},
            )
        link = EnabledConnection(scope.organization.id, connection.id, auto_membership)
        async with self.ports.control.transaction() as tx:
            await tx.connections(scope.realm.id).enable(link)
            await record(
                tx,
                actor,
                "organization.connection_enabled",
                "connection",
                connection.id,
                realm_id=scope.realm.id,
                organization_id=scope.organization.id,
                details={"auto_membership": auto_membership},
            )
        return link

    async def disable_connection(self, actor: Actor, realm_ref: str, org_ref: str, connection_ref: str) -> None:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "organizations:write", realm_level=True)
            connection = await lookup.connection(tx, scope.realm.id, connection_ref)
            if not await tx.connections(scope.realm.id).disable(scope.organization.id, connection.id):
                raise NotFound("the connection is not enabled for this organization", code="connection_not_enabled")
            await record(
                tx,
                actor,
                "organization.connection_disabled",
                "connection",
                connection.id,
                realm_id=scope.realm.id,
                organization_id=scope.organization.id,
            )

    async def connections(self, actor: Actor, realm_ref: str, org_ref: str) -> builtins.list[EnabledConnection]:
        async with self.ports.control.transaction() as tx:
            scope = await self._scope(tx, actor, realm_ref, org_ref)
            require(actor, "organizations:read")
            return await tx.connections(scope.realm.id).enabled_for(scope.organization.id)
