"""``/demo``: a small relying party for the demo realm, the first thing a new user sees working.

It does what any application would: code flow with PKCE, state and nonce, a back-channel token
request, and the ID token's claims on screen, with a link to switch organization (which starts a
fresh authorization). Its credentials are the ones ``tenantry demo seed`` stored.
"""

from __future__ import annotations

import base64
import json
import secrets
from urllib.parse import urlencode

from cryptography.fernet import InvalidToken
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.protocols.oauth import pkce

from .pages.routes import TEMPLATES
from .routing import Route

REALM = "demo"
COOKIE = "tnt_demo_rp"


def _client(runtime: Runtime) -> dict[str, str] | None:
    path = runtime.settings.data_dir / "demo-rp.json"
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if data.get("client_id") and data.get("client_secret") else None


def _page(name: str, status: int = 200, **context: object) -> HTMLResponse:
    return HTMLResponse(
        TEMPLATES.get_template(f"demo_{name}.html").render(**context),
        status_code=status,
        headers={"Cache-Control": "no-store"},
    )


async def home(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    client = _client(runtime)
    if client is None:
        return _page("missing", 503)
    sealed = request.cookies.get(COOKIE)
    session = _open(runtime, sealed) if sealed else None
    return _page("home", claims=(session or {}).get("claims"), client_id=client["client_id"])


async def login(request: Request) -> Response:
    """Start an authorization; ``organization`` (from the switcher) asks for that context."""
    runtime: Runtime = request.app.state.runtime
    client = _client(runtime)
    if client is None:
        return _page("missing", 503)
    verifier, state, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    params = {
        "client_id": client["client_id"],
        "redirect_uri": f"{runtime.settings.base_url}/demo/callback",
        "response_type": "code",
        "scope": "openid profile email",
        "state": state,
        "nonce": nonce,
        "code_challenge": pkce.s256(verifier),
        "code_challenge_method": "S256",
    }
    organization = request.query_params.get("organization")
    if organization:
        params["organization"] = organization
    response = RedirectResponse(f"/realms/{REALM}/oauth/authorize?{urlencode(params)}", status_code=302)
    _seal(response, runtime, {"verifier": verifier, "state": state, "nonce": nonce})
    return response


async def callback(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    client = _client(runtime)
    pending = _open(runtime, request.cookies.get(COOKIE, ""))
    params = request.query_params
    if client is None or pending is None or params.get("state") != pending.get("state"):
        return _page("error", 400, error="invalid_state", description="The sign-in did not start here.")
    if "error" in params:
        return _page("error", 400, error=params["error"], description=params.get("error_description", ""))
    async with runtime.ports.control.transaction() as tx:
        realm = await tx.realms.by_name(REALM)
    assert realm is not None
    credentials = base64.b64encode(f"{client['client_id']}:{client['client_secret']}".encode()).decode()
    tokens = await runtime.services.tokens.token(
        realm,
        f"Basic {credentials}",
        {
            "grant_type": "authorization_code",
            "code": params.get("code", ""),
            "code_verifier": str(pending["verifier"]),
            "redirect_uri": f"{runtime.settings.base_url}/demo/callback",
        },
    )
    claims = _payload(tokens["id_token"])
    if claims.get("nonce") != pending.get("nonce"):
        return _page("error", 400, error="invalid_nonce", description="The ID token was not for this sign-in.")
    response = RedirectResponse("/demo", status_code=303)
    _seal(response, runtime, {"claims": claims})
    return response


async def logout(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    client = _client(runtime) or {}
    back = urlencode(
        {"client_id": client.get("client_id", ""), "post_logout_redirect_uri": f"{runtime.settings.base_url}/demo"}
    )
    response = RedirectResponse(f"/realms/{REALM}/oauth/logout?{back}", status_code=303)
    response.delete_cookie(COOKIE, path="/demo")
    return response


def _payload(token: str) -> dict[str, object]:
    """The ID token came straight from our own token endpoint over no network; its claims are for display."""
    part = token.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))))


def _seal(response: Response, runtime: Runtime, data: dict[str, object]) -> None:
    response.set_cookie(
        COOKIE,
        runtime.ports.secrets.seal(json.dumps(data).encode()),
        path="/demo",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.base_url.startswith("https://"),
    )


def _open(runtime: Runtime, sealed: str) -> dict[str, object] | None:
    try:
        return dict(json.loads(runtime.ports.secrets.open(sealed)))
    except (InvalidToken, ValueError, TypeError):
        return None


def routes() -> list[Route]:
    return [
        Route("/demo", home, methods=["GET"]),
        Route("/demo/login", login, methods=["GET"]),
        Route("/demo/callback", callback, methods=["GET"]),
        Route("/demo/logout", logout, methods=["GET"]),
    ]
