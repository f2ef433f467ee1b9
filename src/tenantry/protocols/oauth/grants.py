"""The authorization_code (RFC 6749 4.1.3) and refresh_token (RFC 6749 6) grants' checks.

A replayed code revokes its family (RFC 6749 4.1.2, HOSTILE 1); a rotated refresh token reused
after the leeway revokes its family (RFC 9700 4.14.2, HOSTILE 12).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from tenantry.core.grant import AuthorizationCode, RefreshToken, TokenFamily

from . import pkce
from .errors import InvalidGrant, InvalidScope


class Replay(InvalidGrant):
    """The grant was used before; the caller must revoke the family it belongs to."""


def check_code(
    code: AuthorizationCode | None, first_use: bool, *, client_id: str, redirect_uri: str | None, now: datetime
) -> AuthorizationCode:
    if code is None or code.client_id != client_id:
        raise InvalidGrant("the code is invalid or was issued to another client")
    if not first_use:
        raise Replay("the code was already used")
    if now >= code.expires_at:
        raise InvalidGrant("the code has expired")
    if redirect_uri != code.redirect_uri:
        raise InvalidGrant("redirect_uri does not match the authorization request")
    return code


def check_code_verifier(code: AuthorizationCode, verifier: str | None) -> None:
    pkce.check_verifier(code.code_challenge, verifier)


def check_family(family: TokenFamily | None) -> TokenFamily:
    if family is None or family.revoked_at is not None:
        raise InvalidGrant("the grant has been revoked")
    return family


def check_refresh(
    token: RefreshToken | None, first_rotation: bool, *, client_id: str, now: datetime, leeway: timedelta
) -> RefreshToken:
    if token is None or token.client_id != client_id:
        raise InvalidGrant("the refresh token is invalid or was issued to another client")
    if now >= token.expires_at:
        raise InvalidGrant("the refresh token has expired")
    if not first_rotation:
        rotated = token.rotated_at
        if rotated is None or now - rotated > leeway:
            raise Replay("the refresh token was already used")
    return token


def check_narrower_scope(requested: str | None, granted: str) -> str:
    if requested is None:
        return granted
    wanted, allowed = set(requested.split()), set(granted.split())
    if not wanted <= allowed:
        raise InvalidScope("the requested scope exceeds the original grant")
    return " ".join(sorted(wanted))
