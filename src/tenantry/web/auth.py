"""Bearer-token authentication for the admin API; the services do the authorisation."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from tenantry.bootstrap import Runtime
from tenantry.bootstrap import Services as ServiceBundle
from tenantry.core.errors import Unauthenticated
from tenantry.ports.paging import PageRequest
from tenantry.services.access import Actor

_bearer = HTTPBearer(auto_error=False, description="An operator, realm-admin or org-admin token.")


def runtime(request: Request) -> Runtime:
    value: Runtime = request.app.state.runtime
    return value


def services(request: Request) -> ServiceBundle:
    return runtime(request).services


async def actor(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated("a bearer token is required")
    request_id = request.scope.get("state", {}).get("request_id")
    return await services(request).admin_tokens.authenticate(credentials.credentials, request_id)


def page(
    limit: Annotated[int, Query(ge=1, le=200)] = 50, cursor: Annotated[str | None, Query(max_length=64)] = None
) -> PageRequest:
    return PageRequest(limit=limit, cursor=cursor)


ActorDep = Annotated[Actor, Depends(actor)]
ServicesDep = Annotated[ServiceBundle, Depends(services)]
PageDep = Annotated[PageRequest, Depends(page)]
