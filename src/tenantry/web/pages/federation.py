"""Enterprise SSO endpoints per connection: OIDC callback, SAML ACS and its same-site hand-off, SP metadata."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.errors import NotFound
from tenantry.core.federation import Upstream
from tenantry.core.realm import Realm
from tenantry.federation.saml_messages import sp_metadata
from tenantry.services.enterprise_connections import endpoints
from tenantry.services.federated_login import FederatedLogin, FederationRefused
from tenantry.services.provisioning_jit import Provisioned

from ..provider.routes import realm_of
from ..routing import Route
from .cookies import read_transaction
from .routes import base_path, render, respond

MAX_SAML_FORM_BYTES = 1_500_000


def _refused(request: Request, realm: Realm, reason: str) -> Response:
    description = "Your organization's sign-in service did not confirm who you are. Start again from the application."
    return render(request, realm, "error", {"error": reason, "description": description}, 403)


async def _signed_in(request: Request, runtime: Runtime, realm: Realm, provisioned: Provisioned) -> Response:
    transaction = read_transaction(request, runtime, realm)
    assert transaction is not None
    outcome = await runtime.services.login.federated(realm, transaction, provisioned.user, provisioned.plane)
    return respond(request, runtime, realm, outcome, after_post=False)


def _federation(runtime: Runtime) -> FederatedLogin:
    return runtime.services.login.federation


async def callback(request: Request) -> Response:
    """OIDC: the upstream's authorization response (a top-level GET, so the login cookie comes with it)."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    params = {key: value for key, value in request.query_params.items()}
    name = request.path_params["connection"]
    try:
        provisioned = await _federation(runtime).oidc_callback(
            realm, read_transaction(request, runtime, realm), name, params
        )
    except FederationRefused as exc:
        return _refused(request, realm, exc.reason)
    return await _signed_in(request, runtime, realm, provisioned)


async def acs(request: Request) -> Response:
    """SAML HTTP-POST binding: verify here, continue with a same-site GET that carries the login cookie."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    name = request.path_params["connection"]
    async with request.form(max_part_size=MAX_SAML_FORM_BYTES) as form:
        saml_response = form.get("SAMLResponse")
    if not isinstance(saml_response, str) or not saml_response:
        return _refused(request, realm, "no_saml_response")
    try:
        handoff = await _federation(runtime).saml_acs(realm, name, saml_response)
    except FederationRefused as exc:
        return _refused(request, realm, exc.reason)
    target = f"{base_path(request, realm)}/federation/{name}/finish?{urlencode({'handoff': handoff})}"
    return RedirectResponse(target, status_code=303)


async def finish(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    name = request.path_params["connection"]
    try:
        provisioned = await _federation(runtime).saml_finish(
            realm, read_transaction(request, runtime, realm), name, request.query_params.get("handoff", "")
        )
    except FederationRefused as exc:
        return _refused(request, realm, exc.reason)
    return await _signed_in(request, runtime, realm, provisioned)


async def metadata(request: Request) -> Response:
    """The SP metadata a customer's IdP imports (entity id, ACS)."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    name = request.path_params["connection"]
    connection = await runtime.services.configuration.connection_named(realm.id, name)
    if connection is None or connection.kind != "saml" or Upstream.stored(connection.upstream).saml is None:
        raise NotFound("no such connection", code="connection_not_found")
    body = sp_metadata(endpoints(runtime.ports, realm, name).service_provider)
    return Response(body, media_type="application/samlmetadata+xml")


PAGES: tuple[tuple[str, Callable[[Request], Awaitable[Response]], list[str]], ...] = (
    ("/federation/{connection}/callback", callback, ["GET"]),
    ("/federation/{connection}/acs", acs, ["POST"]),
    ("/federation/{connection}/finish", finish, ["GET"]),
    ("/federation/{connection}/metadata", metadata, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, endpoint, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", endpoint, methods=methods))
        table.append(Route(path, endpoint, methods=methods))
    return table
