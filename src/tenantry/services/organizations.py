"""Organizations: create, change, isolate (C3, C4) and delete (B2); policy is validated here (D8)."""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

from tenantry.core import names
from tenantry.core.branding import Branding
from tenantry.core.errors import Conflict, InvalidInput, IsolationBlocked
from tenantry.core.organization import Organization
from tenantry.core.policy import Policy, ensure_stricter
from tenantry.ports.control import EnabledConnection
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .connections import new_database_connection
from .context import Ports


@dataclass(slots=True)
class DeletionReport:
    """What deleting an organization removes; a dry run returns it without removing anything."""

    organization_id: str
    memberships: int
    users: int
    connections: builtins.list[str]
    deleted: bool


class OrganizationService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        *,
        name: str,
        display_name: str | None = None,
        isolated: bool = False,
        metadata: dict[str, Any] | None = None,
        policy: Policy | None = None,
        branding: Branding | None = None,
        organization_id: str | None = None,
        data_plane_id: str | None = None,
    ) -> Organization:
        """An isolated organization gets its own database connection, enabled for it (DESIGN.md section 3).

        Onboarding passes an id it reserved earlier and, for an isolated organization, the customer's
        dedicated plane, where its own connection then keeps its users (DESIGN.md section 2, L2).
        """
        if data_plane_id is not None and not isolated:
            raise InvalidInput("only an isolated organization sits on its own data plane", code="invalid_request")
        names.organization_name(name)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "organizations:write", realm_level=True)
            repo = tx.organizations(realm.id)
            if await repo.by_name(name):
                raise Conflict(
                    "an organization with this name exists", code="organization_exists", details={"name": name}
                )
            if policy is not None:
                ensure_stricter(policy, realm.policy)
            organization = Organization(
                id=organization_id or self.ports.new_id("org"),
                realm_id=realm.id,
                name=name,
                display_name=display_name or name,
                data_plane_id=data_plane_id or realm.home_plane_id,
                created_at=self.ports.clock.now(),
                isolated=isolated,
                metadata=names.organization_metadata(metadata or {}),
                policy=policy or Policy(),
                branding=branding.for_storage() if branding else {},
            )
            await repo.add(organization)
            if isolated:
                own = await new_database_connection(
                    self.ports,
                    tx,
                    realm_id=realm.id,
                    name=f"org-{name}",
                    data_plane_id=organization.data_plane_id,
                    organization_id=organization.id,
                )
                await tx.connections(realm.id).enable(EnabledConnection(organization.id, own.id))
            await record(
                tx,
                actor,
                "organization.created",
                "organization",
                organization.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"name": name, "isolated": isolated},
            )
        return organization

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> Organization:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, ref)
            require(actor, "organizations:read")
            return organization

    async def list(self, actor: Actor, realm_ref: str, page: PageRequest) -> Page[Organization]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "organizations:read")
            if actor.organization_id is not None:
                own = await tx.organizations(realm.id).get(actor.organization_id)
                return Page(items=[own] if own and not page.cursor else [])
            return await tx.organizations(realm.id).list(page)

    async def update(self, actor: Actor, realm_ref: str, ref: str, changes: dict[str, Any]) -> Organization:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, ref)
            require(actor, "organizations:write", realm_level=True)
            if "display_name" in changes:
                organization.display_name = changes["display_name"]
            if "metadata" in changes:
                organization.metadata = names.organization_metadata(changes["metadata"])
            if "branding" in changes:
                organization.branding = Branding.parse(changes["branding"]).for_storage()
            if "policy" in changes:
                policy = Policy.model_validate(changes["policy"])
                ensure_stricter(policy, realm.policy)
                organization.policy = policy
            await tx.organizations(realm.id).update(organization)
            await record(
                tx,
                actor,
                "organization.updated",
                "organization",
                organization.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"fields": sorted(changes)},
            )
        return organization

    async def isolate(self, actor: Actor, realm_ref: str, ref: str) -> Organization:
        """C3: refused while any member belongs to another organization, listing every blocker; C4 otherwise."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, ref)
            require(actor, "organizations:write", realm_level=True)
            plane = await lookup.plane(tx, organization.data_plane_id)
        if organization.isolated:
            return organization
        async with self.ports.planes.transaction(plane, realm.id) as data:
            # Exclusive on the organization: no membership change touching it runs until the flag is set.
            await data.lock(f"org:{organization.id}")
            blockers = await data.memberships.members_elsewhere(organization.id)
            if blockers:
                raise IsolationBlocked(
                    "members of this organization belong to other organizations",
                    details={"blocking_user_ids": blockers},
                )
            async with self.ports.control.transaction() as tx:
                organization.isolated = True
                await tx.organizations(realm.id).update(organization)
                await record(
                    tx,
                    actor,
                    "organization.isolated",
                    "organization",
                    organization.id,
                    realm_id=realm.id,
                    organization_id=organization.id,
                )
        return organization

    async def delete(self, actor: Actor, realm_ref: str, ref: str, *, dry_run: bool = False) -> DeletionReport:
        """B2: memberships go; users of a standard organization stay; an isolated one's users go too."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, ref)
            require(actor, "organizations:write", realm_level=True)
            owned = await tx.connections(realm.id).owned_by(organization.id)
            plane = await lookup.plane(tx, organization.data_plane_id)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            member_ids = await data.memberships.member_ids(organization.id)
            owned_users = 0
            for connection in owned:
                owned_users += await data.users.count(connection.id)
            # An isolated organization's members are exclusive to it (C1), wherever their connection is.
            shared_members = (
                []
                if not organization.isolated
                else [
                    user.id
                    for user in await data.users.get_many(member_ids)
                    if user.connection_id not in {c.id for c in owned}
                ]
            )
            users = owned_users + len(shared_members)
            members = len(member_ids)
            if not dry_run:
                await data.memberships.delete_for_organization(organization.id)
                for user_id in shared_members:
                    await data.users.delete(user_id)
                for connection in owned:
                    await data.users.delete_all(connection.id)
        report = DeletionReport(organization.id, members, users, [c.id for c in owned], deleted=not dry_run)
        if dry_run:
            return report
        async with self.ports.control.transaction() as tx:
            for connection in owned:
                await tx.connections(realm.id).delete(connection.id)
            await tx.organizations(realm.id).delete(organization.id)
            await record(
                tx,
                actor,
                "organization.deleted",
                "organization",
                organization.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"memberships": members, "users": users},
            )
        return report
