"""Realms: create, read, change and delete the hard isolation unit (SPEC A1, A3)."""

from __future__ import annotations

import builtins
import hashlib
from typing import Any

from pydantic import ValidationError

from tenantry.core import names
from tenantry.core.branding import problems
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.policy import Policy
from tenantry.core.realm import Realm, RealmSettings
from tenantry.core.signing_key import ALGORITHMS
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require, require_operator
from .audit import record
from .context import Ports
from .key_material import generate
from .keys import add_first_keys


class RealmService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self,
        actor: Actor,
        *,
        name: str,
        display_name: str | None = None,
        custom_domain: str | None = None,
        settings: RealmSettings | None = None,
        policy: Policy | None = None,
        plane: str | None = None,
        realm_id: str | None = None,
    ) -> Realm:
        """A realm with its first signing keys (ES256, RS256), active at once and bound to its issuer.

        ``realm_id`` lets onboarding create the realm under an id it reserved earlier (a natural key).
        """
        require_operator(actor)
        require(actor, "realms:write")
        names.slug(name, "realm")
        made = [await generate(alg) for alg in ALGORITHMS]  # before the transaction: RSA takes CPU
        async with self.ports.control.transaction() as tx:
            if await tx.realms.by_name(name):
                raise Conflict("a realm with this name exists", code="realm_exists", details={"name": name})
            home = await tx.planes.by_name(plane or self.ports.default_plane)
            if home is None:
                raise NotFound("no such data plane", code="plane_not_found", details={"plane": plane})
            realm = Realm(
                id=realm_id or self.ports.new_id("rlm"),
                name=name,
                display_name=display_name or name,
                home_plane_id=home.id,
                created_at=self.ports.clock.now(),
                settings=settings or RealmSettings(),
                policy=policy or Policy(),
            )
            if custom_domain:
                realm.custom_domain = await self._free_domain(tx, custom_domain, realm.id)
            await tx.realms.add(realm)
            kids = await add_first_keys(self.ports, tx, realm, made)
            await record(
                tx, actor, "realm.created", "realm", realm.id, realm_id=realm.id, details={"name": name, "kids": kids}
            )
        return realm

    async def _free_domain(self, tx: ControlTransaction, domain: str, realm_id: str) -> str:
        """A3: a custom domain belongs to one realm."""
        domain = names.domain_name(domain)
        owner = await tx.realms.by_custom_domain(domain)
        if owner is not None and owner.id != realm_id:
            raise Conflict("the custom domain belongs to another realm", code="domain_taken")
        return domain

    async def get(self, actor: Actor, ref: str) -> Realm:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, ref)
            require(actor, "realms:read", realm_level=True)
            return realm

    async def list(self, actor: Actor, page: PageRequest) -> Page[Realm]:
        require(actor, "realms:read", realm_level=True)
        async with self.ports.control.transaction() as tx:
            if actor.realm_id is not None:
                own = await tx.realms.get(actor.realm_id)
                return Page(items=[own] if own and not page.cursor else [])
            return await tx.realms.list(page)

    async def update(self, actor: Actor, ref: str, changes: dict[str, Any]) -> Realm:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, ref)
            require(actor, "realms:write", realm_level=True)
            if "display_name" in changes:
                realm.display_name = changes["display_name"]
            if "custom_domain" in changes:
                domain = changes["custom_domain"]
                realm.custom_domain = await self._free_domain(tx, domain, realm.id) if domain else None
            if "settings" in changes:
                realm.settings = _settings(realm.settings, changes["settings"])
            if "policy" in changes:
                realm.policy = Policy.model_validate(changes["policy"])
            await tx.realms.update(realm)
            await record(
                tx, actor, "realm.updated", "realm", realm.id, realm_id=realm.id, details={"fields": sorted(changes)}
            )
        return realm

    async def delete(self, actor: Actor, ref: str) -> None:
        """Delete a realm: its configuration cascades in the control plane, its users in every plane."""
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, ref)
            require_operator(actor)
            require(actor, "realms:write")
            planes = await lookup.realm_planes(tx, realm)
        for plane in planes:
            async with self.ports.planes.transaction(plane, realm.id) as data:
                await data.users.delete_all()
        async with self.ports.control.transaction() as tx:
            await tx.realms.delete(realm.id)
            await record(tx, actor, "realm.deleted", "realm", realm.id, details={"name": realm.name})

    async def add_breached_passwords(self, actor: Actor, ref: str, passwords: builtins.list[str]) -> int:
        """D9: the realm's own list of breached passwords, stored as SHA-1 digests only."""
        if not passwords:
            raise InvalidInput("no passwords given", code="invalid_request")
        digests = [hashlib.sha1(item.encode()).hexdigest() for item in passwords]  # noqa: S324
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, ref)
            require(actor, "realms:write", realm_level=True)
            added = await tx.realms.add_breached(realm.id, digests)
            await record(
                tx,
                actor,
                "realm.breached_list_extended",
                "realm",
                realm.id,
                realm_id=realm.id,
                details={"added": added},
            )
        return added


def _settings(current: RealmSettings, changes: dict[str, Any]) -> RealmSettings:
    """Merged key by key (a nested object such as ``branding`` is replaced whole); a bad value is a 400."""
    try:
        return RealmSettings.model_validate(current.model_dump() | changes)
    except ValidationError as exc:
        raise InvalidInput("the realm settings are invalid", code="invalid_request", details=problems(exc)) from exc
