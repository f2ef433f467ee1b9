"""``/api/v1/realms``: realms, their connections and their breached-password list."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import BreachedPasswords, ConnectionCreate, ConnectionUpdate, RealmCreate, RealmUpdate, changes

router = APIRouter(prefix="/realms", tags=["realms"])


def _base(request: Request) -> str:
    return str(request.app.state.runtime.settings.base_url)


@router.post("", status_code=201)
async def create_realm(body: RealmCreate, actor: ActorDep, services: ServicesDep, request: Request) -> dict[str, Any]:
    realm = await services.realms.create(
        actor,
        name=body.name,
        display_name=body.display_name,
        custom_domain=body.custom_domain,
        settings=body.settings,
        policy=body.policy,
        plane=body.plane,
    )
    return present.realm(realm, _base(request))


@router.get("")
async def list_realms(actor: ActorDep, services: ServicesDep, page: PageDep, request: Request) -> dict[str, Any]:
    base = _base(request)
    return present.page(await services.realms.list(actor, page), lambda item: present.realm(item, base))


@router.get("/{realm}")
async def get_realm(realm: str, actor: ActorDep, services: ServicesDep, request: Request) -> dict[str, Any]:
    return present.realm(await services.realms.get(actor, realm), _base(request))


@router.patch("/{realm}")
async def update_realm(
    realm: str, body: RealmUpdate, actor: ActorDep, services: ServicesDep, request: Request
) -> dict[str, Any]:
    return present.realm(await services.realms.update(actor, realm, changes(body)), _base(request))


@router.delete("/{realm}", status_code=204)
async def delete_realm(realm: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.realms.delete(actor, realm)
    return Response(status_code=204)


@router.post("/{realm}/breached-passwords")
async def add_breached(realm: str, body: BreachedPasswords, actor: ActorDep, services: ServicesDep) -> dict[str, int]:
    return {"added": await services.realms.add_breached_passwords(actor, realm, body.passwords)}


@router.post("/{realm}/connections", status_code=201)
async def create_connection(
    realm: str, body: ConnectionCreate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    connection = await services.connections.create(
        actor, realm, name=body.name, kind=body.kind, password_policy=body.password_policy, options=body.options
    )
    return present.connection(connection)


@router.get("/{realm}/connections")
async def list_connections(realm: str, actor: ActorDep, services: ServicesDep, page: PageDep) -> dict[str, Any]:
    return present.page(await services.connections.list(actor, realm, page), present.connection)


@router.get("/{realm}/connections/{connection}")
async def get_connection(realm: str, connection: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present.connection(await services.connections.get(actor, realm, connection))


@router.patch("/{realm}/connections/{connection}")
async def update_connection(
    realm: str, connection: str, body: ConnectionUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.connection(await services.connections.update(actor, realm, connection, changes(body)))


@router.delete("/{realm}/connections/{connection}", status_code=204)
async def delete_connection(realm: str, connection: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.connections.delete(actor, realm, connection)
    return Response(status_code=204)
