"""``/api/v1/realms/{realm}/organizations``: organizations, isolation and deletion."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import OrganizationCreate, OrganizationUpdate, changes

router = APIRouter(prefix="/realms/{realm}/organizations", tags=["organizations"])


@router.post("", status_code=201)
async def create_organization(
    realm: str, body: OrganizationCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    organization = await services.organizations.create(
        actor,
        realm,
        name=body.name,
        display_name=body.display_name,
        isolated=body.isolated,
        metadata=body.metadata,
        policy=body.policy,
        branding=body.branding,
    )
    return present.organization(organization)


@router.get("")
async def list_organizations(realm: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    return present.page(await services.organizations.list(actor, realm, page), present.organization)


@router.get("/{org}")
async def get_organization(realm: str, org: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.organization(await services.organizations.get(actor, realm, org))


@router.patch("/{org}")
async def update_organization(
    realm: str, org: str, body: OrganizationUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.organization(await services.organizations.update(actor, realm, org, changes(body)))


@router.post("/{org}/isolate")
async def isolate_organization(realm: str, org: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    """SPEC C3/C4: 200 with the organization, or 400 ``isolation_blocked`` listing every blocking user."""
    return present.organization(await services.organizations.isolate(actor, realm, org))


@router.delete("/{org}", status_code=204, response_model=None, responses={200: {"description": "Dry-run report"}})
async def delete_organization(
    realm: str, org: str, actor: ActorDep, services: ServicesDep, dry_run: bool = False
) -> Response:
    """B2. With ``dry_run=true``: 200 with what would be removed, and nothing removed."""
    report = await services.organizations.delete(actor, realm, org, dry_run=dry_run)
    return JSONResponse(asdict(report)) if dry_run else Response(status_code=204)
