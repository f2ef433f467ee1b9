"""``/account/factors``: the signed-in user manages their second factors (SPEC D8, S8, S9).

Every change is a POST with the page's CSRF token and answers 303 back to the page, which shows a
notice named in the query. New recovery codes travel to that page once, sealed in a short-lived
cookie that the page deletes as it shows them.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Awaitable, Callable

from cryptography.fernet import InvalidToken
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.errors import Unavailable
from tenantry.core.realm import Realm
from tenantry.services.account import Holder

from ..provider.routes import realm_of
from ..routing import Route
from .cookies import session_cookie
from .routes import base_path, client_ip, render

NOTICES = {
    "added": "Your new sign-in method is ready.",
    "removed": "The method was removed.",
    "codes": "Your new recovery codes are below; the old ones no longer work.",
    "wrong_code": "That code did not work. Enter the current code from your authenticator app.",
    "locked": "Too many wrong codes. Wait a few minutes, then try again.",
    "passkey_failed": "The passkey could not be added. Try again.",
    "reauthenticate": "For your safety, sign in again (less than 10 minutes ago) before removing a method.",
    "not_found": "That method does not exist any more.",
}
CODES_SECONDS = 300


def codes_cookie(realm: Realm) -> str:
    return f"tnt_codes_{realm.id}"


def _page(request: Request, realm: Realm, notice: str) -> RedirectResponse:
    return RedirectResponse(f"{base_path(request, realm)}/account/factors?notice={notice}", status_code=303)


async def _holder(request: Request) -> tuple[Runtime, Realm, Holder | None]:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    holder = await runtime.services.account.holder(realm, request.cookies.get(session_cookie(realm)))
    return runtime, realm, holder


def _signed_out(request: Request, realm: Realm) -> Response:
    context = {"error": "login_required", "description": "Sign in to the application first, then come back here."}
    return render(request, realm, "error", context, 401)


def _read_codes(request: Request, runtime: Runtime, realm: Realm) -> list[str]:
    sealed = request.cookies.get(codes_cookie(realm))
    if not sealed:
        return []
    try:
        codes = json.loads(runtime.ports.secrets.open(sealed))
    except (InvalidToken, Unavailable, ValueError):
        return []
    return [str(code) for code in codes] if isinstance(codes, list) else []


async def show(request: Request) -> Response:
    runtime, realm, holder = await _holder(request)
    if holder is None:
        return _signed_out(request, realm)
    factors, pending, left = await runtime.services.account.overview(holder)
    context = {
        "email": holder.user.email,
        "factors": factors,
        "pending": pending,
        "recovery_left": left,
        "codes": _read_codes(request, runtime, realm),
        "message": NOTICES.get(request.query_params.get("notice", "")),
    }
    response = render(request, realm, "factors", context, csrf=holder.csrf)
    response.delete_cookie(codes_cookie(realm), path="/")
    return response


Action = Callable[[Request, Runtime, Realm, Holder, dict[str, str]], Awaitable[Response]]


def action(handler: Action) -> Callable[[Request], Awaitable[Response]]:
    """A POST from the page: a live session and its CSRF token, or nothing happens."""

    async def endpoint(request: Request) -> Response:
        runtime, realm, holder = await _holder(request)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if holder is None:
            return _signed_out(request, realm)
        if not hmac.compare_digest(form.get("csrf", ""), holder.csrf):
            context = {"error": "invalid_request", "description": "The form was not ours."}
            return render(request, realm, "error", context, 403)
        return await handler(request, runtime, realm, holder, form)

    return endpoint


async def _add_totp(request: Request, runtime: Runtime, realm: Realm, holder: Holder, _: dict[str, str]) -> Response:
    await runtime.services.account.begin_totp(holder)
    return RedirectResponse(f"{base_path(request, realm)}/account/factors", status_code=303)


async def _confirm_totp(
    request: Request, runtime: Runtime, realm: Realm, holder: Holder, form: dict[str, str]
) -> Response:
    check = await runtime.services.account.confirm_totp(
        holder, form.get("factor_id", ""), form.get("code", ""), client_ip(request)
    )
    return _page(request, realm, "added" if check.ok else "locked" if check.retry_after else "wrong_code")


async def _add_passkey(
    request: Request, runtime: Runtime, realm: Realm, holder: Holder, form: dict[str, str]
) -> Response:
    added = await runtime.services.account.add_passkey(holder, form.get("credential", ""), form.get("label", ""))
    return _page(request, realm, "added" if added else "passkey_failed")


async def _recovery_codes(
    request: Request, runtime: Runtime, realm: Realm, holder: Holder, _: dict[str, str]
) -> Response:
    codes = await runtime.services.account.recovery_codes(holder)
    response = _page(request, realm, "codes")
    response.set_cookie(
        codes_cookie(realm),
        runtime.ports.secrets.seal(json.dumps(codes).encode()),
        max_age=CODES_SECONDS,
        path="/",
        httponly=True,
        samesite="lax",
        secure=runtime.settings.base_url.startswith("https://"),
    )
    return response


async def _remove(request: Request, runtime: Runtime, realm: Realm, holder: Holder, form: dict[str, str]) -> Response:
    if not runtime.services.account.recent(holder):
        return _page(request, realm, "reauthenticate")
    removed = await runtime.services.account.remove(holder, form.get("factor_id", ""))
    return _page(request, realm, "removed" if removed else "not_found")


async def qr_code(request: Request) -> Response:
    runtime, _, holder = await _holder(request)
    svg = await runtime.services.account.qr_code(holder) if holder else None
    if svg is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


async def passkey_options(request: Request) -> Response:
    runtime, _, holder = await _holder(request)
    if holder is None:
        return JSONResponse({"error": "login_required"}, status_code=401, headers={"Cache-Control": "no-store"})
    options = await runtime.services.account.passkey_options(holder)
    return Response(options, media_type="application/json", headers={"Cache-Control": "no-store"})


PAGES = (
    ("/account/factors", show, ["GET"]),
    ("/account/factors/totp", action(_add_totp), ["POST"]),
    ("/account/factors/totp/confirm", action(_confirm_totp), ["POST"]),
    ("/account/factors/passkey", action(_add_passkey), ["POST"]),
    ("/account/factors/recovery-codes", action(_recovery_codes), ["POST"]),
    ("/account/factors/remove", action(_remove), ["POST"]),
    ("/account/factors/qr.svg", qr_code, ["GET"]),
    ("/account/factors/passkey-options", passkey_options, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, endpoint, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", endpoint, methods=methods))
        table.append(Route(path, endpoint, methods=methods))
    return table
