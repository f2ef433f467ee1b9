"""``/api/v1/realms/{realm}/keys``: the realm's signing keys; rotation and revocation (S2, HOSTILE 64-65)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from .. import present
from ..auth import ActorDep, ServicesDep
from ..schemas import KeyRotate

router = APIRouter(prefix="/realms/{realm}/keys", tags=["keys"])


@router.get("")
async def list_keys(realm: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """Every key with its status (`next`, `active`, `retiring`, `retired`, `revoked`); never private material."""
    keys = await services.keys.list(actor, realm)
    return {"items": [present.signing_key(key) for key in keys], "next_cursor": None}


@router.post("/rotate", status_code=201)
async def rotate_key(realm: str, body: KeyRotate, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """Publish a successor now; it signs after `TENANTRY_KEY_PUBLISH_SECONDS`."""
    return present.signing_key(await services.keys.rotate(actor, realm, body.alg))


@router.post("/{kid}/revoke")
async def revoke_key(realm: str, kid: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """Withdraw a key at once: out of the JWKS, its tokens fail; an active key is replaced."""
    return present.signing_key(await services.keys.revoke(actor, realm, kid))
