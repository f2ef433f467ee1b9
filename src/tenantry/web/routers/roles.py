"""``/api/v1/realms/{realm}/roles``: custom roles and their permissions (SPEC B5)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import RoleCreate, RoleUpdate, changes

router = APIRouter(prefix="/realms/{realm}/roles", tags=["roles"])


@router.post("", status_code=201)
async def create_role(realm: str, body: RoleCreate, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    role = await services.roles.create(
        actor, realm, name=body.name, description=body.description, permissions=body.permissions
    )
    return present.role(role)


@router.get("")
async def list_roles(realm: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    return present.page(await services.roles.list(actor, realm, page), present.role)


@router.get("/{role}")
async def get_role(realm: str, role: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.role(await services.roles.get(actor, realm, role))


@router.patch("/{role}")
async def update_role(
    realm: str, role: str, body: RoleUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.role(await services.roles.update(actor, realm, role, changes(body)))


@router.delete("/{role}", status_code=204)
async def delete_role(realm: str, role: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.roles.delete(actor, realm, role)
    return Response(status_code=204)
