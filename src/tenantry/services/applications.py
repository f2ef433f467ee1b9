"""Applications (OIDC clients): registration with the secret shown once (SPEC D1, S1)."""

from __future__ import annotations

import builtins
import hashlib
import hmac
import secrets
from typing import Any

from tenantry.core import names
from tenantry.core.application import (
    Application,
    check_grants,
    check_organization_behaviour,
    check_redirect_uris,
)
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.ids import has_prefix
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports

CONFIGURABLE = (
    "redirect_uris",
    "post_logout_redirect_uris",
    "grant_types",
    "organization_usage",
    "organization_prompt",
    "organization_ids",
    "id_token_signed_response_alg",
    "initiate_login_uri",
)


def hash_secret(secret: str) -> str:
    """Client secrets are 256-bit random values: SHA-256 is enough and keeps token requests cheap."""
    return hashlib.sha256(secret.encode()).hexdigest()


def secret_matches(application: Application, presented: str) -> bool:
    if application.client_secret_hash is None:
        return False
    return hmac.compare_digest(application.client_secret_hash, hash_secret(presented))


def _validate(application: Application) -> None:
    check_grants(application.grant_types, application.public)
    check_redirect_uris(application.redirect_uris)
    check_redirect_uris(application.post_logout_redirect_uris)
    if application.initiate_login_uri is not None:
        check_redirect_uris([application.initiate_login_uri])
    check_organization_behaviour(application.organization_usage, application.organization_prompt)
    if "authorization_code" in application.grant_types and not application.redirect_uris:
        raise InvalidInput("authorization_code needs at least one redirect_uri", code="invalid_redirect_uri")


async def _application(tx: ControlTransaction, realm_id: str, ref: str) -> Application:
    repo = tx.applications(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "app") else repo.by_client_id(ref))
    if found is None:
        found = await repo.by_name(ref)
    if found is None:
        raise NotFound("no such application", code="application_not_found")
    return found


class ApplicationService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self, actor: Actor, realm_ref: str, *, name: str, kind: str = "oidc", public: bool = False, **config: Any
    ) -> tuple[Application, str | None]:
        """Returns the application and its client secret, which is never shown again."""
        if kind != "oidc":
            raise InvalidInput("only OIDC applications can be registered here", code="unsupported_application_kind")
        names.slug(name, "application")
        unknown = set(config) - set(CONFIGURABLE)
        if unknown:
            raise InvalidInput("unknown application fields", code="unknown_field", details={"fields": sorted(unknown)})
        secret = None if public else secrets.token_urlsafe(32)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "applications:write", realm_level=True)
            if await tx.applications(realm.id).by_name(name):
                raise Conflict("an application with this name exists", code="application_exists")
            application = Application(
                id=self.ports.new_id("app"),
                realm_id=realm.id,
                name=name,
                kind="oidc",
                client_id=secrets.token_urlsafe(18),
                created_at=self.ports.clock.now(),
                public=public,
                client_secret_hash=hash_secret(secret) if secret else None,
                **config,
            )
            _validate(application)
            await self._known_organizations(tx, realm.id, application.organization_ids)
            await tx.applications(realm.id).add(application)
            await record(
                tx,
                actor,
                "application.created",
                "application",
                application.id,
                realm_id=realm.id,
                details={"name": name, "public": public},
            )
        return application, secret

    @staticmethod
    async def _known_organizations(tx: ControlTransaction, realm_id: str, organization_ids: builtins.list[str]) -> None:
        for organization_id in organization_ids:
            if await tx.organizations(realm_id).get(organization_id) is None:
                raise InvalidInput(
                    "unknown organization", code="unknown_organization", details={"organization_id": organization_id}
                )

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> Application:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            found = await _application(tx, realm.id, ref)
            require(actor, "applications:read", realm_level=True)
            return found

    async def list(self, actor: Actor, realm_ref: str, page: PageRequest) -> Page[Application]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "applications:read", realm_level=True)
            return await tx.applications(realm.id).list(page)

    async def update(self, actor: Actor, realm_ref: str, ref: str, changes: dict[str, Any]) -> Application:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            application = await _application(tx, realm.id, ref)
            require(actor, "applications:write", realm_level=True)
            for key in CONFIGURABLE:
                if key in changes:
                    setattr(application, key, changes[key])
            _validate(application)
            await self._known_organizations(tx, realm.id, application.organization_ids)
            await tx.applications(realm.id).update(application)
            await record(
                tx,
                actor,
                "application.updated",
                "application",
                application.id,
                realm_id=realm.id,
                details={"fields": sorted(changes)},
            )
        return application

    async def rotate_secret(self, actor: Actor, realm_ref: str, ref: str) -> tuple[Application, str]:
        secret = secrets.token_urlsafe(32)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            application = await _application(tx, realm.id, ref)
            require(actor, "applications:write", realm_level=True)
            if application.public:
                raise InvalidInput("a public client has no secret", code="public_client")
            application.client_secret_hash = hash_secret(secret)
            await tx.applications(realm.id).update(application)
            await record(tx, actor, "application.secret_rotated", "application", application.id, realm_id=realm.id)
        return application, secret

    async def delete(self, actor: Actor, realm_ref: str, ref: str) -> None:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            application = await _application(tx, realm.id, ref)
            require(actor, "applications:write", realm_level=True)
            await tx.applications(realm.id).delete(application.id)
            await record(tx, actor, "application.deleted", "application", application.id, realm_id=realm.id)
