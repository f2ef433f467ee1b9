"""What running post-login hooks needs from outside: an HTTP client for webhooks, the operator's plugins."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

PLUGIN_GROUP = "tenantry.hooks"
"""The entry-point group under which an operator registers hook plugins."""

HookPlugin = Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
"""``plugin(context, settings)``: a ``HookResult``, a mapping of its fields, None, or an awaitable of one."""


class HookFailed(Exception):
    """A hook could not give an answer (timeout, refused address, bad response, missing plugin)."""


@dataclass(frozen=True, slots=True)
class WebhookReply:
    status: int
    body: bytes


class WebhookSender(Protocol):
    async def post(self, url: str, body: bytes, headers: Mapping[str, str], seconds: float) -> WebhookReply:
        """POST within ``seconds`` overall; raises ``HookFailed`` when no usable answer came."""
        ...


class HookPlugins(Protocol):
    def get(self, name: str) -> HookPlugin | None: ...
    def names(self) -> builtins.list[str]: ...
