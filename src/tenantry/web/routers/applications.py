"""``/api/v1/realms/{realm}/applications``: OIDC clients; the secret is in the create response only."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import ApplicationConfig, ApplicationCreate, ApplicationUpdate, changes

router = APIRouter(prefix="/realms/{realm}/applications", tags=["applications"])


@router.post("", status_code=201)
async def create_application(
    realm: str, body: ApplicationCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    config = body.model_dump(include=set(ApplicationConfig.model_fields))
    application, secret = await services.applications.create(
        actor, realm, name=body.name, kind=body.kind, public=body.public, **config
    )
    return present.application(application, secret)


@router.get("")
async def list_applications(realm: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    return present.page(await services.applications.list(actor, realm, page), present.application)


@router.get("/{application}")
async def get_application(realm: str, application: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.application(await services.applications.get(actor, realm, application))


@router.patch("/{application}")
async def update_application(
    realm: str, application: str, body: ApplicationUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.application(await services.applications.update(actor, realm, application, changes(body)))


@router.post("/{application}/rotate-secret")
async def rotate_secret(realm: str, application: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    updated, secret = await services.applications.rotate_secret(actor, realm, application)
    return present.application(updated, secret)


@router.delete("/{application}", status_code=204)
async def delete_application(realm: str, application: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.applications.delete(actor, realm, application)
    return Response(status_code=204)
