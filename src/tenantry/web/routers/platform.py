"""Platform-wide admin routes: admin tokens, data planes, audit for a realm and chain verification."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from tenantry.services.access import require_operator

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import TokenCreate

router = APIRouter(tags=["platform"])


@router.post("/tokens", status_code=201)
async def create_token(body: TokenCreate, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    token, secret = await services.admin_tokens.create(
        actor, name=body.name, kind=body.kind, realm=body.realm, organization=body.organization, scopes=body.scopes
    )
    return present.admin_token(token, secret)


@router.get("/tokens")
async def list_tokens(actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return {"items": [present.admin_token(t) for t in await services.admin_tokens.list(actor)], "next_cursor": None}


@router.delete("/tokens/{token_id}")
async def revoke_token(token_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.admin_token(await services.admin_tokens.revoke(actor, token_id))


@router.get("/planes")
async def list_planes(actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    require_operator(actor)
    planes = await services.planes.list()
    return {"items": [{**asdict(p), "created_at": p.created_at.isoformat()} for p in planes], "next_cursor": None}


@router.get("/realms/{realm}/audit")
async def realm_audit(
    realm: str,
    actor: ActorDep,
    services: ServicesDep,
    page: PageDep,
    organization: str | None = None,
    action: str | None = None,
) -> dict[str, Any]:
    result = await services.audit.list(actor, realm, page, organization=organization, action=action)
    return present.page(result, present.audit_event)


@router.get("/audit/verify")
async def verify_audit(actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """L9: walk every hash chain and name the first broken link of each stream."""
    require_operator(actor)
    checks = await services.audit.verify()
    return {"ok": all(check.ok for check in checks), "streams": [check.as_dict() for check in checks]}
