"""An HTTP client against the real ASGI app on a real database, with an operator token."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tenantry.bootstrap import Runtime
from tenantry.services.access import system_actor
from tenantry.web.app import create_app


@asynccontextmanager
async def api_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """A client whose default Authorization is a fresh operator token."""
    _, secret = await runtime.services.admin_tokens.create(system_actor(), name="test-operator", kind="operator")
    app = create_app(runtime)
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {secret}"}
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000", headers=headers) as client:
        client.app = app  # type: ignore[attr-defined]
        yield client


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
