"""SAML applications: registration by settings or by the SP's metadata, A4 uniqueness (SPEC I1-I3, A4)."""

from __future__ import annotations

from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from tenantry.core import names
from tenantry.core.errors import Conflict, InvalidInput, NotFound
from tenantry.core.ids import has_prefix
from tenantry.core.saml_application import (
    SamlApplication,
    SamlSettings,
    apply_preset,
    check_entity_id,
    check_settings,
)
from tenantry.ports.control import ControlTransaction
from tenantry.ports.paging import Page, PageRequest
from tenantry.protocols.saml.errors import SamlError
from tenantry.protocols.saml.metadata import read_sp_metadata

from . import lookup
from .access import Actor, require
from .audit import record
from .context import Ports
from .saml_sso import urls


def settings_from(data: dict[str, Any]) -> SamlSettings:
    """Validated settings with the preset applied; every refusal is a 400 with a code."""
    try:
        settings = SamlSettings.model_validate(data)
    except ValidationError as error:
        fields = sorted({".".join(str(part) for part in item["loc"]) for item in error.errors()})
        raise InvalidInput("invalid SAML settings", code="invalid_saml_settings", details={"fields": fields}) from error
    settings = apply_preset(settings)
    check_settings(settings)
    if settings.encryption_certificate is not None:
        _rsa_certificate(settings.encryption_certificate)
    return settings


def _rsa_certificate(pem: str) -> None:
    try:
        key = x509.load_pem_x509_certificate(pem.encode()).public_key()
    except ValueError as error:
        raise InvalidInput("not a PEM certificate", code="invalid_encryption_certificate") from error
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidInput("the encryption certificate must hold an RSA key", code="invalid_encryption_certificate")


def from_metadata(metadata: str, overrides: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The entity id and settings an SP's metadata gives; explicit settings win over it."""
    try:
        sp = read_sp_metadata(metadata.encode())
    except SamlError as error:
        raise InvalidInput(error.description, code="invalid_sp_metadata") from error
    found: dict[str, Any] = {"acs_urls": sp.acs_urls}
    if sp.name_id_format:
        found["name_id_format"] = sp.name_id_format
    if sp.encryption_certificate:
        found["encryption_certificate"] = sp.encryption_certificate
    return sp.entity_id, {**found, **overrides}


async def _find(tx: ControlTransaction, realm_id: str, ref: str) -> SamlApplication:
    repo = tx.saml_applications(realm_id)
    found = await (repo.get(ref) if has_prefix(ref, "app") else repo.by_name(ref))
    if found is None:
        raise NotFound("no such SAML application", code="saml_application_not_found")
    return found


async def _entity_free(tx: ControlTransaction, entity_id: str, application_id: str) -> None:
    """A4: an SP entity id belongs to one SAML application in the whole deployment."""
    owner = await tx.saml_entities.owner(entity_id)
    if owner is not None and owner[1] != application_id:
        raise Conflict("this SP entity id is registered already", code="entity_id_taken")


class SamlApplicationService:
    def __init__(self, ports: Ports):
        self.ports = ports

    async def create(
        self, actor: Actor, realm_ref: str, *, name: str, entity_id: str, settings: dict[str, Any]
    ) -> SamlApplication:
        names.slug(name, "application")
        entity = check_entity_id(entity_id)
        checked = settings_from(settings)
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "applications:write", realm_level=True)
            repo = tx.saml_applications(realm.id)
            if await repo.by_name(name) or await tx.applications(realm.id).by_name(name):
                raise Conflict("an application with this name exists", code="application_exists")
            application = SamlApplication(
                id=self.ports.new_id("app"),
                realm_id=realm.id,
                name=name,
                entity_id=entity,
                created_at=self.ports.clock.now(),
                settings=checked,
            )
            await _entity_free(tx, entity, application.id)
            await repo.add(application)
            details = {"name": name, "entity_id": entity, "preset": checked.preset}
            await record(
                tx, actor, "saml_application.created", "application", application.id, realm_id=realm.id, details=details
            )
        return application

    async def import_metadata(
        self, actor: Actor, realm_ref: str, *, name: str, metadata: str, settings: dict[str, Any]
    ) -> SamlApplication:
        entity_id, merged = from_metadata(metadata, settings)
        return await self.create(actor, realm_ref, name=name, entity_id=entity_id, settings=merged)

    async def get(self, actor: Actor, realm_ref: str, ref: str) -> SamlApplication:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            found = await _find(tx, realm.id, ref)
            require(actor, "applications:read", realm_level=True)
            return found

    async def list(self, actor: Actor, realm_ref: str, page: PageRequest) -> Page[SamlApplication]:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            require(actor, "applications:read", realm_level=True)
            return await tx.saml_applications(realm.id).list(page)

    async def update(
        self, actor: Actor, realm_ref: str, ref: str, *, entity_id: str | None, settings: dict[str, Any]
    ) -> SamlApplication:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            application = await _find(tx, realm.id, ref)
            require(actor, "applications:write", realm_level=True)
            current = application.settings.model_dump(mode="json")
            if {**current, **settings}.get("preset") == "twilio_flex" and "attributes" not in settings:
                current["attributes"] = []
            application.settings = settings_from({**current, **settings})
            if entity_id is not None:
                application.entity_id = check_entity_id(entity_id)
                await _entity_free(tx, application.entity_id, application.id)
            await tx.saml_applications(realm.id).update(application)
            fields = sorted([*settings, *(["entity_id"] if entity_id is not None else [])])
            await record(
                tx,
                actor,
                "saml_application.updated",
                "application",
                application.id,
                realm_id=realm.id,
                details={"fields": fields},
            )
        return application

    async def delete(self, actor: Actor, realm_ref: str, ref: str) -> None:
        async with self.ports.control.transaction() as tx:
            realm = await lookup.realm(tx, actor, realm_ref)
            application = await _find(tx, realm.id, ref)
            require(actor, "applications:write", realm_level=True)
            await tx.saml_applications(realm.id).delete(application.id)
            await record(tx, actor, "saml_application.deleted", "application", application.id, realm_id=realm.id)

    async def endpoints(self, application: SamlApplication) -> dict[str, str]:
        """The URLs an SP administrator needs: IdP entity id, metadata, SSO endpoint, IdP-initiated link."""
        async with self.ports.control.transaction() as tx:
            realm = await tx.realms.get(application.realm_id)
        if realm is None:
            raise NotFound("no such realm", code="realm_not_found")
        where = urls(realm, self.ports.base_url, application.id)
        return {
            "idp_entity_id": where["entity_id"],
            "metadata_url": where["metadata"],
            "sso_url": where["sso"],
            "login_url": where["login"],
        }
