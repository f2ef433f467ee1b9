"""``/api/v1/realms/{realm}/hooks``: post-login hooks, in running order; a webhook's secret is shown once."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Response
from pydantic import Field

from tenantry.core.hook import MAX_HOOKS, Hook, HookKind

from ..auth import ActorDep, ServicesDep
from ..schemas import Name, Strict, changes

router = APIRouter(prefix="/realms/{realm}/hooks", tags=["hooks"])


class HookCreate(Strict):
    name: str = Name
    kind: HookKind
    config: dict[str, Any] = Field(description="A rule's condition and actions, a plugin's name, a webhook's URL.")
    enabled: bool = True
    fail_open: bool = Field(False, description="When the hook fails: continue the login (true) or deny it.")


class HookUpdate(Strict):
    config: dict[str, Any] | None = Field(None, description="Replaces the whole configuration.")
    enabled: bool | None = None
    fail_open: bool | None = None


class HookOrder(Strict):
    order: list[str] = Field(max_length=MAX_HOOKS, description="Every hook's id or name, first to run first.")


def present(item: Hook, secret: str | None = None) -> dict[str, Any]:
    """The hook without its sealed secret; ``secret`` only in the answer that made it."""
    data = asdict(item)
    data.pop("sealed_secret")
    data["has_secret"] = item.sealed_secret is not None
    data["created_at"] = item.created_at.isoformat()
    if secret is not None:
        data["secret"] = secret
    return data


@router.post("", status_code=201)
async def create_hook(realm: str, body: HookCreate, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    hook, secret = await services.hooks.create(
        actor,
        realm,
        name=body.name,
        kind=body.kind,
        config=body.config,
        enabled=body.enabled,
        fail_open=body.fail_open,
    )
    return present(hook, secret)


@router.get("")
async def list_hooks(realm: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return {"items": [present(hook) for hook in await services.hooks.list(actor, realm)], "next_cursor": None}


@router.put("/order")
async def reorder_hooks(realm: str, body: HookOrder, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return {"items": [present(hook) for hook in await services.hooks.reorder(actor, realm, body.order)]}


@router.get("/{hook}")
async def get_hook(realm: str, hook: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    return present(await services.hooks.get(actor, realm, hook))


@router.patch("/{hook}")
async def update_hook(
    realm: str, hook: str, body: HookUpdate, actor: ActorDep, services: ServicesDep
) -> dict[str, Any]:
    return present(await services.hooks.update(actor, realm, hook, changes(body)))


@router.post("/{hook}/rotate-secret")
async def rotate_hook_secret(realm: str, hook: str, actor: ActorDep, services: ServicesDep) -> dict[str, Any]:
    updated, secret = await services.hooks.rotate_secret(actor, realm, hook)
    return present(updated, secret)


@router.delete("/{hook}", status_code=204)
async def delete_hook(realm: str, hook: str, actor: ActorDep, services: ServicesDep) -> Response:
    await services.hooks.delete(actor, realm, hook)
    return Response(status_code=204)
