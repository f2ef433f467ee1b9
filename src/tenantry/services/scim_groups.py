"""SCIM groups of one connection, and the organization roles they give (SPEC H3, H4, H7, H8).

Members are users SCIM provisioned in the same connection; any other id is refused with 400 and
nothing changes. After every membership change the roles of the users involved are recomputed
from the connection's group → role mapping, in the same transaction, so they apply at once.
"""

from __future__ import annotations

from typing import Any

from scim2_models import Group, ResponseParameters

from tenantry.core.errors import Conflict
from tenantry.core.scim import ScimGroup, group_roles
from tenantry.ports.data import DataTransaction
from tenantry.protocols.scim import patch as scim_patch
from tenantry.protocols.scim.errors import InvalidValue, ResourceNotFound, Uniqueness
from tenantry.protocols.scim.query import ListRequest, list_response
from tenantry.protocols.scim.resources import (
    Meta,
    group_document,
    members,
    parse_group,
    project,
    require_version,
)

from .configuration import Configuration
from .context import Ports
from .scim_scope import Rendered, ScimScope


def _meta(scope: ScimScope, group: ScimGroup) -> Meta:
    return Meta("Group", group.created_at, group.updated_at, f"{scope.base}/Groups/{group.id}", group.version)


def _render(scope: ScimScope, group: ScimGroup, parameters: ResponseParameters[Any] | None = None) -> Rendered:
    members = [
        {"value": uid, "$ref": f"{scope.base}/Users/{uid}", "type": "User"}
        | ({"display": group.displays[uid]} if uid in group.displays else {})
        for uid in group.member_ids
    ]
    meta = _meta(scope, group)
    document = group_document(group.id, group.display_name, group.external_id, members, meta)
    return Rendered(project(document, parameters, Group), meta.etag, meta.location)


async def sync_roles(
    data: DataTransaction, scope: ScimScope, configuration: Configuration, user_ids: list[str]
) -> dict[str, list[str]]:
    """H8: set each user's roles in the token's organization to what its groups map to; return what changed.

    Only memberships SCIM created are managed; a mapped role that no longer exists in the realm is skipped.
    """
    if scope.organization is None or not user_ids:
        return {}
    mapping = scope.connection.scim_group_roles
    mapped = tuple(sorted({role for roles in mapping.values() for role in roles}))
    existing = {role.name for role in await configuration.roles(scope.realm.id, mapped)}
    groups = await data.scim_groups.of_users(scope.connection.id, user_ids)
    changed = {}
    for user_id in sorted(set(user_ids)):
        wanted = [r for r in group_roles(mapping, [g.display_name for g in groups[user_id]]) if r in existing]
        membership = await data.memberships.get(scope.organization.id, user_id)
        if membership is not None and membership.source == "scim" and sorted(membership.roles) != wanted:
            membership.roles = wanted
            await data.memberships.update(membership)
            changed[user_id] = wanted
    return changed


def _set_members(group: ScimGroup, sent: dict[str, str | None]) -> None:
    group.member_ids = sorted(sent)
    group.displays = {uid: display for uid, display in sent.items() if display is not None}


class ScimGroupService:
    def __init__(self, ports: Ports, configuration: Configuration):
        self.ports = ports
        self.configuration = configuration

    async def _load(self, data: DataTransaction, scope: ScimScope, group_id: str) -> ScimGroup:
        group = await data.scim_groups.get(scope.connection.id, group_id)
        if group is None:
            raise ResourceNotFound(f"no such Group: {group_id}")
        return group

    async def _write(
        self, data: DataTransaction, scope: ScimScope, group: ScimGroup, before: list[str] | None
    ) -> dict[str, list[str]]:
        """Store the group; refuse members that are not SCIM users of this connection (H7)."""
        wanted = sorted(set(group.member_ids))
        known = {r.user_id for r in await data.scim_users.get_many(scope.connection.id, wanted)}
        unknown = [uid for uid in wanted if uid not in known]
        if unknown:
            raise InvalidValue(f"no such User in this connection: {unknown[0]}")
        group.member_ids = wanted
        try:
            await (data.scim_groups.update(group) if before is not None else data.scim_groups.add(group))
        except Conflict as exc:
            raise Uniqueness("a group with this displayName exists in the connection") from exc
        return await sync_roles(data, scope, self.configuration, sorted(set(before or []) | set(wanted)))

    async def _audit(self, scope: ScimScope, action: str, group_id: str, changed: dict[str, list[str]]) -> None:
        async with self.ports.control.transaction() as tx:
            if action:
                await scope.record(tx, action, "scim_group", group_id, {})
            for user_id, roles in changed.items():
                await scope.record(tx, "scim.roles_synced", "user", user_id, {"roles": roles, "group_id": group_id})

    async def create(self, scope: ScimScope, payload: object) -> Rendered:
        resource = parse_group(payload)
        now = self.ports.clock.now()
        group = ScimGroup(
            self.ports.new_id("grp"), scope.realm.id, scope.connection.id, str(resource.display_name), now, now,
            1, resource.external_id,
        )  # fmt: skip
        _set_members(group, members(resource))
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            changed = await self._write(data, scope, group, None)
        await self._audit(scope, "scim.group_created", group.id, changed)
        return _render(scope, group)

    async def get(self, scope: ScimScope, group_id: str, parameters: ResponseParameters[Any] | None) -> Rendered:
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            group = await self._load(data, scope, group_id)
        return _render(scope, group, parameters)

    async def search(self, scope: ScimScope, request: ListRequest) -> dict[str, Any]:
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            found = await data.scim_groups.find(scope.connection.id, request.criterion, request.window)
            groups = await data.scim_groups.get_many(scope.connection.id, found.ids)
        documents = [_render(scope, group, request.parameters).document for group in groups]
        return list_response(found.total, request.window, documents)

    async def replace(self, scope: ScimScope, group_id: str, payload: object, if_match: str | None) -> Rendered:
        resource = parse_group(payload, replacing=True)
        return await self._rewrite(scope, group_id, if_match, lambda _: resource)

    async def patch(self, scope: ScimScope, group_id: str, body: object, if_match: str | None) -> Rendered:
        return await self._rewrite(scope, group_id, if_match, lambda current: scim_patch.apply(current, body))

    async def _rewrite(self, scope: ScimScope, group_id: str, if_match: str | None, change: Any) -> Rendered:
        now = self.ports.clock.now()
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            await data.lock(f"scim-group:{group_id}")
            group = await self._load(data, scope, group_id)
            require_version(if_match, _meta(scope, group))
            current = Group.model_validate(_render(scope, group).document)
            updated: Group = change(current)
            if not updated.display_name:
                raise InvalidValue("displayName is required")
            before = list(group.member_ids)
            group.display_name, group.external_id = str(updated.display_name), updated.external_id
            _set_members(group, members(updated))
            group.version, group.updated_at = group.version + 1, now
            changed = await self._write(data, scope, group, before)
        await self._audit(scope, "", group.id, changed)
        return _render(scope, group)

    async def delete(self, scope: ScimScope, group_id: str, if_match: str | None) -> None:
        async with self.ports.planes.transaction(scope.plane, scope.realm.id) as data:
            await data.lock(f"scim-group:{group_id}")
            group = await self._load(data, scope, group_id)
            require_version(if_match, _meta(scope, group))
            await data.scim_groups.delete(scope.connection.id, group.id)
            changed = await sync_roles(data, scope, self.configuration, group.member_ids)
        await self._audit(scope, "scim.group_deleted", group.id, changed)
