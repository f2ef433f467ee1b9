"""SAML applications: downstream service providers such as a Twilio Flex instance (SPEC I1-I3, A4).

The settings are data: where the assertion may go (registered ACS URLs only, I4), how it is signed
(response and assertion by default, rsa-sha256), what NameID it carries, how long it lives, and a
declarative attribute mapping (I2). A preset (``twilio_flex``) fixes the settings a product needs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .application import OrganizationPrompt, OrganizationUsage, check_organization_behaviour, check_redirect_uris
from .errors import InvalidInput

NameIdFormat = Literal[
    "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
    "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
    "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
]
NAMEID_UNSPECIFIED: NameIdFormat = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
NameFormat = Literal["basic", "uri", "unspecified"]
Preset = Literal["generic", "twilio_flex"]
MAX_ACS_URLS = 20


class AttributeRule(BaseModel):
    """One attribute (I2): the first source that yields a value wins, else ``default``; ``join`` makes one value.

    A source is a path into the mapping input (``email``, ``app_metadata.flex.roles``,
    ``organization.name``, ``extra.team`` ...); ``a + b`` joins the parts with a space and yields
    only when every part has a value (``given_name + family_name``).
    """

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=256)
    sources: list[str] = Field(default_factory=list, max_length=10)
    default: list[str] = Field(default_factory=list, max_length=20)
    join: str | None = Field(None, max_length=8)
    name_format: NameFormat = "basic"
    required: bool = False
    """A login that cannot fill this attribute stops on an error page; no assertion is sent (I3)."""


class SamlSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    acs_urls: list[str] = Field(min_length=1, max_length=MAX_ACS_URLS)
    """Registered Assertion Consumer Service URLs (HTTP-POST); the first is the default (I4)."""
    audience: str | None = Field(None, max_length=1024, description="Audience; the SP entity id when unset.")
    name_id_format: NameIdFormat = NAMEID_UNSPECIFIED
    name_id_source: str = Field("id", min_length=1, max_length=200)
    """A path into the mapping input: ``id`` (the user's ``sub``, stable), ``email``, ..."""
    sign_response: bool = True
    sign_assertion: bool = True
    signature_algorithm: Literal["rsa-sha256"] = "rsa-sha256"
    assertion_lifetime_seconds: int = Field(300, ge=30, le=86_400)
    encrypt_assertion: bool = False
    encryption_certificate: str | None = Field(None, max_length=16_384)
    """The SP's PEM certificate, for SPs that take an EncryptedAssertion."""
    attributes: list[AttributeRule] = Field(default_factory=list, max_length=50)
    organization_usage: OrganizationUsage = "deny"
    organization_prompt: OrganizationPrompt = "none"
    idp_initiated: bool = True
    """Whether the application's IdP-initiated link works."""
    default_relay_state: str | None = Field(None, max_length=1024)
    preset: Preset = "generic"

    def audience_for(self, entity_id: str) -> str:
        return self.audience or entity_id


@dataclass(slots=True)
class SamlApplication:
    id: str
    realm_id: str
    name: str
    entity_id: str
    """The SP's entity id: unique in the whole deployment (A4)."""
    created_at: datetime
    settings: SamlSettings

    @property
    def organization_usage(self) -> OrganizationUsage:
        """D1 as for OIDC applications: the hosted login reads these two on any application."""
        return self.settings.organization_usage

    @property
    def organization_prompt(self) -> OrganizationPrompt:
        return self.settings.organization_prompt


def flex_attributes() -> list[AttributeRule]:
    """I3: exactly email, full_name, roles (with the fallbacks of I2), and the optional Flex attributes."""
    return [
        AttributeRule(name="email", sources=["email"], required=True),
        AttributeRule(
            name="full_name", sources=["name", "given_name + family_name", "email_local_part"], required=True
        ),
        AttributeRule(name="roles", sources=["app_metadata.flex.roles"], default=["agent"], join=",", required=True),
        AttributeRule(name="team", sources=["app_metadata.flex.team", "organization.display_name"]),
        AttributeRule(name="department", sources=["app_metadata.flex.department"]),
        AttributeRule(name="location", sources=["app_metadata.flex.location"]),
        AttributeRule(name="image_url", sources=["app_metadata.flex.image_url", "user_metadata.picture"]),
    ]


def apply_preset(settings: SamlSettings) -> SamlSettings:
    """The Twilio Flex preset fixes attributes, NameID and encryption; anything else asked for is refused."""
    if settings.preset != "twilio_flex":
        return settings
    if settings.attributes:
        raise InvalidInput("the twilio_flex preset fixes the attributes", code="preset_fixed_field")
    if settings.encrypt_assertion:
        raise InvalidInput("Twilio Flex takes no encrypted assertions", code="preset_fixed_field")
    return settings.model_copy(
        update={"attributes": flex_attributes(), "name_id_format": NAMEID_UNSPECIFIED, "name_id_source": "email"}
    )


def check_settings(settings: SamlSettings) -> None:
    try:
        check_redirect_uris(settings.acs_urls)
    except InvalidInput as error:
        raise InvalidInput("invalid ACS URL", code="invalid_acs_url", details=error.details) from error
    if not (settings.sign_response or settings.sign_assertion):
        raise InvalidInput("the response, the assertion or both must be signed", code="unsigned_saml_response")
    if settings.encrypt_assertion and not settings.encryption_certificate:
        raise InvalidInput("encryption needs the SP's certificate", code="missing_encryption_certificate")
    names = [rule.name for rule in settings.attributes]
    if len(names) != len(set(names)):
        raise InvalidInput("an attribute is mapped twice", code="duplicate_attribute")
    check_organization_behaviour(settings.organization_usage, settings.organization_prompt)


def check_entity_id(entity_id: str) -> str:
    value = entity_id.strip()
    if not value or len(value) > 1024 or any(char.isspace() or not char.isprintable() for char in value):
        raise InvalidInput("invalid SP entity id", code="invalid_entity_id")
    return value
