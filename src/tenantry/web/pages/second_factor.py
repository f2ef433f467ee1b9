"""The MFA step of the hosted login: the two credential POSTs, the enrolment QR code and passkey options.

The QR code and the WebAuthn options are fetched from the login's own origin, so the pages keep
the default Content-Security-Policy (no data: images, no inline script).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.flows.login import LoginTransaction
from tenantry.services.outcome import Outcome

from ..provider.routes import realm_of
from ..routing import Route
from .cookies import read_transaction
from .routes import client_ip, step

NO_STORE = {"Cache-Control": "no-store"}


async def _verify(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], request: Request
) -> Outcome:
    return await runtime.services.login.second_factor(realm, tx, form, client_ip(request))


async def _enrol(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], request: Request
) -> Outcome:
    return await runtime.services.login.enrol_factor(realm, tx, form, client_ip(request))


async def qr_code(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    transaction = read_transaction(request, runtime, realm)
    svg = await runtime.services.login.mfa.qr_code(realm, transaction) if transaction else None
    if svg is None:
        return Response(status_code=404, headers=NO_STORE)
    return Response(svg, media_type="image/svg+xml", headers=NO_STORE)


async def passkey_options(request: Request) -> Response:
    """Options under a fresh challenge, stored server-side under this login's binding (S9)."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    transaction = read_transaction(request, runtime, realm)
    options = await runtime.services.login.mfa.passkey_options(realm, transaction) if transaction else None
    if options is None:
        return JSONResponse({"error": "no_passkey"}, status_code=404, headers=NO_STORE)
    return Response(options, media_type="application/json", headers=NO_STORE)


PAGES = (
    ("/login/mfa", step(_verify), ["POST"]),
    ("/login/mfa/enrol", step(_enrol), ["POST"]),
    ("/login/mfa/qr.svg", qr_code, ["GET"]),
    ("/login/mfa/passkey-options", passkey_options, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, endpoint, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", endpoint, methods=methods))
        table.append(Route(path, endpoint, methods=methods))
    return table
