"""``tenantry serve``: run the ASGI app under uvicorn (uvloop + httptools, see STACK notes)."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from .common import settings

APP_FACTORY = "tenantry.web.app:create_app"


def serve(
    host: Annotated[str | None, typer.Option("--host", help="Bind address (default: TENANTRY_HOST).")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default: TENANTRY_PORT).")] = None,
    reload: Annotated[bool, typer.Option("--reload", help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the admin API and the health and metrics endpoints over HTTP."""
    config = settings()
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        access_log=False,
        host=host or config.host,
        port=port if port is not None else config.port,
        reload=reload,
        log_level=config.log_level,
    )
