"""Enterprise connections' upstream settings: an OpenID provider or a SAML IdP, and the attribute mapping.

They are kept in a connection's ``upstream`` JSON object. The upstream client secret is stored
sealed by the SecretStore (``client_secret_sealed``) and never shown again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import InvalidInput

EnterpriseKind = Literal["oidc", "saml"]
MAX_PINNED_CERTIFICATES = 3


class AttributeMapping(BaseModel):
    """Which upstream claim (OIDC) or attribute (SAML) fills each field of the realm's attribute contract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    email: str = Field("email", min_length=1, max_length=255)
    email_verified: str | None = Field("email_verified", max_length=255)
    name: str | None = Field("name", max_length=255)
    given_name: str | None = Field("given_name", max_length=255)
    family_name: str | None = Field("family_name", max_length=255)
    groups: str | None = Field("groups", max_length=255)
    roles: dict[str, list[str]] = Field(
        default_factory=dict, description="Upstream group → organization roles given to its members on each login."
    )

    @field_validator("roles")
    @classmethod
    def _bounded(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        if len(value) > 100 or any(len(roles) > 20 for roles in value.values()):
            raise ValueError("at most 100 groups, each mapped to at most 20 roles")
        return value


class OidcUpstream(BaseModel):
    """An upstream OpenID provider found through its discovery document (the endpoints are filled from it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    issuer: str = Field(min_length=8, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    client_secret_sealed: str | None = None
    scopes: list[str] = Field(default_factory=lambda: ["openid", "email", "profile"], max_length=20)
    token_endpoint_auth_method: Literal["client_secret_basic", "client_secret_post"] = "client_secret_basic"  # noqa: S105
    authorization_endpoint: str = ""
    token_endpoint: str = ""
    jwks_uri: str = ""
    iss_parameter_supported: bool = False
    """RFC 9207: the provider sends ``iss`` with its authorization responses; then it must be there."""

    @field_validator("scopes")
    @classmethod
    def _openid(cls, value: list[str]) -> list[str]:
        return value if "openid" in value else ["openid", *value]


class SamlUpstream(BaseModel):
    """An upstream SAML IdP: its entity id, its HTTP-Redirect SSO endpoint, and the certificates pinned for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity_id: str = Field(min_length=1, max_length=500)
    sso_url: str = Field(min_length=8, max_length=1000)
    certificates: list[str] = Field(min_length=1, max_length=MAX_PINNED_CERTIFICATES)
    """PEM certificates; a response must be signed by one of these, whatever its KeyInfo says (S3)."""


class Upstream(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    oidc: OidcUpstream | None = None
    saml: SamlUpstream | None = None
    mapping: AttributeMapping = Field(default_factory=AttributeMapping)

    @classmethod
    def stored(cls, raw: Mapping[str, Any]) -> Upstream:
        try:
            return cls.model_validate(dict(raw))
        except ValidationError as exc:
            raise InvalidInput("the connection's upstream settings are invalid", code="invalid_upstream") from exc

    def stored_form(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_none=True)

    def shown(self) -> dict[str, Any]:
        """What the admin API shows: never the sealed secret, only whether one is set."""
        data = self.stored_form()
        if "oidc" in data:
            data["oidc"]["client_secret_set"] = data["oidc"].pop("client_secret_sealed", None) is not None
        return data


class OidcSetup(BaseModel):
    """What an admin gives for an OIDC connection; the endpoints come from the issuer's discovery document."""

    model_config = ConfigDict(extra="forbid")

    issuer: str = Field(min_length=8, max_length=500)
    client_id: str = Field(min_length=1, max_length=255)
    client_secret: str | None = Field(None, min_length=1, max_length=1000)
    scopes: list[str] | None = Field(None, max_length=20)


class SamlSetup(BaseModel):
    """An IdP given by its metadata (a URL or the XML itself) or by its three settings."""

    model_config = ConfigDict(extra="forbid")

    metadata_url: str | None = Field(None, max_length=1000)
    metadata_xml: str | None = Field(None, max_length=500_000)
    entity_id: str | None = Field(None, max_length=500)
    sso_url: str | None = Field(None, max_length=1000)
    certificates: list[str] | None = Field(None, max_length=MAX_PINNED_CERTIFICATES)
