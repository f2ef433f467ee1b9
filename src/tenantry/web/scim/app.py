"""The SCIM endpoints as a plain ASGI application (SPEC H1): one path match, one token check, one handler.

Why not FastAPI: SCIM has its own media type, error document and query grammar, and provisioning
runs in bursts of thousands of requests, where FastAPI's layers would cost more than the handler.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import structlog
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from tenantry.bootstrap import Runtime
from tenantry.core.errors import DomainError
from tenantry.protocols.scim.errors import ScimError

from ..middleware import BodyLimit, RequestContext
from .handlers import answer, domain_error, scim_response

log = structlog.get_logger("tenantry.web")
ROOT = "/scim/v2"
REALM_PREFIX = "/realms/"


@dataclass(frozen=True, slots=True)
class Template:
    """What metrics and logs name the route by (``scope["route"].path``)."""

    path: str


def match(path: str) -> tuple[str | None, str] | None:
    """The realm named in the path (None at the root, for custom domains) and the path below ``/scim/v2``."""
    if path.startswith(REALM_PREFIX):
        realm, _, rest = path[len(REALM_PREFIX) :].partition("/")
        rest = "/" + rest
        if realm and (rest == ROOT or rest.startswith(ROOT + "/")):
            return realm, rest[len(ROOT) :]
        return None
    if path == ROOT or path.startswith(ROOT + "/"):
        return None, path[len(ROOT) :]
    return None


def _template(realm: str | None, tail: str) -> Template:
    head, _, rest = tail.strip("/").partition("/")
    shape = f"/{head}/{{id}}" if rest and not rest.startswith(".") else tail
    return Template(f"/realms/{{realm}}{ROOT}{shape}" if realm is not None else f"{ROOT}{shape}")


class ScimApp:
    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = match(scope["path"])
        assert found is not None, "dispatched a path SCIM does not serve"
        realm, tail = found
        scope["route"] = _template(realm, tail)
        request = Request(scope, receive)
        response = await self._answer(request, realm, tail)
        await response(scope, receive, send)

    async def _answer(self, request: Request, realm_name: str | None, tail: str) -> Response:
        runtime: Runtime = request.app.state.runtime
        try:
            realm = await runtime.services.configuration.realm_at(
                host=request.headers.get("host", ""),
                path_realm=realm_name,
                base_host=urlsplit(runtime.settings.base_url).netloc,
            )
            return await answer(runtime, request, realm, tail)
        except ScimError as error:
            return scim_response(error.body(), error.status, _challenge(error.status))
        except DomainError as error:
            status, body = domain_error(error)
            return scim_response(body, status, _challenge(status))
        except Exception as exc:
            request_id = request.scope.get("state", {}).get("request_id", "")
            log.error("unhandled_error", request_id=request_id, exc_info=exc)
            failure = ScimError(f"an unexpected error occurred (request {request_id})", status=500)
            return scim_response(failure.body(), 500)


def _challenge(status: int) -> dict[str, str] | None:
    return {"WWW-Authenticate": 'Bearer realm="tenantry-scim"'} if status == 401 else None


def scim_stack(max_body_bytes: int) -> ASGIApp:
    return RequestContext(BodyLimit(ScimApp(), max_bytes=max_body_bytes))
