"""OAuth error responses (RFC 6749 section 5.2, RFC 7009, RFC 7662), one class per error code."""

from __future__ import annotations

from typing import ClassVar


class OAuthError(Exception):
    """A refusal the client can act on; ``error`` is the RFC's code, ``status`` the HTTP status."""

    error: ClassVar[str] = "invalid_request"
    status: ClassVar[int] = 400

    def __init__(self, description: str):
        super().__init__(description)
        self.description = description

    def body(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


class InvalidRequest(OAuthError):
    """RFC 6749 5.2: a required parameter is missing, repeated, malformed or unsupported."""

    error = "invalid_request"


class InvalidClient(OAuthError):
    """RFC 6749 5.2: client authentication failed (unknown client, wrong secret, no authentication)."""

    error = "invalid_client"
    status = 401


class InvalidGrant(OAuthError):
    """RFC 6749 5.2: the grant is invalid, expired, revoked or issued to another client."""

    error = "invalid_grant"


class UnauthorizedClient(OAuthError):
    """RFC 6749 5.2: this client may not use this grant type."""

    error = "unauthorized_client"


class UnsupportedGrantType(OAuthError):
    """RFC 6749 5.2: the server does not support this grant type (implicit and password never are)."""

    error = "unsupported_grant_type"


class InvalidScope(OAuthError):
    """RFC 6749 5.2: the requested scope is invalid, unknown or exceeds what was granted."""

    error = "invalid_scope"


class InvalidToken(OAuthError):
    """RFC 6750 3.1: the access token is expired, revoked, malformed or from another realm."""

    error = "invalid_token"
    status = 401


class UnsupportedTokenType(OAuthError):
    """RFC 7009 2.2.1: the server cannot revoke this type of token."""

    error = "unsupported_token_type"
