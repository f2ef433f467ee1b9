"""Enterprise connections (``oidc``, ``saml``): an organization's own upstream IdP (DESIGN.md section 3).

An enterprise connection belongs to one organization: it keeps its users in that organization's
data plane, is enabled for it with JIT membership, and is deleted with it. The OIDC discovery
document and SAML metadata are read when the connection is saved, so a login never depends on them.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass
from typing import Any

import httpx

from tenantry.core import names
from tenantry.core.connection import Connection
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.federation import (
    AttributeMapping,
    EnterpriseKind,
    OidcSetup,
    OidcUpstream,
    SamlSetup,
    SamlUpstream,
    Upstream,
)
from tenantry.core.realm import Realm
from tenantry.federation import oidc_rp
from tenantry.federation.saml_messages import idp_from_metadata
from tenantry.federation.saml_sp import ServiceProvider
from tenantry.ports.control import EnabledConnection

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports

MAX_METADATA_BYTES = 500_000


@dataclass(frozen=True, slots=True)
class Endpoints:
    """What the customer's IdP needs from us, per connection (G3): callback, ACS, entity id, metadata."""

    callback: str
    acs: str
    entity_id: str
    metadata: str

    @property
    def service_provider(self) -> ServiceProvider:
        return ServiceProvider(self.entity_id, self.acs)


def endpoints(ports: Ports, realm: Realm, connection_name: str) -> Endpoints:
    base = f"{realm.issuer(ports.base_url)}/federation/{connection_name}"
    return Endpoints(f"{base}/callback", f"{base}/acs", base, f"{base}/metadata")


async def oidc_upstream(ports: Ports, setup: OidcSetup) -> OidcUpstream:
    configured = OidcUpstream(
        issuer=setup.issuer,
        client_id=setup.client_id,
        client_secret_sealed=ports.secrets.seal(setup.client_secret.encode()) if setup.client_secret else None,
        **({"scopes": setup.scopes} if setup.scopes else {}),
    )
    async with httpx.AsyncClient() as http:
        try:
            return await oidc_rp.discover(http, configured)
        except oidc_rp.OidcRefused as exc:
            raise InvalidInput(
                "the issuer's discovery document is unusable",
                code="oidc_discovery_failed",
                details={"reason": exc.reason},
            ) from exc


async def saml_upstream(setup: SamlSetup) -> SamlUpstream:
    if setup.metadata_xml is not None:
        return idp_from_metadata(setup.metadata_xml.encode())
    if setup.metadata_url is not None:
        async with httpx.AsyncClient() as http:
            try:
                response = await http.get(setup.metadata_url, timeout=oidc_rp.TIMEOUT_SECONDS)
            except httpx.HTTPError as exc:
                raise InvalidInput("the IdP metadata could not be fetched", code="invalid_idp_metadata") from exc
        if response.status_code != 200 or len(response.content) > MAX_METADATA_BYTES:
            raise InvalidInput("the IdP metadata could not be fetched", code="invalid_idp_metadata")
        return idp_from_metadata(response.content)
    if setup.entity_id and setup.sso_url and setup.certificates:
        return SamlUpstream(entity_id=setup.entity_id, sso_url=setup.sso_url, certificates=setup.certificates)
    raise InvalidInput(
        "give metadata_url, metadata_xml, or entity_id with sso_url and certificates", code="invalid_idp_metadata"
    )


async def upstream_of(
    ports: Ports, kind: EnterpriseKind, oidc: OidcSetup | None, saml: SamlSetup | None, mapping: AttributeMapping
) -> Upstream:
    if kind == "oidc":
        if oidc is None:
            raise InvalidInput("an oidc connection needs its `oidc` settings", code="invalid_upstream")
        return Upstream(oidc=await oidc_upstream(ports, oidc), mapping=mapping)
    if saml is None:
        raise InvalidInput("a saml connection needs its `saml` settings", code="invalid_upstream")
    return Upstream(saml=await saml_upstream(saml), mapping=mapping)


class EnterpriseConnectionService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        org_ref: str,
        *,
        name: str,
        kind: EnterpriseKind,
        oidc: OidcSetup | None = None,
        saml: SamlSetup | None = None,
        mapping: AttributeMapping | None = None,
    ) -> Connection:
        names.slug(name, "connection")
        await self._writable(actor, realm_ref, org_ref)
        upstream = await upstream_of(self.ports, kind, oidc, saml, mapping or AttributeMapping())
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, org_ref)
            await _roles_exist(tx, realm.id, upstream.mapping)
            if await tx.connections(realm.id).by_name(name):
                raise Conflict("a connection with this name exists", code="connection_exists", details={"name": name})
            connection = Connection(
                id=self.ports.new_id("con"),
                realm_id=realm.id,
                name=name,
                kind=kind,
                data_plane_id=organization.data_plane_id,
                created_at=self.ports.clock.now(),
                organization_id=organization.id,
                upstream=upstream.stored_form(),
            )
            await tx.connections(realm.id).add(connection)
            await tx.connections(realm.id).enable(EnabledConnection(organization.id, connection.id, True))
            await record(
                tx,
                actor,
                "connection.created",
                "connection",
                connection.id,
                realm_id=realm.id,
                organization_id=organization.id,
                details={"name": name, "kind": kind},
            )
        return connection

    async def _writable(self, actor: Actor, realm_ref: str, org_ref: str) -> None:
        """Another tenant's realm or organization is refused before any upstream URL is fetched (S5)."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "connections:write", realm_level=True)

    async def update(self, actor: Actor, realm_ref: str, org_ref: str, ref: str, changes: dict[str, Any]) -> Connection:
        """New IdP settings are read again (discovery, metadata); the mapping is replaced as sent."""
        connection = await self.get(actor, realm_ref, org_ref, ref)
        require(actor, "connections:write", realm_level=True)
        current = Upstream.stored(connection.upstream)
        mapping = AttributeMapping.model_validate(changes["mapping"]) if "mapping" in changes else current.mapping
        if "oidc" in changes or "saml" in changes:
            oidc = OidcSetup.model_validate(changes["oidc"]) if changes.get("oidc") else None
            saml = SamlSetup.model_validate(changes["saml"]) if changes.get("saml") else None
            current = await upstream_of(self.ports, _kind(connection), oidc, saml, mapping)
        updated = current.model_copy(update={"mapping": mapping})
        async with self.ports.control.transaction() as tx:
            await _roles_exist(tx, connection.realm_id, mapping)
            connection.upstream = updated.stored_form()
            await tx.connections(connection.realm_id).update(connection)
            await record(
                tx,
                actor,
                "connection.updated",
                "connection",
                connection.id,
                realm_id=connection.realm_id,
                organization_id=connection.organization_id,
                details={"fields": sorted(changes)},
            )
        return connection

    async def get(self, actor: Actor, realm_ref: str, org_ref: str, ref: str) -> Connection:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "connections:read")
            connection = await lookup.connection(tx, realm.id, ref)
        if connection.organization_id != organization.id or not connection.enterprise:
            raise NotFound("no such connection", code="connection_not_found")
        return connection

    async def list(self, actor: Actor, realm_ref: str, org_ref: str) -> builtins.list[Connection]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            organization = await lookup.organization(tx, actor, realm.id, org_ref)
            require(actor, "connections:read")
            owned = await tx.connections(realm.id).owned_by(organization.id)
        return [connection for connection in owned if connection.enterprise]

    async def endpoints(self, actor: Actor, realm_ref: str, org_ref: str, ref: str) -> Endpoints:
        connection = await self.get(actor, realm_ref, org_ref, ref)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
        return endpoints(self.ports, realm, connection.name)


def _kind(connection: Connection) -> EnterpriseKind:
    return "oidc" if connection.kind == "oidc" else "saml"


async def _roles_exist(tx: Any, realm_id: str, mapping: AttributeMapping) -> None:
    wanted = sorted({role for roles in mapping.roles.values() for role in roles})
    found = {role.name for role in await tx.roles(realm_id).by_names(wanted)} if wanted else set()
    missing = [role for role in wanted if role not in found]
    if missing:
        raise InvalidInput(
            "the mapping names roles that do not exist", code="role_not_found", details={"roles": missing}
        )
