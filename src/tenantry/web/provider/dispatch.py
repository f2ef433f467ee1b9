"""The protocol endpoints as a plain ASGI application, answered before FastAPI sees the request.

Why: on the token and introspection endpoints, FastAPI's and Starlette's layers (server-error and
exception middleware, exception telemetry, body limits, exit stacks, a router that tries every
admin route in turn) cost about a third of the request's CPU (measured with bench/). Here a
request is matched by one dictionary lookup on its path and gets only what these endpoints need:
request id, security headers, metrics and the access log (``RequestContext``), the body cap
(``BodyLimit``) and the API's error shape for domain errors and bugs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tenantry.core.errors import DomainError

from ..errors import STATUS, error_response
from ..middleware import BodyLimit, RequestContext
from .routes import ENDPOINTS, protocol

log = structlog.get_logger("tenantry.web")
REALM_PREFIX = "/realms/"


@dataclass(frozen=True, slots=True)
class Template:
    """What metrics and logs name the route by (``scope["route"].path``)."""

    path: str


@dataclass(frozen=True, slots=True)
class Endpoint:
    call: Any
    methods: frozenset[str]
    realm_route: Template
    root_route: Template


class ProviderApp:
    def __init__(self) -> None:
        self.table: dict[str, Endpoint] = {}
        for path, handler, methods in ENDPOINTS:
            allowed = frozenset(methods) | ({"HEAD"} if "GET" in methods else set())
            self.table[path] = Endpoint(
                protocol(handler), allowed, Template(f"/realms/{{realm}}{path}"), Template(path)
            )

    def match(self, path: str) -> tuple[Endpoint, str | None] | None:
        """The endpoint and the realm named in the path (None at the root, for custom domains)."""
        if path.startswith(REALM_PREFIX):
            realm, sep, tail = path[len(REALM_PREFIX) :].partition("/")
            endpoint = self.table.get("/" + tail) if realm and sep else None
            return (endpoint, realm) if endpoint is not None else None
        endpoint = self.table.get(path)
        return (endpoint, None) if endpoint is not None else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.match(scope["path"])
        assert found is not None, "dispatched a path the provider does not serve"
        endpoint, realm = found
        scope["path_params"] = {"realm": realm} if realm is not None else {}
        scope["route"] = endpoint.realm_route if realm is not None else endpoint.root_route
        response = await self._answer(endpoint, Request(scope, receive))
        await response(scope, receive, send)

    async def _answer(self, endpoint: Endpoint, request: Request) -> Response:
        if request.method not in endpoint.methods:
            answer = error_response(405, "method_not_allowed", "Method Not Allowed")
            answer.headers["Allow"] = ", ".join(sorted(endpoint.methods))
            return answer
        try:
            response: Response = await endpoint.call(request)
            return response
        except DomainError as exc:
            return error_response(STATUS.get(exc.kind, 400), exc.code, exc.message, exc.details)
        except Exception as exc:
            request_id = request.scope.get("state", {}).get("request_id", "")
            log.error("unhandled_error", request_id=request_id, exc_info=exc)
            return error_response(500, "internal_error", "an unexpected error occurred", {"request_id": request_id})


def provider_stack(provider: ProviderApp, max_body_bytes: int) -> ASGIApp:
    return RequestContext(BodyLimit(provider, max_bytes=max_body_bytes))
