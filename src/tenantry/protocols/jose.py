"""RFC 7515/7519/9068 tokens with the rules of SPEC S2, on joserfc.

Verification trusts only the realm's own keys, found by ``kid``: an algorithm must match the
key's own (no ``none``, no HS-with-a-public-key), ``jku``/``x5u``/``jwk``/``x5c`` headers are never
followed, ``typ`` separates access, ID and logout tokens, and time claims allow 5 minutes of skew.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, RSAKey
from joserfc.util import urlsafe_b64decode

ALGORITHMS = frozenset({"ES256", "RS256"})
MAX_SKEW_SECONDS = 300
TYP_ACCESS = "at+jwt"
TYP_ID = "JWT"
TYP_LOGOUT = "logout+jwt"


class InvalidToken(Exception):
    """The token is not one this realm issued and still honours; ``reason`` is for logs, never clients."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class JoseKey:
    """A key as the protocol layer sees it: its id, its one algorithm, and its JWK (private to sign)."""

    kid: str
    alg: str
    jwk: Mapping[str, Any] = field(repr=False)


@lru_cache(maxsize=1024)
def _imported(jwk_json: str) -> ECKey | RSAKey:
    data = json.loads(jwk_json)
    return ECKey.import_key(data) if data["kty"] == "EC" else RSAKey.import_key(data)


def _key(key: JoseKey) -> ECKey | RSAKey:
    return _imported(json.dumps(dict(key.jwk), sort_keys=True))


@lru_cache(maxsize=256)
def from_pem(kid: str, alg: str, pem: bytes) -> JoseKey:
    """A signing key from its private PEM; cached, because parsing a key costs more than signing."""
    loaded = ECKey.import_key(pem) if alg == "ES256" else RSAKey.import_key(pem)
    return JoseKey(kid, alg, loaded.as_dict(private=True))


def sign(claims: Mapping[str, Any], key: JoseKey, typ: str) -> str:
    header = {"alg": key.alg, "kid": key.kid, "typ": typ}
    return jwt.encode(header, dict(claims), _key(key), algorithms=[key.alg])


def header_of(token: str) -> dict[str, Any]:
    """The unverified protected header, for choosing the key; nothing in it is trusted."""
    try:
        encoded = token.split(".", 1)[0]
        header = json.loads(urlsafe_b64decode(encoded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidToken("malformed header") from exc
    if not isinstance(header, dict):
        raise InvalidToken("malformed header")
    return header


def _same_typ(actual: object, expected: str) -> bool:
    if not isinstance(actual, str):
        return False
    actual = actual.lower().removeprefix("application/")
    return actual == expected.lower()


def verify(
    token: str,
    keys: Iterable[JoseKey],
    *,
    typ: str,
    issuer: str,
    now: datetime,
    audience: str | None = None,
    allow_expired: bool = False,
) -> dict[str, Any]:
    """Return the claims of a token signed by one of ``keys`` for ``issuer``, or raise InvalidToken."""
    if token.count(".") != 2:
        raise InvalidToken("not a compact JWS")
    header = header_of(token)
    alg, kid = header.get("alg"), header.get("kid")
    if alg not in ALGORITHMS:
        raise InvalidToken(f"algorithm {alg!r} is not allowed")
    key = next((candidate for candidate in keys if candidate.kid == kid), None)
    if key is None:
        raise InvalidToken("unknown kid")
    if key.alg != alg:
        raise InvalidToken("algorithm does not match the key")
    if not _same_typ(header.get("typ", TYP_ID if typ == TYP_ID else None), typ):
        raise InvalidToken("wrong token type")
    try:
        claims = dict(jwt.decode(token, _key(key), algorithms=[key.alg]).claims)
    except (JoseError, ValueError) as exc:
        raise InvalidToken("bad signature or payload") from exc
    _check_claims(claims, issuer=issuer, audience=audience, now=now, allow_expired=allow_expired)
    return claims


def _check_claims(
    claims: dict[str, Any], *, issuer: str, audience: str | None, now: datetime, allow_expired: bool = False
) -> None:
    """``allow_expired`` only for an id_token_hint at logout (OIDC RP-Initiated Logout 2), never for access."""
    moment = now.timestamp()
    if claims.get("iss") != issuer:
        raise InvalidToken("issuer mismatch")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or (not allow_expired and moment > exp + MAX_SKEW_SECONDS):
        raise InvalidToken("expired or without exp")
    for name in ("nbf", "iat"):
        value = claims.get(name)
        if value is not None and (not isinstance(value, int | float) or value > moment + MAX_SKEW_SECONDS):
            raise InvalidToken(f"{name} is in the future")
    if audience is not None:
        aud = claims.get("aud")
        audiences = aud if isinstance(aud, list) else [aud]
        if audience not in audiences:
            raise InvalidToken("audience mismatch")
