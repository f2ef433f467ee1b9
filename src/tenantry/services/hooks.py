"""A realm's post-login hooks as configuration: create, list, change, reorder, delete (SPEC J1, J2, A5).

Everything a hook runs is checked when it is saved: a rule's shape and expressions, a plugin's
registration, a webhook's URL and timeout. A webhook's signing secret is made here, sealed by the
SecretStore and returned once.
"""

from __future__ import annotations

import builtins
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, JsonValue, ValidationError

from tenantry.core import names
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.hook import (
    DEFAULT_TIMEOUT_SECONDS,
    MAX_HOOKS,
    MAX_TIMEOUT_SECONDS,
    Hook,
    HookKind,
    check_webhook_url,
)
from tenantry.core.hook_rule import compile_rule
from tenantry.core.ids import has_prefix
from tenantry.core.webhook_signature import new_secret
from tenantry.ports.control import ControlTransaction
from tenantry.ports.hooks import HookPlugins

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports

KINDS = ("rule", "plugin", "webhook")


class PluginConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    plugin: str = Field(min_length=1, max_length=100)
    settings: dict[str, JsonValue] = Field(default_factory=dict, max_length=50)


class WebhookConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str = Field(min_length=1, max_length=2000)
    timeout_seconds: float = Field(DEFAULT_TIMEOUT_SECONDS, gt=0, le=MAX_TIMEOUT_SECONDS)


def _shape(model: type[BaseModel], config: dict[str, Any], kind: str) -> BaseModel:
    try:
        return model.model_validate(config)
    except ValidationError as exc:
        problems = [{"loc": [str(p) for p in e["loc"]], "msg": e["msg"]} for e in exc.errors(include_url=False)]
        raise InvalidInput(
            f"the {kind} configuration does not match the expected shape", details={"errors": problems}
        ) from exc


async def _hook(tx: ControlTransaction, realm_id: str, ref: str) -> Hook:
    repo = tx.hooks(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "hok") else repo.by_name(ref))
    if found is None:
        raise NotFound("no such hook", code="hook_not_found")
    return found


class HookService:
    def __init__(self, ports: Ports, plugins: HookPlugins):
        self.ports = ports
        self.plugins = plugins

    def checked(self, kind: str, config: dict[str, Any]) -> dict[str, Any]:
        """The configuration as stored, or a 400 (shape, plugin, URL) or 422 (expression) refusal."""
        if kind == "rule":
            compile_rule(config)
            return dict(config)
        if kind == "plugin":
            plugin = _shape(PluginConfig, config, kind)
            assert isinstance(plugin, PluginConfig)
            if self.plugins.get(plugin.plugin) is None:
                raise InvalidInput(
                    "no hook plugin of this name is installed",
                    code="unknown_plugin",
                    details={"plugin": plugin.plugin, "installed": self.plugins.names()},
                )
            return plugin.model_dump(mode="json")
        if kind == "webhook":
            webhook = _shape(WebhookConfig, config, kind)
            assert isinstance(webhook, WebhookConfig)
            check_webhook_url(webhook.url)
            return webhook.model_dump(mode="json")
        raise InvalidInput("unknown hook kind", code="invalid_hook_kind", details={"kind": kind, "kinds": KINDS})

    async def create(
        self,
        actor: Actor,
        realm_ref: str,
        *,
        name: str,
        kind: HookKind,
        config: dict[str, Any],
        enabled: bool = True,
        fail_open: bool = False,
    ) -> tuple[Hook, str | None]:
        """The hook, last in the order, and a webhook's signing secret (shown this once)."""
        names.slug(name, "hook")
        stored = self.checked(kind, config)
        secret = new_secret() if kind == "webhook" else None
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "realms:write", realm_level=True)
            repo = tx.hooks(realm.id)
            if await repo.by_name(name):
                raise Conflict("a hook with this name exists", code="hook_exists", details={"name": name})
            if len(await repo.ordered()) >= MAX_HOOKS:
                raise InvalidInput(f"a realm has at most {MAX_HOOKS} hooks", code="hook_limit")
            hook = Hook(
                id=self.ports.new_id("hok"),
                realm_id=realm.id,
                name=name,
                kind=kind,
                position=await repo.next_position(),
                created_at=self.ports.clock.now(),
                config=stored,
                enabled=enabled,
                fail_open=fail_open,
                sealed_secret=self.ports.secrets.seal(secret.encode()) if secret else None,
            )
            await repo.add(hook)
            await record(
                tx, actor, "hook.created", "hook", hook.id, realm_id=realm.id, details={"name": name, "kind": kind}
            )
        return hook, secret

    async def list(self, actor: Actor, realm_ref: str) -> builtins.list[Hook]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "realms:read", realm_level=True)
            return await tx.hooks(realm.id).ordered()

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> Hook:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            found = await _hook(tx, realm.id, ref)
            require(actor, "realms:read", realm_level=True)
            return found

    async def update(self, actor: Actor, realm_ref: str, ref: str, changes: dict[str, Any]) -> Hook:
        """Change ``config`` (replaced whole, checked as on create), ``enabled`` or ``fail_open``."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            hook = await _hook(tx, realm.id, ref)
            require(actor, "realms:write", realm_level=True)
            if "config" in changes:
                hook.config = self.checked(hook.kind, changes["config"])
            for key in ("enabled", "fail_open"):
                if key in changes:
                    setattr(hook, key, bool(changes[key]))
            await tx.hooks(realm.id).update(hook)
            await record(
                tx, actor, "hook.updated", "hook", hook.id, realm_id=realm.id, details={"fields": sorted(changes)}
            )
        return hook

    async def rotate_secret(self, actor: Actor, realm_ref: str, ref: str) -> tuple[Hook, str]:
        secret = new_secret()
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            hook = await _hook(tx, realm.id, ref)
            require(actor, "realms:write", realm_level=True)
            if hook.kind != "webhook":
                raise InvalidInput("only webhooks have a signing secret", code="not_a_webhook")
            hook.sealed_secret = self.ports.secrets.seal(secret.encode())
            await tx.hooks(realm.id).update(hook)
            await record(tx, actor, "hook.secret_rotated", "hook", hook.id, realm_id=realm.id)
        return hook, secret

    async def reorder(self, actor: Actor, realm_ref: str, order: builtins.list[str]) -> builtins.list[Hook]:
        """``order`` names every hook of the realm exactly once (ids or names), first to run first."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "realms:write", realm_level=True)
            repo = tx.hooks(realm.id)
            current = await repo.ordered()
            by_ref = {hook.id: hook for hook in current} | {hook.name: hook for hook in current}
            wanted = [by_ref[ref].id if ref in by_ref else ref for ref in order]
            if sorted(wanted) != sorted(hook.id for hook in current):
                raise InvalidInput(
                    "the order must name every hook of the realm exactly once",
                    code="invalid_hook_order",
                    details={"hooks": [hook.name for hook in current]},
                )
            await repo.set_positions(wanted)
            await record(tx, actor, "hooks.reordered", "realm", realm.id, realm_id=realm.id, details={"order": wanted})
            return await repo.ordered()

    async def delete(self, actor: Actor, realm_ref: str, ref: str) -> None:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            hook = await _hook(tx, realm.id, ref)
            require(actor, "realms:write", realm_level=True)
            await tx.hooks(realm.id).delete(hook.id)
            await record(tx, actor, "hook.deleted", "hook", hook.id, realm_id=realm.id, details={"name": hook.name})
