"""SCIM tokens (SPEC H1, H7, G5): minted per connection, shown once, stored as digests, rotated and revoked.

A token decides everything a SCIM request may touch: the realm, the connection whose users and groups
it sees, and the organization its users become members of. The SCIM base URL is the realm's issuer
followed by ``/scim/v2``.
"""

from __future__ import annotations

import builtins
import secrets

from tenantry.core.connection import Connection
from tenantry.core.errors import InvalidInput, NotFound, Unauthenticated
from tenantry.core.realm import Realm
from tenantry.core.scim import ScimToken
from tenantry.ports.control import ControlTransaction

from . import lookup
from .access import Actor, require
from .admin_tokens import digest
from .audit import record
from .configuration import Configuration
from .context import Ports
from .scim_scope import ScimScope, scim_base

TOKEN_PREFIX = "tnt_scim_"  # noqa: S105 (a prefix, not a secret)


class ScimTokenService:
    def __init__(self, ports: Ports, configuration: Configuration):
        self.ports = ports
        self.configuration = configuration

    async def _connection(self, tx: ControlTransaction, actor: Actor, realm_ref: str, ref: str) -> Connection:
        realm = await lookup.realm(tx, actor, realm_ref)
        connection = await lookup.connection(tx, realm.id, ref)
        require(actor, "connections:write", realm_level=True)
        return connection

    async def _organization(
        self, tx: ControlTransaction, actor: Actor, connection: Connection, ref: str | None
    ) -> str | None:
        """The owner of an isolated organization's connection, or an organization that accepts the connection."""
        if connection.organization_id is not None:
            if ref is not None and (await lookup.organization(tx, actor, connection.realm_id, ref)).id != (
                connection.organization_id
            ):
                raise InvalidInput("this connection belongs to another organization", code="connection_owned_elsewhere")
            return connection.organization_id
        if ref is None:
            return None
        organization = await lookup.organization(tx, actor, connection.realm_id, ref)
        enabled = {
            link.connection_id for link in await tx.connections(connection.realm_id).enabled_for(organization.id)
        }
        if connection.id not in enabled or organization.data_plane_id != connection.data_plane_id:
            raise InvalidInput("the organization does not accept this connection", code="connection_not_enabled")
        return organization.id

    async def _mint(
        self, tx: ControlTransaction, actor: Actor, template: ScimToken, action: str
    ) -> tuple[ScimToken, str]:
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        token = ScimToken(
            id=self.ports.new_id("sct"),
            realm_id=template.realm_id,
            connection_id=template.connection_id,
            name=template.name,
            token_hash=digest(secret),
            created_at=self.ports.clock.now(),
            organization_id=template.organization_id,
        )
        await tx.scim_tokens.add(token)
        await record(
            tx,
            actor,
            action,
            "scim_token",
            token.id,
            realm_id=token.realm_id,
            organization_id=token.organization_id,
            details={"name": token.name, "connection_id": token.connection_id},
        )
        return token, secret

    async def create(
        self, actor: Actor, realm_ref: str, connection_ref: str, *, name: str, organization: str | None = None
    ) -> tuple[ScimToken, str]:
        if not 1 <= len(name) <= 100:
            raise InvalidInput("a token name has 1 to 100 characters", code="invalid_name")
        async with self.ports.control.transaction() as tx:
            connection = await self._connection(tx, actor, realm_ref, connection_ref)
            organization_id = await self._organization(tx, actor, connection, organization)
            template = ScimToken(
                "", connection.realm_id, connection.id, name, "", self.ports.clock.now(), organization_id
            )
            return await self._mint(tx, actor, template, "scim_token.created")

    async def _token(
        self, tx: ControlTransaction, actor: Actor, realm_ref: str, connection_ref: str, token_id: str
    ) -> ScimToken:
        connection = await self._connection(tx, actor, realm_ref, connection_ref)
        token = await tx.scim_tokens.get(connection.realm_id, token_id)
        if token is None or token.connection_id != connection.id:
            raise NotFound("no such SCIM token", code="token_not_found")
        return token

    async def rotate(self, actor: Actor, realm_ref: str, connection_ref: str, token_id: str) -> tuple[ScimToken, str]:
        """A new token for the same connection and organization; the old one stops working at once."""
        async with self.ports.control.transaction() as tx:
            old = await self._token(tx, actor, realm_ref, connection_ref, token_id)
            if old.revoked_at is not None:
                raise InvalidInput("a revoked token cannot be rotated", code="token_revoked")
            old.revoked_at = self.ports.clock.now()
            await tx.scim_tokens.update(old)
            return await self._mint(tx, actor, old, "scim_token.rotated")

    async def revoke(self, actor: Actor, realm_ref: str, connection_ref: str, token_id: str) -> ScimToken:
        async with self.ports.control.transaction() as tx:
            token = await self._token(tx, actor, realm_ref, connection_ref, token_id)
            if token.revoked_at is None:
                token.revoked_at = self.ports.clock.now()
                await tx.scim_tokens.update(token)
                await record(tx, actor, "scim_token.revoked", "scim_token", token.id, realm_id=token.realm_id)
        return token

    async def list(self, actor: Actor, realm_ref: str, connection_ref: str) -> builtins.list[ScimToken]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            connection = await lookup.connection(tx, realm.id, connection_ref)
            require(actor, "connections:read", realm_level=True)
            return await tx.scim_tokens.for_connection(realm.id, connection.id)

    async def authenticate(self, realm: Realm, presented: str | None) -> ScimScope:
        """401 for a missing, unknown, revoked or other realm's token: nothing about other realms leaks (S5)."""
        token = await self.configuration.scim_token(digest(presented)) if presented else None
        if token is None or token.revoked_at is not None or token.realm_id != realm.id:
            raise Unauthenticated("the SCIM token is unknown or revoked")
        connection = await self.configuration.connection(realm.id, token.connection_id)
        organization = (
            await self.configuration.organization(realm.id, token.organization_id) if token.organization_id else None
        )
        plane = await self.configuration.plane(connection.data_plane_id) if connection else None
        if connection is None or plane is None or (token.organization_id is not None and organization is None):
            raise Unauthenticated("the SCIM token's connection no longer exists")
        return ScimScope(realm, connection, organization, plane, token.id, scim_base(self.ports, realm))
