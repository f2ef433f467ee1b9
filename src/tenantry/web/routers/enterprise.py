"""``/api/v1/realms/{realm}/organizations/{org}/enterprise-connections``: an organization's upstream IdPs."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from tenantry.core.connection import Connection
from tenantry.core.federation import AttributeMapping, OidcSetup, SamlSetup, Upstream
from tenantry.services.enterprise_connections import Endpoints

from ..auth import ActorDep, ServicesDep
from ..schemas import changes

router = APIRouter(prefix="/realms/{realm}/organizations/{org}/enterprise-connections", tags=["enterprise sso"])


class EnterpriseConnectionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=63)
    kind: Literal["oidc", "saml"]
    oidc: OidcSetup | None = None
    saml: SamlSetup | None = None
    mapping: AttributeMapping | None = None


class EnterpriseConnectionUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    oidc: OidcSetup | None = Field(None, description="New settings: discovery is read again.")
    saml: SamlSetup | None = Field(None, description="New settings: metadata is read again.")
    mapping: AttributeMapping | None = Field(None, description="Replaces the whole mapping.")


def present(connection: Connection, urls: Endpoints) -> dict[str, Any]:
    return {
        "id": connection.id,
        "name": connection.name,
        "kind": connection.kind,
        "organization_id": connection.organization_id,
        "data_plane_id": connection.data_plane_id,
        "upstream": Upstream.stored(connection.upstream).shown(),
        "endpoints": asdict(urls),
        "created_at": connection.created_at.isoformat(),
    }


@router.post("", status_code=201)
async def create(
    realm: str, org: str, body: EnterpriseConnectionCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    connection = await services.enterprise_connections.create(
        actor, realm, org, name=body.name, kind=body.kind, oidc=body.oidc, saml=body.saml, mapping=body.mapping
    )
    return present(connection, await services.enterprise_connections.endpoints(actor, realm, org, connection.id))


@router.get("")
async def list_all(realm: str, org: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    items = []
    for connection in await services.enterprise_connections.list(actor, realm, org):
        urls = await services.enterprise_connections.endpoints(actor, realm, org, connection.id)
        items.append(present(connection, urls))
    return {"items": items, "next_cursor": None}


@router.get("/{connection}")
async def get(realm: str, org: str, connection: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    found = await services.enterprise_connections.get(actor, realm, org, connection)
    return present(found, await services.enterprise_connections.endpoints(actor, realm, org, found.id))


@router.patch("/{connection}")
async def update(
    realm: str, org: str, connection: str, body: EnterpriseConnectionUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    updated = await services.enterprise_connections.update(actor, realm, org, connection, changes(body))
    return present(updated, await services.enterprise_connections.endpoints(actor, realm, org, updated.id))
