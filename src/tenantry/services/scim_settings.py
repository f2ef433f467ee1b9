"""Per-connection SCIM settings: whether SCIM is authoritative (H9) and the group → role mapping (H8)."""

from __future__ import annotations

from tenantry.core.connection import Connection
from tenantry.core.errors import InvalidInput

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports
from .scim_scope import scim_base

MAX_MAPPED_GROUPS = 200


class ScimSettingsService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def get(self, actor: Actor, realm_ref: str, connection_ref: str) -> tuple[Connection, str]:
        """The connection and its SCIM base URL."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, connection_ref)
            require(actor, "connections:read", realm_level=True)
            return connection, scim_base(self.ports, realm)

    async def update(
        self,
        actor: Actor,
        realm_ref: str,
        connection_ref: str,
        *,
        authoritative: bool | None = None,
        group_roles: dict[str, list[str]] | None = None,
    ) -> tuple[Connection, str]:
        """Mapped roles must exist in the realm (400 ``unknown_role``); groups not mapped give no role."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, connection_ref)
            require(actor, "connections:write", realm_level=True)
            if authoritative is not None:
                connection.set_options({"scim_authoritative": authoritative})
            if group_roles is not None:
                if len(group_roles) > MAX_MAPPED_GROUPS or any(not name.strip() for name in group_roles):
                    raise InvalidInput(f"map 1 to {MAX_MAPPED_GROUPS} named groups", code="invalid_group_roles")
                wanted = sorted({role for roles in group_roles.values() for role in roles})
                found = {role.name for role in await tx.roles(realm.id).by_names(wanted)} if wanted else set()
                missing = [name for name in wanted if name not in found]
                if missing:
                    raise InvalidInput("unknown roles", code="unknown_role", details={"roles": missing})
                connection.options = {
                    **connection.options,
                    "scim_group_roles": {name: sorted(set(roles)) for name, roles in group_roles.items()},
                }
            await tx.connections(realm.id).update(connection)
            await record(
                tx,
                actor,
                "connection.scim_updated",
                "connection",
                connection.id,
                realm_id=realm.id,
                details={"authoritative": connection.scim_authoritative, "group_roles": connection.scim_group_roles},
            )
        return connection, scim_base(self.ports, realm)
