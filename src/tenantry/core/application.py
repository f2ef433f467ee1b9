"""Applications: downstream clients. The foundation registers OIDC clients; SPEC D1 governs org usage."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from urllib.parse import urlsplit

from .errors import InvalidInput

OrganizationUsage = Literal["deny", "allow", "require"]
OrganizationPrompt = Literal["none", "before_login", "after_login"]
GrantType = Literal["authorization_code", "refresh_token", "client_credentials"]
ALLOWED_GRANTS = frozenset({"authorization_code", "refresh_token", "client_credentials"})
SCRIPT_SCHEMES = frozenset({"javascript", "data", "vbscript", "file", "blob"})
"""Schemes that run or read content in the user agent: never a redirect target."""


@dataclass(slots=True)
class Application:
    id: str
    realm_id: str
    name: str
    kind: Literal["oidc"]
    client_id: str
    created_at: datetime
    public: bool = False
    client_secret_hash: str | None = None
    redirect_uris: list[str] = field(default_factory=list)
    post_logout_redirect_uris: list[str] = field(default_factory=list)
    grant_types: list[str] = field(default_factory=lambda: ["authorization_code", "refresh_token"])
    organization_usage: OrganizationUsage = "deny"
    organization_prompt: OrganizationPrompt = "none"
    organization_ids: list[str] = field(default_factory=list)
    """Organizations this application may act for in client_credentials (D5)."""
    id_token_signed_response_alg: Literal["RS256", "ES256"] = "RS256"  # noqa: S105 - an algorithm name
    """RS256 by default for compatibility; ES256 on request (OIDC Dynamic Registration 2)."""
    initiate_login_uri: str | None = None
    """Where the organization switcher sends the user to start a fresh authorization (OIDC Registration 2)."""


def check_organization_behaviour(usage: OrganizationUsage, prompt: OrganizationPrompt) -> None:
    """D1: ``before_login`` needs ``require``."""
    if prompt == "before_login" and usage != "require":
        raise InvalidInput(
            "organization_prompt before_login needs organization_usage require", code="invalid_organization_usage"
        )


def check_grants(grant_types: list[str], public: bool) -> None:
    """No implicit or password grant (S1); a public client cannot hold a secret for client_credentials."""
    unknown = sorted(set(grant_types) - ALLOWED_GRANTS)
    if unknown:
        raise InvalidInput("unsupported grant types", code="unsupported_grant_type", details={"grant_types": unknown})
    if public and "client_credentials" in grant_types:
        raise InvalidInput("a public client cannot use client_credentials", code="invalid_client_metadata")


def check_redirect_uris(uris: list[str]) -> None:
    """Redirect URIs are absolute, without fragments or userinfo; http only for loopback (RFC 9700 2.1).

    Also refused: script-like schemes (``javascript:``, ``data:`` ...), an empty fragment (``#``),
    whitespace, control or invisible format characters, and anything ``urlsplit`` cannot parse.
    """
    for uri in uris:
        if not _acceptable_redirect(uri):
            raise InvalidInput("invalid redirect_uri", code="invalid_redirect_uri", details={"redirect_uri": uri})


def _acceptable_redirect(uri: object) -> bool:
    if not isinstance(uri, str) or not uri or any(char.isspace() or not char.isprintable() for char in uri):
        return False
    try:
        parts = urlsplit(uri)
        hostname = parts.hostname
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    loopback = hostname in {"localhost", "127.0.0.1", "::1"}
    return not (
        not parts.scheme
        or parts.scheme in SCRIPT_SCHEMES
        or "#" in uri
        or "@" in parts.netloc
        or (parts.scheme in {"http", "https"} and not hostname)
        or (parts.scheme == "http" and not loopback)
    )
