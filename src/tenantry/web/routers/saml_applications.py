"""``/api/v1/realms/{realm}/saml-applications``: SAML service providers, by settings or by SP metadata (I1, A4)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from tenantry.bootstrap import Services
from tenantry.core.saml_application import SamlApplication, SamlSettings

from ..auth import ActorDep, PageDep, ServicesDep

router = APIRouter(prefix="/realms/{realm}/saml-applications", tags=["saml-applications"])


class SamlApplicationCreate(SamlSettings):
    """The settings, flat, beside the name; ``metadata`` (the SP's XML) may give the entity id and ACS URLs."""

    name: str = Field(min_length=1, max_length=63)
    entity_id: str | None = Field(None, max_length=1024)
    metadata: str | None = Field(None, max_length=256 * 1024)
    acs_urls: list[str] = Field(default_factory=list, max_length=20)


class SamlApplicationUpdate(SamlSettings):
    entity_id: str | None = Field(None, max_length=1024)
    acs_urls: list[str] = Field(default_factory=list, max_length=20)


OWN_FIELDS = {"name", "entity_id", "metadata"}


async def present(services: Services, item: SamlApplication) -> dict[str, Any]:
    return {
        "id": item.id,
        "realm_id": item.realm_id,
        "name": item.name,
        "entity_id": item.entity_id,
        **item.settings.model_dump(mode="json"),
        **await services.saml_applications.endpoints(item),
        "created_at": item.created_at.isoformat(),
    }


@router.post("", status_code=201)
async def create_saml_application(
    realm: str, body: SamlApplicationCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    settings = body.model_dump(exclude_unset=True, exclude=OWN_FIELDS)
    saml = services.saml_applications
    if body.metadata is not None:
        item = await saml.import_metadata(actor, realm, name=body.name, metadata=body.metadata, settings=settings)
    else:
        item = await saml.create(actor, realm, name=body.name, entity_id=body.entity_id or "", settings=settings)
    return await present(services, item)


@router.get("")
async def list_saml_applications(realm: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    found = await services.saml_applications.list(actor, realm, page)
    return {"items": [await present(services, item) for item in found.items], "next_cursor": found.next_cursor}


@router.get("/{saml_application}")
async def get_saml_application(
    realm: str, saml_application: str, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return await present(services, await services.saml_applications.get(actor, realm, saml_application))


@router.patch("/{saml_application}")
async def update_saml_application(
    realm: str, saml_application: str, body: SamlApplicationUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    settings = body.model_dump(exclude_unset=True, exclude=OWN_FIELDS)
    item = await services.saml_applications.update(
        actor, realm, saml_application, entity_id=body.entity_id, settings=settings
    )
    return await present(services, item)


@router.delete("/{saml_application}", status_code=204)
async def delete_saml_application(
    realm: str, saml_application: str, actor: ActorDep, services: ServicesDep
) -> Response:
    await services.saml_applications.delete(actor, realm, saml_application)
    return Response(status_code=204)
