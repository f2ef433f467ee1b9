"""The authorization endpoint and the login steps as Starlette routes (post/redirect/get throughout)."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from tenantry.bootstrap import Runtime
from tenantry.core.realm import Realm
from tenantry.flows.login import LoginTransaction
from tenantry.services.outcome import Outcome

from ..middleware import content_security_policy
from ..provider.routes import realm_of
from ..routing import Route
from .branding import PageBranding, branding_for, login_organization, page_branding
from .cookies import read_transaction, session_cookie, write_session, write_transaction

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
)


def base_path(request: Request, realm: Realm) -> str:
    """``/realms/{name}`` on the deployment host; nothing on a realm's custom domain."""
    return f"/realms/{realm.name}" if "realm" in request.path_params else ""


def render(
    request: Request,
    realm: Realm,
    page: str,
    context: dict[str, Any],
    status: int = 200,
    csrf: str = "",
    branding: PageBranding | None = None,
) -> HTMLResponse:
    """A page with the realm's branding, or the one given (an organization's over the realm's)."""
    shown = branding or page_branding(realm)
    html = TEMPLATES.get_template(f"{page}.html").render(
        realm=realm,
        csrf=csrf,
        label=realm.settings.organization_label,
        base=base_path(request, realm),
        branding=shown,
        **context,
    )
    headers = {"Cache-Control": "no-store"}
    if shown.image_origin:
        headers["Content-Security-Policy"] = content_security_policy(image_origins=(shown.image_origin,))
    if status == 429 and context.get("retry_after"):
        headers["Retry-After"] = str(int(context["retry_after"]))
    return HTMLResponse(html, status_code=status, headers=headers)


async def outcome_branding(runtime: Runtime, realm: Realm, outcome: Outcome) -> PageBranding | None:
    """The branding of the organization the outcome's page is for; None when no page is shown at once."""
    if outcome.redirect is not None:
        return None
    return await branding_for(runtime, realm, login_organization(outcome.transaction, outcome.context))


def respond(
    request: Request,
    runtime: Runtime,
    realm: Realm,
    outcome: Outcome,
    *,
    after_post: bool,
    branding: PageBranding | None = None,
) -> Response:
    """Redirects are 303 after a POST (S8); pages after a POST go through GET /login (PRG)."""
    if outcome.redirect is not None:
        response: Response = RedirectResponse(outcome.redirect, status_code=303 if after_post else 302)
        write_transaction(response, runtime, realm, outcome.transaction)
    elif after_post and outcome.transaction is not None:
        outcome.transaction.view = {"page": outcome.page, "context": outcome.context, "status": outcome.status}
        response = RedirectResponse(f"{base_path(request, realm)}/login", status_code=303)
        write_transaction(response, runtime, realm, outcome.transaction)
    else:
        csrf = outcome.transaction.csrf if outcome.transaction else ""
        response = render(request, realm, outcome.page or "error", outcome.context, outcome.status, csrf, branding)
        if outcome.transaction is not None:
            write_transaction(response, runtime, realm, outcome.transaction)
    if outcome.session_value is not None:
        write_session(response, runtime, realm, outcome.session_value)
    return response


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def authorize(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    params = parse_qs(request.url.query, keep_blank_values=True)
    cookie = request.cookies.get(session_cookie(realm))
    outcome = await runtime.services.login.authorize(realm, params, cookie, client_ip(request))
    branding = await outcome_branding(runtime, realm, outcome)
    return respond(request, runtime, realm, outcome, after_post=False, branding=branding)


async def show(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    transaction = read_transaction(request, runtime, realm)
    if transaction is None or not transaction.view:
        return render(
            request, realm, "error", {"error": "login_expired", "description": "Start again from the application."}, 400
        )
    view = transaction.view
    branding = await branding_for(runtime, realm, login_organization(transaction, view["context"]))
    return render(request, realm, view["page"], view["context"], view["status"], transaction.csrf, branding)


Step = Callable[[Runtime, Realm, LoginTransaction, dict[str, str], Request], Awaitable[Outcome]]
View = Callable[[Runtime, Realm, LoginTransaction], Awaitable[Outcome]]


def expired(request: Request, realm: Realm) -> HTMLResponse:
    return render(
        request,
        realm,
        "error",
        {"error": "login_expired", "description": "Your sign-in expired. Start again from the application."},
        400,
    )


def step(handler: Step) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        runtime: Runtime = request.app.state.runtime
        realm = await realm_of(request)
        transaction = read_transaction(request, runtime, realm)
        form = {key: str(value) for key, value in (await request.form()).items()}
        if transaction is None:
            return expired(request, realm)
        if not hmac.compare_digest(form.get("csrf", ""), transaction.csrf):
            return render(
                request, realm, "error", {"error": "invalid_request", "description": "The form was not ours."}, 403
            )
        transaction.client_ip = client_ip(request)
        outcome = await handler(runtime, realm, transaction, form, request)
        return respond(request, runtime, realm, outcome, after_post=True)

    return endpoint


def view_or_step(view: View, handler: Step) -> Callable[[Request], Awaitable[Response]]:
    """GET shows a login page for the current transaction (links between pages); POST runs the step."""
    posted = step(handler)

    async def endpoint(request: Request) -> Response:
        if request.method == "POST":
            return await posted(request)
        runtime: Runtime = request.app.state.runtime
        realm = await realm_of(request)
        transaction = read_transaction(request, runtime, realm)
        if transaction is None:
            return expired(request, realm)
        outcome = await view(runtime, realm, transaction)
        branding = await outcome_branding(runtime, realm, outcome)
        return respond(request, runtime, realm, outcome, after_post=False, branding=branding)

    return endpoint


async def _identifier(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], _: Request
) -> Outcome:
    return await runtime.services.login.identify(realm, tx, form.get("email", ""))


async def _identifier_view(runtime: Runtime, realm: Realm, tx: LoginTransaction) -> Outcome:
    return await runtime.services.login.identifier_page(realm, tx, tx.email or "")


async def _find_organization(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], _: Request
) -> Outcome:
    return await runtime.services.login.find_organization(realm, tx, form.get("name", ""), form.get("email", ""))


async def _signup(runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], _: Request) -> Outcome:
    fields = (form.get("email", ""), form.get("name", ""), form.get("password", ""))
    return await runtime.services.login.signup(realm, tx, *fields)


async def _signup_view(runtime: Runtime, realm: Realm, tx: LoginTransaction) -> Outcome:
    return await runtime.services.login.signup_form(realm, tx)


async def _account(runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], _: Request) -> Outcome:
    return runtime.services.login.choose_account(tx, form.get("user_id", ""))


async def _password(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], request: Request
) -> Outcome:
    return await runtime.services.login.password(realm, tx, form.get("password", ""), client_ip(request))


async def _organization(
    runtime: Runtime, realm: Realm, tx: LoginTransaction, form: dict[str, str], _: Request
) -> Outcome:
    return await runtime.services.login.pick(realm, tx, form.get("organization_id", ""))


async def logout(request: Request) -> Response:
    """RP-initiated logout: end the session everywhere; go back only to a registered URI (HOSTILE 15)."""
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    params = dict(request.query_params)
    await runtime.services.login.logout(realm, request.cookies.get(session_cookie(realm)))
    target = await runtime.services.login.post_logout_target(realm, params)
    response: Response = (
        RedirectResponse(target, status_code=303) if target else render(request, realm, "logged_out", {})
    )
    write_session(response, runtime, realm, None)
    return response


async def switcher(request: Request) -> Response:
    runtime: Runtime = request.app.state.runtime
    realm = await realm_of(request)
    outcome = await runtime.services.login.switcher(
        realm, request.query_params.get("client_id"), request.cookies.get(session_cookie(realm))
    )
    branding = await outcome_branding(runtime, realm, outcome)
    return respond(request, runtime, realm, outcome, after_post=False, branding=branding)


PAGES: tuple[tuple[str, Callable[[Request], Awaitable[Response]], list[str]], ...] = (
    ("/oauth/authorize", authorize, ["GET"]),
    ("/login", show, ["GET"]),
    ("/login/find-organization", step(_find_organization), ["POST"]),
    ("/login/identifier", view_or_step(_identifier_view, _identifier), ["GET", "POST"]),
    ("/login/signup", view_or_step(_signup_view, _signup), ["GET", "POST"]),
    ("/login/account", step(_account), ["POST"]),
    ("/login/password", step(_password), ["POST"]),
    ("/login/organization", step(_organization), ["POST"]),
    ("/oauth/logout", logout, ["GET", "POST"]),
    ("/organizations/switch", switcher, ["GET"]),
)


def routes() -> list[Route]:
    table = []
    for path, endpoint, methods in PAGES:
        table.append(Route(f"/realms/{{realm}}{path}", endpoint, methods=methods))
        table.append(Route(path, endpoint, methods=methods))
    return table
