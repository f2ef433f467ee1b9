"""Post-login hooks (SPEC J1, J2): a realm's ordered list of rules, plugins and webhooks, and what they decide.

Every kind of hook answers with the same ``HookResult`` (a rule builds one, a plugin returns one,
a webhook's JSON response is validated into one), and a login folds the results in order into
one ``HookOutcome``: the first denial stops the list, later claims and metadata win over earlier.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, JsonValue, field_validator

from .errors import InvalidInput

HookKind = Literal["rule", "plugin", "webhook"]
MAX_HOOKS = 50
"""Hooks per realm: every login runs all of them."""
DEFAULT_TIMEOUT_SECONDS = 3.0
MAX_TIMEOUT_SECONDS = 10.0
MAX_RESULT_BYTES = 16_384
"""A result's claims, attributes and metadata together, as JSON."""
RESERVED_CLAIMS = frozenset(
    {
        "iss",
        "sub",
        "aud",
        "exp",
        "iat",
        "nbf",
        "jti",
        "azp",
        "org_id",
        "org_name",
        "roles",
        "permissions",
        "auth_time",
        "nonce",
        "sid",
        "gid",
        "client_id",
        "scope",
        "at_hash",
        "c_hash",
        "acr",
        "amr",
        "cnf",
    }
)
"""Claims the provider sets itself: a hook may never replace the token's identity, audience or timing."""
CLAIM_NAME = re.compile(r"[A-Za-z0-9_:./-]{1,128}")
METADATA_TARGETS = ("app_metadata", "user_metadata")
LINK_LOCAL_HOSTS = frozenset({"metadata.google.internal", "metadata", "instance-data"})
"""Cloud metadata services reachable by name; their addresses are link-local and refused too."""


def check_claim_name(name: str) -> str:
    if not CLAIM_NAME.fullmatch(name):
        raise ValueError(f"claim name {name[:40]!r} must be 1-128 of A-Z a-z 0-9 _ : . / -")
    if name in RESERVED_CLAIMS:
        raise ValueError(f"claim {name!r} is reserved")
    return name


Claims = dict[str, JsonValue]


class HookResult(BaseModel):
    """What one hook decided. Plugins return it; webhooks answer it as JSON (unknown fields refused)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    deny: str | None = Field(None, min_length=1, max_length=500, description="Stop the login with this reason.")
    require_mfa: bool = False
    id_token_claims: Claims = Field(default_factory=dict, max_length=50)
    access_token_claims: Claims = Field(default_factory=dict, max_length=50)
    saml_attributes: dict[Annotated[str, Field(min_length=1, max_length=255)], str | list[str]] = Field(
        default_factory=dict, max_length=50
    )
    app_metadata: dict[str, JsonValue] = Field(default_factory=dict, max_length=50)
    user_metadata: dict[str, JsonValue] = Field(default_factory=dict, max_length=50)

    @field_validator("id_token_claims", "access_token_claims")
    @classmethod
    def _claim_names(cls, value: Claims) -> Claims:
        for name in value:
            check_claim_name(name)
        return value

    @field_validator("app_metadata", "user_metadata", "saml_attributes", "id_token_claims", "access_token_claims")
    @classmethod
    def _bounded(cls, value: dict[str, Any]) -> dict[str, Any]:
        if len(json.dumps(value, separators=(",", ":"))) > MAX_RESULT_BYTES:
            raise ValueError(f"larger than {MAX_RESULT_BYTES} bytes as JSON")
        return value


@dataclass(slots=True)
class HookOutcome:
    """The folded results of a realm's hooks for one login."""

    denied: str | None = None
    denied_by: str | None = None
    require_mfa: bool = False
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    access_token_claims: dict[str, Any] = field(default_factory=dict)
    saml_attributes: dict[str, Any] = field(default_factory=dict)
    """Kept for the SAML IdP: the attributes its assertion adds for this login."""
    app_metadata: dict[str, Any] = field(default_factory=dict)
    user_metadata: dict[str, Any] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)
    """Names of the hooks that ran, in order."""

    def add(self, hook_name: str, result: HookResult) -> None:
        self.ran.append(hook_name)
        if result.deny is not None and self.denied is None:
            self.denied, self.denied_by = result.deny, hook_name
        self.require_mfa = self.require_mfa or result.require_mfa
        self.id_token_claims.update(result.id_token_claims)
        self.access_token_claims.update(result.access_token_claims)
        self.saml_attributes.update(result.saml_attributes)
        self.app_metadata.update(result.app_metadata)
        self.user_metadata.update(result.user_metadata)

    def deny(self, hook_name: str, reason: str) -> None:
        """A failing fail-closed hook: the login stops without saying why to the user."""
        self.ran.append(hook_name)
        if self.denied is None:
            self.denied, self.denied_by = reason, hook_name

    @property
    def token_claims(self) -> dict[str, dict[str, Any]] | None:
        """What the grant keeps so that refreshed tokens carry the same claims; None when hooks added none."""
        if not (self.id_token_claims or self.access_token_claims):
            return None
        return {"id_token": dict(self.id_token_claims), "access_token": dict(self.access_token_claims)}


@dataclass(slots=True)
class Hook:
    id: str
    realm_id: str
    name: str
    kind: HookKind
    position: int
    created_at: datetime
    config: dict[str, Any] = field(default_factory=dict)
    """A rule's ``condition`` and ``actions``; a plugin's ``plugin`` and ``settings``; a webhook's ``url`` and
    ``timeout_seconds``."""
    enabled: bool = True
    fail_open: bool = False
    """When the hook fails (a plugin raises, a webhook times out or answers badly): continue (true) or deny."""
    sealed_secret: str | None = None
    """A webhook's signing secret, sealed by the SecretStore; shown once when made."""


def check_webhook_url(url: str) -> str:
    """https only; http only to loopback (as for redirect URIs); never a link-local or metadata address."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise InvalidInput("invalid webhook URL", code="invalid_webhook_url", details={"url": url}) from exc
    loopback = host in {"localhost", "127.0.0.1", "::1"}
    if (
        parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and not loopback)
        or not host
        or "@" in parts.netloc
        or parts.fragment
        or len(url) > 2000
        or any(char.isspace() for char in url)
    ):
        raise InvalidInput(
            "a webhook URL is https (http only for localhost)", code="invalid_webhook_url", details={"url": url}
        )
    if host.lower() in LINK_LOCAL_HOSTS or forbidden_address(host):
        raise InvalidInput(
            "a webhook may not call link-local or metadata addresses", code="invalid_webhook_url", details={"url": url}
        )
    return url


def forbidden_address(host: str) -> bool:
    """Link-local (cloud metadata lives at 169.254.169.254 and fd00:ec2::254), unspecified or multicast."""
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    metadata_v6 = ipaddress.ip_address("fd00:ec2::254")
    return address.is_link_local or address.is_unspecified or address.is_multicast or address == metadata_v6
