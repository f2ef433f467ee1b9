"""Request bodies of the admin API. Strict: unknown fields are refused (S10)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tenantry.core.admin_token import TokenKind
from tenantry.core.application import OrganizationPrompt, OrganizationUsage
from tenantry.core.branding import Branding
from tenantry.core.connection import ConnectionOptions, PasswordPolicy
from tenantry.core.errors import InvalidInput
from tenantry.core.policy import Policy
from tenantry.core.realm import RealmSettings
from tenantry.core.signing_key import KeyAlgorithm

Name = Field(min_length=1, max_length=63)
Text = Field(default=None, max_length=255)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RealmCreate(Strict):
    name: str = Name
    display_name: str | None = Text
    custom_domain: str | None = Field(None, max_length=253)
    settings: RealmSettings | None = None
    policy: Policy | None = None
    plane: str | None = Field(None, max_length=63, description="Home data plane; default `shared`.")


class RealmUpdate(Strict):
    display_name: str | None = Text
    custom_domain: str | None = Field(None, max_length=253)
    settings: dict[str, Any] | None = None
    policy: Policy | None = None


class ConnectionCreate(Strict):
    name: str = Name
    kind: Literal["database"] = "database"
    password_policy: PasswordPolicy | None = None
    options: ConnectionOptions | None = None


class ConnectionUpdate(Strict):
    password_policy: PasswordPolicy | None = Field(None, description="Replaces the whole policy.")
    options: ConnectionOptions | None = Field(None, description="Merged: only the options sent change.")


class UserCreate(Strict):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    connection: str = Field(max_length=63)
    name: str | None = Text
    given_name: str | None = Text
    family_name: str | None = Text
    email_verified: bool = False
    app_metadata: dict[str, Any] | None = None
    user_metadata: dict[str, Any] | None = None


class UserUpdate(Strict):
    name: str | None = Text
    given_name: str | None = Text
    family_name: str | None = Text
    email_verified: bool | None = None
    blocked: bool | None = None
    app_metadata: dict[str, Any] | None = None
    user_metadata: dict[str, Any] | None = None


class OrganizationCreate(Strict):
    name: str = Field(min_length=1, max_length=50)
    display_name: str | None = Text
    isolated: bool = False
    metadata: dict[str, Any] | None = None
    policy: Policy | None = None
    branding: Branding | None = Field(None, description="Overrides the realm's branding field by field.")


class OrganizationUpdate(Strict):
    display_name: str | None = Text
    metadata: dict[str, Any] | None = None
    policy: Policy | None = None
    branding: Branding | None = Field(None, description="Replaces the whole branding.")


class MemberAdd(Strict):
    user_id: str = Field(max_length=32)
    roles: list[str] = Field(default_factory=list, max_length=50)


class MemberRoles(Strict):
    roles: list[str] = Field(max_length=50)


class OrganizationConnectionEnable(Strict):
    connection: str = Field(max_length=63)
    auto_membership: bool = False


class DomainClaimCreate(Strict):
    domain: str = Field(max_length=253)
    auto_join: bool = False


class DomainClaimUpdate(Strict):
    auto_join: bool


class RoleCreate(Strict):
    name: str = Name
    description: str = Field("", max_length=255)
    permissions: list[str] = Field(default_factory=list, max_length=200)


class RoleUpdate(Strict):
    description: str | None = Field(None, max_length=255)
    permissions: list[str] | None = Field(None, max_length=200)


class ApplicationConfig(Strict):
    redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    post_logout_redirect_uris: list[str] = Field(default_factory=list, max_length=50)
    grant_types: list[str] = Field(default_factory=lambda: ["authorization_code", "refresh_token"], max_length=5)
    organization_usage: OrganizationUsage = "deny"
    organization_prompt: OrganizationPrompt = "none"
    organization_ids: list[str] = Field(default_factory=list, max_length=1000)
    id_token_signed_response_alg: Literal["RS256", "ES256"] = "RS256"  # noqa: S105 - an algorithm name
    initiate_login_uri: str | None = Field(None, max_length=2000)


class ApplicationCreate(ApplicationConfig):
    name: str = Name
    kind: Literal["oidc"] = "oidc"
    public: bool = False


class ApplicationUpdate(Strict):
    redirect_uris: list[str] | None = Field(None, max_length=50)
    post_logout_redirect_uris: list[str] | None = Field(None, max_length=50)
    grant_types: list[str] | None = Field(None, max_length=5)
    organization_usage: OrganizationUsage | None = None
    organization_prompt: OrganizationPrompt | None = None
    organization_ids: list[str] | None = Field(None, max_length=1000)
    id_token_signed_response_alg: Literal["RS256", "ES256"] | None = None
    initiate_login_uri: str | None = Field(None, max_length=2000)


class TokenCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    kind: TokenKind
    realm: str | None = Field(None, max_length=63)
    organization: str | None = Field(None, max_length=63)
    scopes: list[str] | None = Field(None, max_length=50)


class KeyRotate(Strict):
    alg: KeyAlgorithm = Field(description="`ES256` (access tokens) or `RS256` (ID tokens).")


class BreachedPasswords(Strict):
    passwords: list[str] = Field(min_length=1, max_length=10_000)


NULLABLE = frozenset({"custom_domain", "name", "given_name", "family_name", "initiate_login_uri"})
"""PATCH fields where ``null`` means "clear it"; elsewhere ``null`` is refused."""


def changes(model: BaseModel) -> dict[str, Any]:
    """The fields a PATCH actually sent, with nested models as plain data."""
    sent = model.model_dump(mode="json", exclude_unset=True)
    refused = sorted(key for key, value in sent.items() if value is None and key not in NULLABLE)
    if refused:
        raise InvalidInput("these fields cannot be null", code="invalid_request", details={"fields": refused})
    return sent
