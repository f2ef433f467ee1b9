"""Provider endpoints under ``/realms/{realm}`` and, for custom domains, at the root.

They are plain Starlette endpoints served by ``dispatch.ProviderApp`` ahead of FastAPI: its
validation layer and middleware stack cost more CPU than a token itself (docs/provider.md, tuning).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.protocols.oauth.errors import InvalidRequest, OAuthError

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
FORM = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 64 * 1024


async def realm_of(request: Request) -> Realm:
    runtime: Runtime = request.app.state.runtime
    return await runtime.services.configuration.realm_at(
        host=request.headers.get("host", ""),
        path_realm=request.path_params.get("realm"),
        base_host=urlsplit(runtime.settings.base_url).netloc,
    )


async def form_of(request: Request) -> dict[str, str]:
    """RFC 6749 3.2: form-encoded, each parameter at most once."""
    if request.headers.get("content-type", "").split(";", 1)[0].strip().lower() != FORM:
        raise InvalidRequest(f"the body must be {FORM}")
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        raise InvalidRequest("the request body is too large")
    pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
    form: dict[str, str] = {}
    for name, value in pairs:
        if name in form:
            raise InvalidRequest(f"{name} is repeated")
        form[name] = value
    return form


def oauth_error(error: OAuthError) -> JSONResponse:
    headers = dict(NO_STORE)
    if error.status == 401:
        scheme = "Bearer" if error.error == "invalid_token" else "Basic"
        headers["WWW-Authenticate"] = f'{scheme} realm="tenantry", error="{error.error}"'
    return JSONResponse(error.body(), status_code=error.status, headers=headers)


Handler = Callable[[Request, Runtime, Realm], Awaitable[Response]]


def protocol(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        realm = await realm_of(request)
        try:
            return await handler(request, runtime, realm)
        except OAuthError as error:
            return oauth_error(error)

    return endpoint


async def _discovery(request: Request, runtime: Runtime, realm: Realm) -> Response:
    return JSONResponse(await runtime.services.tokens.discovery(realm))


async def _jwks(request: Request, runtime: Runtime, realm: Realm) -> Response:
    return JSONResponse(await runtime.services.tokens.jwks(realm), headers={"Cache-Control": "public, max-age=300"})


async def _token(request: Request, runtime: Runtime, realm: Realm) -> Response:
    form = await form_of(request)
    answer = await runtime.services.tokens.token(realm, request.headers.get("authorization"), form)
    return JSONResponse(answer, headers=NO_STORE)


async def _introspect(request: Request, runtime: Runtime, realm: Realm) -> Response:
    form = await form_of(request)
    answer = await runtime.services.tokens.introspect(realm, request.headers.get("authorization"), form)
    return JSONResponse(answer, headers=NO_STORE)


async def _userinfo(request: Request, runtime: Runtime, realm: Realm) -> Response:
    answer = await runtime.services.tokens.userinfo(realm, request.headers.get("authorization"))
    return JSONResponse(answer, headers=NO_STORE)


async def _revoke(request: Request, runtime: Runtime, realm: Realm) -> Response:
    """RFC 7009 2.2: 200 whether or not the token was known."""
    form = await form_of(request)
    await runtime.services.grants.revoke(realm, request.headers.get("authorization"), form)
    return Response(status_code=200, headers=NO_STORE)


ENDPOINTS: tuple[tuple[str, Handler, list[str]], ...] = (
    ("/.well-known/openid-configuration", _discovery, ["GET"]),
    ("/.well-known/jwks.json", _jwks, ["GET"]),
    ("/oauth/token", _token, ["POST"]),
    ("/oauth/introspect", _introspect, ["POST"]),
    ("/oauth/userinfo", _userinfo, ["GET", "POST"]),
    ("/oauth/revoke", _revoke, ["POST"]),
)
