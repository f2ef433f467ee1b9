"""Members, enabled connections and domain claims of one organization."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import DomainClaimCreate, DomainClaimUpdate, MemberAdd, MemberRoles, OrganizationConnectionEnable

router = APIRouter(prefix="/realms/{realm}/organizations/{org}", tags=["organizations"])


@router.post("/members", status_code=201)
async def add_member(realm: str, org: str, body: MemberAdd, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.membership(await services.memberships.add(actor, realm, org, body.user_id, body.roles))


@router.get("/members")
async def list_members(realm: str, org: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    return present.page(await services.memberships.list(actor, realm, org, page), present.membership)


@router.get("/members/{user_id}")
async def get_member(realm: str, org: str, user_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.membership(await services.memberships.get(actor, realm, org, user_id))


@router.put("/members/{user_id}/roles")
async def set_member_roles(
    realm: str, org: str, user_id: str, body: MemberRoles, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.membership(await services.memberships.set_roles(actor, realm, org, user_id, body.roles))


@router.delete("/members/{user_id}", status_code=204)
async def remove_member(realm: str, org: str, user_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.memberships.remove(actor, realm, org, user_id)
    return Response(status_code=204)


@router.post("/connections", status_code=201)
async def enable_connection(
    realm: str, org: str, body: OrganizationConnectionEnable, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    link = await services.memberships.enable_connection(
        actor, realm, org, body.connection, auto_membership=body.auto_membership
    )
    return asdict(link)


@router.get("/connections")
async def list_enabled_connections(realm: str, org: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return {
        "items": [asdict(link) for link in await services.memberships.connections(actor, realm, org)],
        "next_cursor": None,
    }


@router.delete("/connections/{connection}", status_code=204)
async def disable_connection(realm: str, org: str, connection: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.memberships.disable_connection(actor, realm, org, connection)
    return Response(status_code=204)


@router.post("/domains", status_code=201)
async def claim_domain(
    realm: str, org: str, body: DomainClaimCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.domain(await services.domains.claim(actor, realm, org, body.domain, auto_join=body.auto_join))


@router.get("/domains")
async def list_domains(realm: str, org: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return {"items": [present.domain(c) for c in await services.domains.list(actor, realm, org)], "next_cursor": None}


@router.get("/domains/{claim_id}")
async def get_domain(realm: str, org: str, claim_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.domain(await services.domains.get(actor, realm, org, claim_id))


@router.post("/domains/{claim_id}/verify")
async def verify_domain(realm: str, org: str, claim_id: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.domain(await services.domains.verify(actor, realm, org, claim_id))


@router.patch("/domains/{claim_id}")
async def update_domain(
    realm: str, org: str, claim_id: str, body: DomainClaimUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.domain(await services.domains.set_auto_join(actor, realm, org, claim_id, body.auto_join))


@router.delete("/domains/{claim_id}", status_code=204)
async def delete_domain(realm: str, org: str, claim_id: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.domains.delete(actor, realm, org, claim_id)
    return Response(status_code=204)


@router.get("/audit")
async def organization_audit(
    realm: str, org: str, actor: ActorDep, services: ServicesDep, page: PageDep, action: str | None = None
) -> dict[str, Any]:
    """The organization's own audit trail, readable by its admins."""
    result = await services.audit.list(actor, realm, page, organization=org, action=action)
    return present.page(result, present.audit_event)
