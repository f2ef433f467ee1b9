"""Outbound webhooks over httpx: one overall deadline, no redirects, no proxies from the environment.

The host is resolved before the request and refused when any of its addresses is link-local
(cloud metadata), unspecified or multicast, so a name cannot be pointed at 169.254.169.254 after
the URL was accepted. Answers are read up to ``MAX_REPLY_BYTES``.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Mapping
from urllib.parse import urlsplit

import httpx

from tenantry.core.hook import forbidden_address
from tenantry.ports.hooks import HookFailed, WebhookReply

MAX_REPLY_BYTES = 65_536


async def _check_addresses(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        found = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise HookFailed(f"the webhook host does not resolve ({type(exc).__name__})") from exc
    if any(forbidden_address(str(info[4][0])) for info in found):
        raise HookFailed("the webhook host resolves to a refused address")


async def _post(url: str, body: bytes, headers: Mapping[str, str], seconds: float) -> WebhookReply:
    await _check_addresses(url)
    async with (
        httpx.AsyncClient(timeout=seconds, follow_redirects=False, trust_env=False) as client,
        client.stream("POST", url, content=body, headers=dict(headers)) as response,
    ):
        received = bytearray()
        async for chunk in response.aiter_bytes():
            received += chunk
            if len(received) > MAX_REPLY_BYTES:
                raise HookFailed("the webhook answer is too large")
        return WebhookReply(response.status_code, bytes(received))


class HttpxWebhookSender:
    async def post(self, url: str, body: bytes, headers: Mapping[str, str], seconds: float) -> WebhookReply:
        try:
            return await asyncio.wait_for(_post(url, body, headers, seconds), seconds)
        except TimeoutError as exc:
            raise HookFailed("the webhook did not answer in time") from exc
        except httpx.HTTPError as exc:
            raise HookFailed(f"the webhook could not be reached ({type(exc).__name__})") from exc
