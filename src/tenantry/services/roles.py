"""Roles and permissions per realm (SPEC B5). A deleted role leaves every membership that held it."""

from __future__ import annotations

import builtins
from typing import Any

from tenantry.core import names
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.ids import has_prefix
from tenantry.core.role import PERMISSION, Role
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports


def _permissions(values: builtins.list[str]) -> builtins.list[str]:
    bad = [value for value in values if not PERMISSION.match(value)]
    if bad:
        raise InvalidInput("invalid permission names", code="invalid_permission", details={"permissions": bad})
    return sorted(set(values))


async def _role(tx: ControlTransaction, realm_id: str, ref: str) -> Role:
    repo = tx.roles(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "rol") else repo.by_name(ref))
    if found is None:
        raise NotFound("no such role", code="role_not_found")
    return found


class RoleService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        *,
        name: str,
        description: str = "",
        permissions: builtins.list[str] | None = None,
    ) -> Role:
        names.slug(name, "role")
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "roles:write", realm_level=True)
            if await tx.roles(realm.id).by_name(name):
                raise Conflict("a role with this name exists", code="role_exists", details={"name": name})
            role = Role(
                self.ports.new_id("rol"),
                realm.id,
                name,
                self.ports.clock.now(),
                description,
                _permissions(permissions or []),
            )
            await tx.roles(realm.id).add(role)
            await record(tx, actor, "role.created", "role", role.id, realm_id=realm.id, details={"name": name})
        return role

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> Role:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            role = await _role(tx, realm.id, ref)
            require(actor, "roles:read")
            return role

    async def list(self, actor: Actor, realm_ref: str, page: PageRequest) -> Page[Role]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "roles:read")
            return await tx.roles(realm.id).list(page)

    async def update(self, actor: Actor, realm_ref: str, ref: str, changes: dict[str, Any]) -> Role:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            role = await _role(tx, realm.id, ref)
            require(actor, "roles:write", realm_level=True)
            if "description" in changes:
                role.description = changes["description"]
            if "permissions" in changes:
                role.permissions = _permissions(changes["permissions"])
            await tx.roles(realm.id).update(role)
            await record(
                tx, actor, "role.updated", "role", role.id, realm_id=realm.id, details={"fields": sorted(changes)}
            )
        return role

    async def delete(self, actor: Actor, realm_ref: str, ref: str) -> None:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            role = await _role(tx, realm.id, ref)
            require(actor, "roles:write", realm_level=True)
            planes = await lookup.realm_planes(tx, realm)
        for plane in planes:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                await data.memberships.remove_role(role.name)
        async with self.ports.control.transaction() as tx:
            await tx.roles(realm.id).delete(role.id)
            await record(tx, actor, "role.deleted", "role", role.id, realm_id=realm.id, details={"name": role.name})
