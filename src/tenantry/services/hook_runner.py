"""Running a realm's post-login hooks between authentication and the authorization code (SPEC J1, J2).

Hooks run in order, each seeing the same context (user, organization, application, connection,
realm); the first denial stops the list. A hook that fails (a plugin raises, a webhook is slow,
unreachable or answers badly) continues the login when it is fail-open and denies it otherwise.
Metadata updates of all hooks are merged and written once, after the last hook, unless denied.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import secrets
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import structlog
from pydantic import ValidationError

from tenantry.core import names
from tenantry.core.errors import InvalidInput
from tenantry.core.hook import MAX_TIMEOUT_SECONDS, Hook, HookOutcome, HookResult
from tenantry.core.hook_rule import compile_rule, run_rule
from tenantry.core.plane import DataPlane
from tenantry.core.realm import Realm
from tenantry.core.user import User
from tenantry.core.webhook_signature import headers as signature_headers
from tenantry.ports.hooks import HookFailed, HookPlugins, WebhookSender

from .configuration import Configuration
from .context import Ports

log = structlog.get_logger("tenantry.hooks")
FAILED_REASON = "Your sign-in could not be completed. Try again later or contact your administrator."
"""Shown when a fail-closed hook fails: the cause is in the log, never on the page."""


def frozen(value: Any) -> Any:
    """A read-only copy for plugins: mappings become mapping proxies, lists become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: frozen(item) for key, item in value.items()})
    if isinstance(value, list | tuple):
        return tuple(frozen(item) for item in value)
    return value


class HookRunner:
    def __init__(self, ports: Ports, configuration: Configuration, plugins: HookPlugins, webhooks: WebhookSender):
        self.ports = ports
        self.configuration = configuration
        self.plugins = plugins
        self.webhooks = webhooks

    async def run(
        self, realm: Realm, plane: DataPlane, client_id: str, user_id: str, organization_id: str | None
    ) -> HookOutcome:
        """The outcome of the realm's enabled hooks for this login (empty when it has none)."""
        hooks = [hook for hook in await self.configuration.hooks(realm.id) if hook.enabled]
        outcome = HookOutcome()
        if not hooks:
            return outcome
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(user_id)
        if user is None:
            outcome.deny("(user)", FAILED_REASON)
            return outcome
        context = await self.context(realm, user, client_id, organization_id)
        for hook in hooks:
            try:
                result = await self._one(realm, hook, context)
            except Exception as exc:  # any failure of a hook is decided by its fail-open choice
                log.warning("hook_failed", realm_id=realm.id, hook_id=hook.id, kind=hook.kind, error=type(exc).__name__)
                if not hook.fail_open:
                    outcome.deny(hook.name, FAILED_REASON)
                    break
                continue
            outcome.add(hook.name, result)
            if outcome.denied is not None:
                break
        if outcome.denied is None and (outcome.app_metadata or outcome.user_metadata):
            await self._write_metadata(realm, plane, user.id, outcome)
        return outcome

    async def context(self, realm: Realm, user: User, client_id: str, organization_id: str | None) -> dict[str, Any]:
        """What conditions, plugins and webhooks see; never a credential or a token."""
        connection = await self.configuration.connection(realm.id, user.connection_id)
        application = await self.configuration.application(realm.id, client_id)
        organization = await self.configuration.organization(realm.id, organization_id) if organization_id else None
        return {
            "user": {
                "id": user.id,
                "email": user.email,
                "email_verified": user.email_verified,
                "name": user.name,
                "given_name": user.given_name,
                "family_name": user.family_name,
                "connection": connection.name if connection else None,
                "app_metadata": user.app_metadata,
                "user_metadata": user.user_metadata,
            },
            "organization": (
                {
                    "id": organization.id,
                    "name": organization.name,
                    "display_name": organization.display_name,
                    "isolated": organization.isolated,
                    "metadata": organization.metadata,
                }
                if organization
                else None
            ),
            "application": {"client_id": client_id, "name": application.name if application else None},
            "connection": (
                {"id": connection.id, "name": connection.name, "kind": connection.kind} if connection else None
            ),
            "realm": {"id": realm.id, "name": realm.name},
        }

    async def _one(self, realm: Realm, hook: Hook, context: dict[str, Any]) -> HookResult:
        if hook.kind == "rule":
            return run_rule(compile_rule(hook.config), context)
        if hook.kind == "plugin":
            return await self._plugin(hook, context)
        return await self._webhook(realm, hook, context)

    async def _plugin(self, hook: Hook, context: dict[str, Any]) -> HookResult:
        plugin = self.plugins.get(str(hook.config.get("plugin")))
        if plugin is None:
            raise HookFailed("the plugin is not installed")
        answer = plugin(frozen(context), frozen(hook.config.get("settings", {})))
        if inspect.isawaitable(answer):
            answer = await asyncio.wait_for(answer, MAX_TIMEOUT_SECONDS)
        if answer is None:
            return HookResult()
        return answer if isinstance(answer, HookResult) else HookResult.model_validate(answer)

    async def _webhook(self, realm: Realm, hook: Hook, context: dict[str, Any]) -> HookResult:
        if hook.sealed_secret is None:
            raise HookFailed("the webhook has no signing secret")
        secret = self.ports.secrets.open(hook.sealed_secret).decode()
        body = json.dumps(
            {"type": "login.post_authentication", "hook": hook.name, **context}, separators=(",", ":")
        ).encode()
        message_id = f"msg_{secrets.token_urlsafe(16)}"
        timestamp = int(self.ports.clock.now().timestamp())
        sent = {"content-type": "application/json", **signature_headers(secret, message_id, timestamp, body)}
        reply = await self.webhooks.post(hook.config["url"], body, sent, float(hook.config["timeout_seconds"]))
        if not 200 <= reply.status < 300:
            raise HookFailed(f"the webhook answered {reply.status}")
        if reply.status == 204 or not reply.body.strip():
            return HookResult()
        try:
            return HookResult.model_validate_json(reply.body)
        except ValidationError as exc:
            raise HookFailed("the webhook's answer is not a valid hook result") from exc

    async def _write_metadata(self, realm: Realm, plane: DataPlane, user_id: str, outcome: HookOutcome) -> None:
        """One write for every hook's metadata changes; a result past the 16 KB limit (B7) is not written."""
        async with self.ports.planes.transaction(plane, realm.id) as data:
            user = await data.users.get(user_id)
            if user is None:
                return
            merged = {
                "app_metadata": {**user.app_metadata, **outcome.app_metadata},
                "user_metadata": {**user.user_metadata, **outcome.user_metadata},
            }
            try:
                for key, value in merged.items():
                    names.user_metadata(value, key)
            except InvalidInput:
                log.warning("hook_metadata_refused", realm_id=realm.id, reason="too_large")
                return
            user.app_metadata, user.user_metadata = merged["app_metadata"], merged["user_metadata"]
            user.updated_at = self.ports.clock.now()
            await data.users.update(user)
