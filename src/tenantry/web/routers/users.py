"""``/api/v1/realms/{realm}/users``: a created user's ``id`` is its ``sub``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from .. import present
from ..auth import ActorDep, PageDep, ServicesDep
from ..schemas import UserCreate, UserUpdate, changes

router = APIRouter(prefix="/realms/{realm}/users", tags=["users"])


@router.post("", status_code=201)
async def create_user(realm: str, body: UserCreate, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    profile = body.model_dump(exclude={"email", "password", "connection", "name", "email_verified"}, exclude_none=True)
    user = await services.users.create(
        actor,
        realm,
        connection=body.connection,
        email=body.email,
        password=body.password,
        name=body.name,
        email_verified=body.email_verified,
        **profile,
    )
    return present.user(user)


@router.get("")
async def list_users(
    realm: str,
    actor: ActorDep,
    services: ServicesDep,
    page: PageDep,
    email: Annotated[str | None, Query(max_length=320)] = None,
    connection: Annotated[str | None, Query(max_length=63)] = None,
) -> dict[str, Any]:
    result = await services.users.list(actor, realm, page, email=email, connection=connection)
    return present.page(result, present.user)


ConnectionHint = Annotated[
    str | None, Query(max_length=63, description="The user's connection, when it lives outside the home plane.")
]


@router.get("/{user_id}")
async def get_user(
    realm: str, user_id: str, actor: ActorDep, services: ServicesDep, connection: ConnectionHint = None
) -> dict[str, Any]:
    user, _ = await services.users.get(actor, realm, user_id, connection=connection)
    return present.user(user)


@router.patch("/{user_id}")
async def update_user(
    realm: str, user_id: str, body: UserUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present.user(await services.users.update(actor, realm, user_id, changes(body)))


@router.delete("/{user_id}", status_code=204)
async def delete_user(
    realm: str, user_id: str, actor: ActorDep, services: ServicesDep, connection: ConnectionHint = None
) -> Response:
    await services.users.delete(actor, realm, user_id, connection=connection)
    return Response(status_code=204)
