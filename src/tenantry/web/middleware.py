"""Pure ASGI middleware: request ids, a body-size cap, security headers and request metrics."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import structlog
from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry import logs

REQUESTS = Counter("tenantry_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("tenantry_http_request_seconds", "HTTP request latency", ["method", "route"])
CSP = "default-src 'self'; frame-ancestors 'self'"
SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"SAMEORIGIN"),
]


def content_security_policy(*, image_origins: tuple[str, ...] = ()) -> str:
    """The default policy, letting images also come from the given origins (a realm's logo).

    A response that sets its own policy keeps it, so pages build theirs here and never drop a
    directive of the default.
    """
    if not image_origins:
        return CSP
    return f"{CSP}; img-src 'self' {' '.join(image_origins)}"


API_PREFIX = "/api/v1"


def _route_label(scope: Scope) -> str:
    """The route template, with the API prefix the included router leaves off its own path."""
    route = getattr(scope.get("route"), "path", None)
    if route is None:
        return "unmatched"
    if scope["path"].startswith(API_PREFIX) and not route.startswith(API_PREFIX):
        return f"{API_PREFIX}{route}"
    return str(route)


class TooLarge(Exception):
    pass


class RequestContext:
    """Gives every request an id (echoed as ``X-Request-Id``), security headers, and metrics by route."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isascii() else secrets.token_hex(12)
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                own = {name.lower() for name, _ in headers if name.lower() == b"content-security-policy"}
                message["headers"] = [
                    *headers,
                    (b"x-request-id", request_id.encode()),
                    *(header for header in SECURITY_HEADERS if header[0] not in own),
                ]
            await send(message)

        structlog.contextvars.bind_contextvars(request_id=request_id)
        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            route = _route_label(scope)
            elapsed = time.perf_counter() - started
            REQUESTS.labels(scope["method"], route, str(status)).inc()
            LATENCY.labels(scope["method"], route).observe(elapsed)
            logs.access(request_id, scope["method"], route, status, round(elapsed * 1000, 2))
            structlog.contextvars.unbind_contextvars("request_id")


class BodyLimit:
    """Refuses bodies over ``max_bytes`` with 413 before the app reads them whole (S10)."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        if max_bytes < 1:
            raise ValueError("max_bytes must be positive")
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await _too_large(send, self.max_bytes)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise TooLarge
            return message

        try:
            await self.app(scope, limited, send)
        except TooLarge:
            await _too_large(send, self.max_bytes)


async def _too_large(send: Send, limit: int) -> None:
    body: dict[str, Any] = {
        "error": "payload_too_large",
        "message": f"the request body exceeds {limit} bytes",
        "details": {"max_bytes": limit},
    }
    payload = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
