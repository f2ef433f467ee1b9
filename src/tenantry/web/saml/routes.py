"""SAML IdP endpoints per application (SPEC I4, I5), under ``/realms/{realm}`` and at a custom domain's root.

Refusals are our own error pages (never a redirect, never a post to an unchecked ACS). The answer
is an auto-submitting form whose script is a same-origin file, so the strict CSP stays as it is.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.protocols.saml import names
from tenantry.protocols.saml.errors import SamlError

from ..pages.cookies import session_cookie
from ..pages.routes import outcome_branding, render, respond
from ..provider.routes import realm_of
from ..routing import Route

Endpoint = Callable[[Request, Runtime, Realm, str], Awaitable[Response]]


def _one(values: list[str]) -> str | None:
    return values[0] if len(values) == 1 else None


def page(handler: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    """Resolve the realm (404 when unknown) and show every ``SamlError`` on our own page."""

    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        realm = await realm_of(request)
        try:
            return await handler(request, runtime, realm, request.path_params["application"])
        except SamlError as error:
            context = {"error": error.error, "description": error.description}
            return render(request, realm, "error", context, error.status)

    return endpoint


async def metadata(request: Request, runtime: Runtime, realm: Realm, application: str) -> Response:
    body = await runtime.services.saml.metadata(realm, application)
    return Response(body, media_type="application/samlmetadata+xml", headers={"Cache-Control": "max-age=300"})


async def sso(request: Request, runtime: Runtime, realm: Realm, application: str) -> Response:
    """HTTP-Redirect (GET) or HTTP-POST: a POST is answered with a GET of ours, so SameSite=Lax cookies count."""
    if request.method == "POST":
        form = await request.form()
        params = {key: [str(value) for value in form.getlist(key)] for key in form}
        binding = names.HTTP_POST
    else:
        params = {key: request.query_params.getlist(key) for key in request.query_params}
        binding = names.HTTP_REDIRECT
    message = _one(params.get("SAMLRequest", []))
    relay = params.get("RelayState", [])
    if message is None or len(relay) > 1:
        raise SamlError("send exactly one SAMLRequest and at most one RelayState")
    here = str(request.url.replace(query=""))
    target = await runtime.services.saml.receive(
        realm, application, binding, message, relay[0] if relay else None, [here]
    )
    return RedirectResponse(target, status_code=303 if request.method == "POST" else 302)


async def idp_initiated(request: Request, runtime: Runtime, realm: Realm, application: str) -> Response:
    query = request.query_params
    target = await runtime.services.saml.idp_initiated(
        realm, application, query.get("RelayState"), query.get("organization")
    )
    return RedirectResponse(target, status_code=302)


async def resume(request: Request, runtime: Runtime, realm: Realm, application: str) -> Response:
    """The hosted login for the application (or a live session); it comes back to ``issue``."""
    sealed = request.query_params.get("state", "")
    outcome = await runtime.services.saml.begin(realm, application, sealed, request.cookies.get(session_cookie(realm)))
    branding = await outcome_branding(runtime, realm, outcome)
    return respond(request, runtime, realm, outcome, after_post=False, branding=branding)


async def issue(request: Request, runtime: Runtime, realm: Realm, application: str) -> Response:
    saml = runtime.services.saml
    post = await saml.issue(
        realm,
        application,
        request.query_params.get("state", ""),
        request.cookies.get(session_cookie(realm)),
        request.query_params.get("error"),
    )
    found = await saml.application(realm, application)
    context = {
        "acs_url": post.acs_url,
        "saml_response": post.saml_response,
        "relay_state": post.relay_state,
        "application": found.name,
    }
    return render(request, realm, "saml_post", context)


PAGES: tuple[tuple[str, Endpoint, list[str]], ...] = (
    ("/saml/{application}/metadata", metadata, ["GET"]),
    ("/saml/{application}/sso", sso, ["GET", "POST"]),
    ("/saml/{application}/login", idp_initiated, ["GET"]),
    ("/saml/{application}/continue", resume, ["GET"]),
    ("/saml/{application}/issue", issue, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, handler, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", page(handler), methods=methods))
        table.append(Route(path, page(handler), methods=methods))
    return table
