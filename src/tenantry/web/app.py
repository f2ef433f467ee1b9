"""The ASGI application: the composition root for HTTP.

``create_app()`` builds its own Runtime from the environment (``tenantry serve`` uses it as a
uvicorn factory); tests pass a Runtime they own.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import structlog
from fastapi import APIRouter, FastAPI
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

from tenantry import __version__, logs
from tenantry.bootstrap import Runtime
from tenantry.config import load_settings

from . import errors
from .demo import routes as demo_routes
from .idempotency import Idempotency
from .middleware import BodyLimit, RequestContext
from .pages.account import routes as account_routes
from .pages.branding import routes as branding_routes
from .pages.federation import routes as federation_routes
from .pages.mail_links import routes as mail_link_routes
from .pages.routes import routes as page_routes
from .pages.second_factor import routes as second_factor_routes
from .provider.dispatch import ProviderApp, provider_stack
from .routers import (
    applications,
    customers,
    enterprise,
    factors,
    health,
    hooks,
    invitations,
    keys,
    mail,
    members,
    organizations,
    platform,
    realms,
    roles,
    saml_applications,
    scim,
    users,
)
from .saml.routes import routes as saml_routes
from .scim.app import match as scim_match
from .scim.app import scim_stack

log = structlog.get_logger("tenantry.web")


async def _recheck_domains(runtime: Runtime, every: int) -> None:
    """F3: the periodic re-check; safe on several nodes at once (each pass is idempotent)."""
    while True:
        await asyncio.sleep(every)
        try:
            result = await runtime.services.domains.recheck()
            if result.lapsed:
                log.warning("domain_claims_lapsed", count=len(result.lapsed))
        except Exception:
            log.exception("domain_recheck_failed")


class TenantryApp(FastAPI):
    """FastAPI for the admin API and pages; the protocol endpoints are answered before its stack."""

    provider: ProviderApp
    provider_stack: ASGIApp
    scim_stack: ASGIApp

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.provider.match(scope["path"]) is not None:
            scope["app"] = self
            await self.provider_stack(scope, receive, send)
            return
        if scope["type"] == "http" and scim_match(scope["path"]) is not None:
            scope["app"] = self
            await self.scim_stack(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(runtime: Runtime | None = None) -> TenantryApp:
    owned = runtime is None
    active = runtime or Runtime(load_settings())
    if owned:
        logs.configure(active.settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await active.start()
        every = active.settings.domain_recheck_seconds
        task = asyncio.create_task(_recheck_domains(active, every)) if every > 0 else None
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if owned:
                await active.close()
            else:
                await active.changes.close()

    app = TenantryApp(
        title="Tenantry admin API",
        version=__version__,
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.runtime = active
    errors.install(app)
    api = APIRouter(prefix="/api/v1")
    for module in (
        realms,
        users,
        factors,
        organizations,
        members,
        enterprise,
        invitations,
        mail,
        roles,
        applications,
        saml_applications,
        keys,
        hooks,
        platform,
        scim,
        customers,
    ):
        api.include_router(module.router)
    app.include_router(api)
    app.include_router(health.router)
    app.provider = ProviderApp()
    app.provider_stack = provider_stack(app.provider, active.settings.max_body_bytes)
    app.scim_stack = scim_stack(active.settings.max_body_bytes)
    # Hosted pages first: a login request would otherwise try each admin route before its own.
    app.router.routes[:0] = [
        *page_routes(),
        *second_factor_routes(),
        *account_routes(),
        *mail_link_routes(),
        *saml_routes(),
        *branding_routes(),
        *demo_routes(),
    ]
    app.router.routes[:0] = [*page_routes(), *federation_routes(), *branding_routes(), *demo_routes()]
    app.mount("/static", StaticFiles(directory=Path(__file__).resolve().parent / "static"), name="static")
    app.add_middleware(Idempotency, control=active.ports.control, clock=active.clock)
    app.add_middleware(BodyLimit, max_bytes=active.settings.max_body_bytes)
    app.add_middleware(RequestContext)
    return app
