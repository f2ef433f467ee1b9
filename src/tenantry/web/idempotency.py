"""``Idempotency-Key`` on admin writes: a retry gets the first answer, never a second write.

Pure ASGI so it sees the raw body (after the size cap) and the final response. Answers below 500
are kept for 24 hours per (credential, key); a server error releases the key so a retry can run.
"""

from __future__ import annotations

import hashlib
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tenantry.core.clock import Clock
from tenantry.core.idempotency import KEY_MAX_LENGTH, IdempotentRequest, fingerprint
from tenantry.ports.control import ControlPlane

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class Idempotency:
    def __init__(self, app: ASGIApp, control: ControlPlane, clock: Clock, prefix: str = "/api/v1"):
        self.app = app
        self.control = control
        self.clock = clock
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = dict(scope.get("headers") or []) if scope["type"] == "http" else {}
        key_bytes = headers.get(b"idempotency-key")
        credential = headers.get(b"authorization")
        if (
            key_bytes is None
            or credential is None
            or scope["method"] not in WRITES
            or not scope["path"].startswith(self.prefix)
        ):
            await self.app(scope, receive, send)
            return
        key = key_bytes.decode("latin-1")
        if not 1 <= len(key) <= KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
            await _answer(send, 400, "invalid_idempotency_key", "Idempotency-Key must be 1 to 255 printable ASCII")
            return
        body = await _read_body(receive)
        request = IdempotentRequest(
            owner=hashlib.sha256(credential).hexdigest(),
            key=key,
            fingerprint=fingerprint(scope["method"], scope["path"], scope.get("query_string", b"").decode(), body),
            created_at=self.clock.now(),
        )
        async with self.control.transaction() as tx:
            earlier = await tx.idempotency.claim(request)
        if earlier is not None:
            await self._replay(earlier, request, send)
            return
        await self._first(scope, body, request, send)

    async def _replay(self, earlier: IdempotentRequest, request: IdempotentRequest, send: Send) -> None:
        if earlier.fingerprint != request.fingerprint:
            await _answer(send, 422, "idempotency_key_reused", "this Idempotency-Key was used for another request")
        elif earlier.status is None:
            await _answer(send, 409, "idempotency_key_in_progress", "the first request with this key is still running")
        else:
            headers = [
                (b"content-type", (earlier.content_type or "application/json").encode()),
                (b"idempotent-replayed", b"true"),
            ]
            await send({"type": "http.response.start", "status": earlier.status, "headers": headers})
            await send({"type": "http.response.body", "body": earlier.body or b""})

    async def _first(self, scope: Scope, body: bytes, request: IdempotentRequest, send: Send) -> None:
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        try:
            await self.app(scope, replay_body, capture)
        except BaseException:
            async with self.control.transaction() as tx:
                await tx.idempotency.release(request.owner, request.key)
            raise
        request.status = start["status"]
        request.body = b"".join(chunks)
        content_type = dict(start.get("headers", [])).get(b"content-type")
        request.content_type = content_type.decode("latin-1") if content_type else None
        async with self.control.transaction() as tx:
            if request.status < 500:
                await tx.idempotency.complete(request)
            else:
                await tx.idempotency.release(request.owner, request.key)
        await send(start)
        await send({"type": "http.response.body", "body": request.body})


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        parts.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(parts)


async def _answer(send: Send, status: int, code: str, message: str) -> None:
    payload = json.dumps({"error": code, "message": message, "details": {}}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": payload})
