"""``/api/v1/realms/{realm}/connections/{connection}/scim``: SCIM settings and tokens (SPEC H1, H8, H9)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from tenantry.core.connection import Connection
from tenantry.core.scim import ScimToken

from ..auth import ActorDep, ServicesDep
from ..schemas import Strict

router = APIRouter(prefix="/realms/{realm}/connections/{connection}/scim", tags=["scim"])


class ScimTokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    organization: str | None = Field(None, max_length=63, description="Organization name or id its users join.")


class ScimSettingsUpdate(Strict):
    authoritative: bool | None = Field(None, description="H9: refuse logins by users SCIM never created.")
    group_roles: dict[str, list[str]] | None = Field(
        None, description="SCIM group display name → organization roles (H8); replaces the whole mapping."
    )


def _token(item: ScimToken, secret: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": item.id,
        "name": item.name,
        "connection_id": item.connection_id,
        "organization_id": item.organization_id,
        "created_at": item.created_at.isoformat(),
        "revoked_at": item.revoked_at.isoformat() if item.revoked_at else None,
    }
    if secret is not None:
        body["token"] = secret
    return body


def _settings(found: tuple[Connection, str]) -> dict[str, Any]:
    item, base = found
    return {
        "connection_id": item.id,
        "authoritative": item.scim_authoritative,
        "group_roles": item.scim_group_roles,
        "base_url": base,
    }


@router.get("")
async def get_settings(realm: str, connection: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The SCIM base URL, whether SCIM is authoritative, and the group → role mapping."""
    return _settings(await services.scim_settings.get(actor, realm, connection))


@router.patch("")
async def update_settings(
    realm: str, connection: str, body: ScimSettingsUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """Switch authoritative mode, or replace the group → role mapping (roles must exist: 400 `unknown_role`)."""
    updated = await services.scim_settings.update(
        actor, realm, connection, authoritative=body.authoritative, group_roles=body.group_roles
    )
    return _settings(updated)


@router.get("/tokens")
async def list_tokens(realm: str, connection: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """The connection's SCIM tokens, never their values."""
    tokens = await services.scim_tokens.list(actor, realm, connection)
    return {"items": [_token(token) for token in tokens], "next_cursor": None}


@router.post("/tokens", status_code=201)
async def create_token(
    realm: str, connection: str, body: ScimTokenCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """A new token, shown once in `token`."""
    token, secret = await services.scim_tokens.create(
        actor, realm, connection, name=body.name, organization=body.organization
    )
    return _token(token, secret)


@router.post("/tokens/{token_id}/rotate", status_code=201)
async def rotate_token(
    realm: str, connection: str, token_id: str, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """A successor for the same connection and organization, shown once; the old token stops working at once."""
    token, secret = await services.scim_tokens.rotate(actor, realm, connection, token_id)
    return _token(token, secret)


@router.post("/tokens/{token_id}/revoke")
async def revoke_token(
    realm: str, connection: str, token_id: str, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    """The token stops working at once."""
    return _token(await services.scim_tokens.revoke(actor, realm, connection, token_id))
