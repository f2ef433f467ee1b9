"""SCIM requests → the provisioning services; answers as ``application/scim+json`` (SPEC H1-H7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from scim2_models import Group, ResponseParameters
from scim2_models.path import FilterNode
from starlette.requests import Request
from starlette.responses import Response

from tenantry.bootstrap import Runtime
from tenantry.core.errors import DomainError
from tenantry.core.realm import Realm
from tenantry.ports.scim import Criterion
from tenantry.protocols.scim import discovery
from tenantry.protocols.scim.errors import InvalidSyntax, NotImplemented_, ResourceNotFound, ScimError, translated
from tenantry.protocols.scim.filters import group_criterion, user_criterion
from tenantry.protocols.scim.query import ListRequest, list_request, search_body
from tenantry.protocols.scim.resources import UserResource
from tenantry.services.scim_scope import Rendered, ScimScope

SCIM_JSON = "application/scim+json"
ACCEPTED = ("application/scim+json", "application/json")
NOT_OFFERED = ("Bulk", "Me", ".search")
DOMAIN_STATUS = {"invalid": 400, "unauthenticated": 401, "forbidden": 403, "not_found": 404, "conflict": 409}


def scim_response(body: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    content = json.dumps(body, separators=(",", ":")).encode() if body is not None else b""
    return Response(content, status_code=status, headers=headers, media_type=SCIM_JSON if body is not None else None)


def domain_error(error: DomainError) -> tuple[int, dict[str, object]]:
    """A domain refusal in SCIM's error shape: a 409 is RFC 7644's ``uniqueness``."""
    status = DOMAIN_STATUS.get(error.kind, 503 if error.kind == "unavailable" else 400)
    scim_type = "uniqueness" if status == 409 else ("invalidValue" if status == 400 else None)
    return status, ScimError(error.message, status=status, scim_type=scim_type).body()


async def _body(request: Request) -> Any:
    kind = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if kind and kind not in ACCEPTED:
        raise ScimError(f"send {SCIM_JSON} or application/json", status=415)
    try:
        return json.loads(await request.body())
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntax("the request body is not valid JSON") from None


def _parameters(request: Request) -> ResponseParameters[Any]:
    given = {k: request.query_params[k] for k in ("attributes", "excludedAttributes") if k in request.query_params}
    with translated():
        return ResponseParameters.model_validate(given)


def _resource(rendered: Rendered, status: int = 200) -> Response:
    headers = {"ETag": rendered.etag}
    if status == 201:
        headers["Location"] = rendered.location
    return scim_response(rendered.document, status, headers)


class ResourceService(Protocol):
    """What the Users and Groups services both offer, so one dispatcher routes either."""

    async def search(self, scope: ScimScope, request: ListRequest) -> dict[str, Any]: ...
    async def create(self, scope: ScimScope, payload: object) -> Rendered: ...
    async def get(self, scope: ScimScope, item: str, parameters: ResponseParameters[Any] | None) -> Rendered: ...
    async def replace(self, scope: ScimScope, item: str, payload: object, if_match: str | None) -> Rendered: ...
    async def patch(self, scope: ScimScope, item: str, body: object, if_match: str | None) -> Rendered: ...
    async def delete(self, scope: ScimScope, item: str, if_match: str | None) -> None: ...


@dataclass(frozen=True, slots=True)
class ResourceType:
    service: Callable[[Runtime], ResourceService]
    model: type[Any]
    criterion: Callable[[FilterNode | None], Criterion | None]


async def _resources(
    kind: ResourceType, runtime: Runtime, request: Request, scope: ScimScope, item: str | None
) -> Response:
    service, method, if_match = kind.service(runtime), request.method, request.headers.get("if-match")
    if item == ".search" and method == "POST":
        query = list_request(search_body(await _body(request)), kind.model, kind.criterion)
        return scim_response(await service.search(scope, query))
    if item is None and method == "GET":
        query = list_request(dict(request.query_params), kind.model, kind.criterion)
        return scim_response(await service.search(scope, query))
    if item is None and method == "POST":
        return _resource(await service.create(scope, await _body(request)), 201)
    if item is not None and method == "GET":
        return _resource(await service.get(scope, item, _parameters(request)))
    if item is not None and method == "PUT":
        return _resource(await service.replace(scope, item, await _body(request), if_match))
    if item is not None and method == "PATCH":
        return _resource(await service.patch(scope, item, await _body(request), if_match))
    if item is not None and method == "DELETE":
        await service.delete(scope, item, if_match)
        return scim_response(None, 204)
    raise ScimError(f"{method} is not allowed here", status=405)


async def _discovery(request: Request, scope: ScimScope, head: str, item: str | None) -> Response:
    if request.method != "GET":
        raise ScimError(f"{request.method} is not allowed here", status=405)
    if head == "ServiceProviderConfig" and item is None:
        return scim_response(discovery.service_provider_config(scope.base))
    if head == "ResourceTypes":
        return scim_response(discovery.resource_types(scope.base, item))
    return scim_response(discovery.schemas(scope.base, item))


RESOURCES = {
    "Users": ResourceType(lambda runtime: runtime.services.provisioning, UserResource, user_criterion),
    "Groups": ResourceType(lambda runtime: runtime.services.scim_groups, Group, group_criterion),
}
DISCOVERY = ("ServiceProviderConfig", "ResourceTypes", "Schemas")


async def answer(runtime: Runtime, request: Request, realm: Realm, tail: str) -> Response:
    """Authenticate first (401 before anything is revealed), then route on the path below ``/scim/v2``."""
    header = request.headers.get("authorization", "")
    scheme, _, presented = header.partition(" ")
    scope = await runtime.services.scim_tokens.authenticate(
        realm, presented.strip() if scheme.lower() == "bearer" else None
    )
    head, _, rest = tail.strip("/").partition("/")
    if "/" in rest:
        raise ResourceNotFound("no such endpoint")
    item = rest or None
    if head in RESOURCES:
        return await _resources(RESOURCES[head], runtime, request, scope, item)
    if head in DISCOVERY:
        return await _discovery(request, scope, head, item)
    if head in NOT_OFFERED:
        raise NotImplemented_(f"/{head} is not offered; see /ServiceProviderConfig")
    raise ResourceNotFound("no such endpoint")
