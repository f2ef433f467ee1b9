"""PKCE (RFC 7636) as RFC 9700 requires it: S256 only, mandatory for public clients."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re

from .errors import InvalidGrant, InvalidRequest

CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")


def check_challenge(challenge: str | None, method: str | None, *, public: bool) -> None:
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method without code_challenge")
        if public:
            raise InvalidRequest("public clients must use PKCE (code_challenge with S256)")
        return
    if method != "S256":
        raise InvalidRequest("code_challenge_method must be S256")
    if not CHALLENGE.fullmatch(challenge):
        raise InvalidRequest("code_challenge must be a base64url SHA-256 digest")


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()).rstrip(b"=").decode()


def check_verifier(challenge: str | None, verifier: str | None) -> None:
    """RFC 7636 4.6; a verifier without a stored challenge is refused too (RFC 9700 2.1.1, S1)."""
    if challenge is None and verifier is None:
        return
    if challenge is None:
        raise InvalidGrant("code_verifier sent but the authorization request had no code_challenge")
    if verifier is None:
        raise InvalidGrant("code_verifier is required")
    if not VERIFIER.fullmatch(verifier) or not hmac.compare_digest(s256(verifier), challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")
