"""Connections: user pools and how their users log in. The foundation offers the ``database`` kind (D9)."""

from __future__ import annotations

from typing import Any

from tenantry.core import names
from tenantry.core.connection import Connection, ConnectionOptions, PasswordPolicy
from tenantry.core.errors import Conflict, InvalidInput
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports


async def new_database_connection(
    ports: Ports,
    tx: ControlTransaction,
    *,
    realm_id: str,
    name: str,
    data_plane_id: str,
    password_policy: PasswordPolicy | None = None,
    organization_id: str | None = None,
    options: ConnectionOptions | None = None,
) -> Connection:
    names.slug(name, "connection")
    repo = tx.connections(realm_id)
    if await repo.by_name(name):
        raise Conflict("a connection with this name exists", code="connection_exists", details={"name": name})
    connection = Connection(
        id=ports.new_id("con"),
        realm_id=realm_id,
        name=name,
        kind="database",
        data_plane_id=data_plane_id,
        created_at=ports.clock.now(),
        organization_id=organization_id,
        password_policy=password_policy or PasswordPolicy(),
    )
    connection.set_options((options or ConnectionOptions()).model_dump())
    await repo.add(connection)
    return connection


class ConnectionService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        *,
        name: str,
        kind: str = "database",
        password_policy: PasswordPolicy | None = None,
        options: ConnectionOptions | None = None,
    ) -> Connection:
        if kind != "database":
            raise InvalidInput(
                "only database connections can be created here",
                code="unsupported_connection_kind",
                details={"kind": kind},
            )
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "connections:write", realm_level=True)
            connection = await new_database_connection(
                self.ports,
                tx,
                realm_id=realm.id,
                name=name,
                data_plane_id=realm.home_plane_id,
                password_policy=password_policy,
                options=options,
            )
            await record(
                tx,
                actor,
                "connection.created",
                "connection",
                connection.id,
                realm_id=realm.id,
                details={"name": name, "kind": kind, "options": connection.options},
            )
        return connection

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> Connection:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            found = await lookup.connection(tx, realm.id, ref)
            require(actor, "connections:read", realm_level=True)
            return found

    async def list(self, actor: Actor, realm_ref: str, page: PageRequest) -> Page[Connection]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "connections:read", realm_level=True)
            return await tx.connections(realm.id).list(page)

    async def update(self, actor: Actor, realm_ref: str, ref: str, changes: dict[str, Any]) -> Connection:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, ref)
            require(actor, "connections:write", realm_level=True)
            if "password_policy" in changes:
                connection.password_policy = PasswordPolicy.model_validate(changes["password_policy"])
            if "options" in changes:
                connection.set_options(changes["options"])
            await tx.connections(realm.id).update(connection)
            await record(
                tx,
                actor,
                "connection.updated",
                "connection",
                connection.id,
                realm_id=realm.id,
                details={"fields": sorted(changes)},
            )
        return connection

    async def delete(self, actor: Actor, realm_ref: str, ref: str) -> None:
        """Refused while users remain: deleting a pool of people must be an explicit, separate act."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, ref)
            require(actor, "connections:write", realm_level=True)
            if connection.organization_id is not None and not connection.enterprise:
                raise InvalidInput(
                    "this connection belongs to an isolated organization; delete the organization instead",
                    code="connection_owned",
                )
            plane = await lookup.plane(tx, connection.data_plane_id)
        async with self.ports.planes.transaction(plane, realm.id) as data:
            remaining = await data.users.count(connection.id)
        if remaining:
            raise Conflict("the connection still has users", code="connection_has_users", details={"users": remaining})
        async with self.ports.control.transaction() as tx:
            await tx.connections(realm.id).delete(connection.id)
            await record(tx, actor, "connection.deleted", "connection", connection.id, realm_id=realm.id)
