"""Hosted pages reached from mail: accepting an invitation, forgotten password, reset, email verification.

A form outside a login transaction carries a CSRF value that must equal the one in a SameSite
cookie (double submit); inside one, the transaction's own value is used, like every login step.
Every credential POST answers with a 303 (S8).
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.services.mail_tokens import LinkRefused, normalized_email

from ..provider.routes import realm_of
from ..routing import Route
from .branding import branding_for
from .cookies import read_transaction
from .routes import base_path, outcome_branding, render, respond

CSRF_COOKIE = "tnt_csrf"


def _csrf(request: Request, runtime: Runtime, realm: Realm) -> str:
    transaction = read_transaction(request, runtime, realm)
    if transaction is not None:
        return transaction.csrf
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


async def _page(
    request: Request, runtime: Runtime, realm: Realm, page: str, context: Mapping[str, object], status: int = 200
) -> Response:
    """A page with the login's organization branding (if a login is under way) and this browser's CSRF value."""
    transaction = read_transaction(request, runtime, realm)
    organization = transaction.requested_organization() if transaction else None
    branding = await branding_for(runtime, realm, organization)
    csrf = _csrf(request, runtime, realm)
    response = render(request, realm, page, dict(context), status, csrf, branding)
    if transaction is None:
        secure = runtime.settings.base_url.startswith("https://")
        response.set_cookie(CSRF_COOKIE, csrf, path="/", httponly=True, samesite="lax", secure=secure)
    return response


async def _form(request: Request, runtime: Runtime, realm: Realm) -> dict[str, str] | None:
    """The posted fields, or None when the CSRF value is not the one this browser was given."""
    form = {key: str(value) for key, value in (await request.form()).items()}
    transaction = read_transaction(request, runtime, realm)
    expected = transaction.csrf if transaction else request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(form.get("csrf", ""), expected):
        return None
    return form


def _not_ours(request: Request, realm: Realm) -> Response:
    return render(request, realm, "error", {"error": "invalid_request", "description": "The form was not ours."}, 403)


async def _refused(request: Request, runtime: Runtime, realm: Realm, refused: LinkRefused) -> Response:
    context = {"error": refused.error, "description": refused.description, "retry_after": 60}
    return await _page(request, runtime, realm, "error", context, refused.status)


async def accept_invitation(request: Request) -> Response:
    """E1: the invitation link's landing page (or its E3 refusal); it starts a login carrying the invitation."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    params = request.query_params
    outcome = await runtime.services.login.invitation_page(
        realm, None, params.get("organization"), params.get("invitation")
    )
    branding = await outcome_branding(runtime, realm, outcome)
    return respond(request, runtime, realm, outcome, after_post=False, branding=branding)


async def forgot_password(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    if request.method == "GET":
        transaction = read_transaction(request, runtime, realm)
        shown = transaction.email if transaction and transaction.email else ""
        return await _page(request, runtime, realm, "forgot_password", {"email": shown})
    form = await _form(request, runtime, realm)
    if form is None:
        return _not_ours(request, realm)
    email = normalized_email(form.get("email", ""))
    if email is None:
        context = {"email": form.get("email", ""), "error": "Enter a valid email address."}
        return await _page(request, runtime, realm, "forgot_password", context, 400)
    transaction = read_transaction(request, runtime, realm)
    organization = transaction.requested_organization() if transaction else None
    ip = request.client.host if request.client else "unknown"
    verdict = await runtime.services.mail_tokens.request_reset(realm, email, organization, ip)
    if not verdict.allowed:
        return await _page(request, runtime, realm, "locked", {"retry_after": verdict.retry_after}, 429)
    return RedirectResponse(f"{base_path(request, realm)}/password/forgot/sent", status_code=303)


async def forgot_password_sent(request: Request) -> Response:
    """S7: the same page whatever the email was."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    return await _page(request, runtime, realm, "forgot_password_sent", {})


async def reset_password(request: Request) -> Response:
    """GET shows the form for a live link; POST applies the connection's policy, then sends to the login page."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    service = runtime.services.mail_tokens
    if request.method == "GET":
        token = request.query_params.get("token", "")
        refused = await service.reset_form(realm, token)
        if refused is not None:
            return await _refused(request, runtime, realm, refused)
        return await _page(request, runtime, realm, "reset_password", {"token": token})
    form = await _form(request, runtime, realm)
    if form is None:
        return _not_ours(request, realm)
    token = form.get("token", "")
    ip = request.client.host if request.client else "unknown"
    result = await service.reset(realm, token, form.get("password", ""), ip)
    if isinstance(result, LinkRefused):
        return await _refused(request, runtime, realm, result)
    if isinstance(result, str):
        return await _page(request, runtime, realm, "reset_password", {"token": token, "error": result}, 400)
    base = base_path(request, realm)
    has_login = read_transaction(request, runtime, realm) is not None
    return RedirectResponse(f"{base}/login/identifier" if has_login else f"{base}/password/changed", status_code=303)


async def password_changed(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    return await _page(request, runtime, realm, "password_changed", {})


async def verify_email(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    refused = await runtime.services.mail_tokens.verify(realm, request.query_params.get("token", ""))
    if refused is not None:
        return await _refused(request, runtime, realm, refused)
    return await _page(request, runtime, realm, "email_verified", {})


PAGES: tuple[tuple[str, Callable[[Request], Awaitable[Response]], list[str]], ...] = (
    ("/invitations/accept", accept_invitation, ["GET"]),
    ("/password/forgot", forgot_password, ["GET", "POST"]),
    ("/password/forgot/sent", forgot_password_sent, ["GET"]),
    ("/password/reset", reset_password, ["GET", "POST"]),
    ("/password/changed", password_changed, ["GET"]),
    ("/email/verify", verify_email, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, endpoint, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", endpoint, methods=methods))
        table.append(Route(path, endpoint, methods=methods))
    return table
