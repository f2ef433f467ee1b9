"""RFC 7515/7519/9068 compact JWS tokens with the rules of SPEC S2.

Verification trusts only the realm's own keys, found by ``kid``: an algorithm must match the
key's own (no ``none``, no HS-with-a-public-key), ``jku``/``x5u``/``jwk``/``x5c`` headers are never
followed, ``typ`` separates access, ID and logout tokens, and time claims allow 5 minutes of skew.

Keys are imported and exported as JWKs by joserfc. Signing and verifying the compact form is
done here, on ``cryptography``'s keys, for exactly two algorithms: on the token and introspection
endpoints joserfc's general-purpose path (algorithm registry, header and claim registries) cost as
much CPU as the signature itself, and every check S2 asks for is made before the signature is
even looked at. Tokens made here are checked against joserfc and an independent relying party in
the tests.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from joserfc.jwk import ECKey, RSAKey

ALGORITHMS = frozenset({"ES256", "RS256"})
MAX_SKEW_SECONDS = 300
TYP_ACCESS = "at+jwt"
TYP_ID = "JWT"
TYP_LOGOUT = "logout+jwt"
ES256_HALF = 32
"""Bytes in each of r and s of a P-256 signature (RFC 7518 3.4)."""
SHA256 = hashes.SHA256()
ECDSA_SHA256 = ec.ECDSA(SHA256)
PKCS1 = padding.PKCS1v15()


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


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(data: str) -> bytes:
    if not data.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


_NATIVE: dict[tuple[Any, ...], Any] = {}
NATIVE_CACHE_SIZE = 1024


def _native_key(key: JoseKey) -> Any:
    """The cryptography key behind a JWK (private when it has ``d``); imported once, then remembered."""
    jwk = key.jwk
    identity = (key.kid, key.alg, jwk.get("kty"), jwk.get("x"), jwk.get("y"), jwk.get("n"), "d" in jwk)
    native = _NATIVE.get(identity)
    if native is None:
        data = dict(jwk)
        imported = ECKey.import_key(data) if data.get("kty") == "EC" else RSAKey.import_key(data)
        native = imported.private_key if "d" in data else imported.public_key
        if len(_NATIVE) >= NATIVE_CACHE_SIZE:
            _NATIVE.clear()
        _NATIVE[identity] = native
    return native


@lru_cache(maxsize=256)
def from_pem(kid: str, alg: str, pem: bytes) -> JoseKey:
    """A signing key from its private PEM; cached, because parsing a key costs more than signing."""
    loaded = ECKey.import_key(pem) if alg == "ES256" else RSAKey.import_key(pem)
    return JoseKey(kid, alg, loaded.as_dict(private=True))


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(claims: Mapping[str, Any], key: JoseKey, typ: str) -> str:
    if key.alg not in ALGORITHMS:
        raise ValueError(f"cannot sign with {key.alg}")
    header = {"alg": key.alg, "kid": key.kid, "typ": typ}
    signing_input = f"{_b64encode(_json(header))}.{_b64encode(_json(claims))}"
    private = _native_key(key)
    data = signing_input.encode("ascii")
    if key.alg == "ES256":
        r, s = decode_dss_signature(private.sign(data, ECDSA_SHA256))
        signature = r.to_bytes(ES256_HALF, "big") + s.to_bytes(ES256_HALF, "big")
    else:
        signature = private.sign(data, PKCS1, SHA256)
    return f"{signing_input}.{_b64encode(signature)}"


def _signature_holds(key: JoseKey, signing_input: bytes, signature: bytes) -> bool:
    public = _native_key(key)
    if hasattr(public, "public_key"):  # a private JWK given to verify with
        public = public.public_key()
    try:
        if key.alg == "ES256":
            if len(signature) != 2 * ES256_HALF:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:ES256_HALF], "big"), int.from_bytes(signature[ES256_HALF:], "big")
            )
            public.verify(der, signing_input, ECDSA_SHA256)
        else:
            public.verify(signature, signing_input, PKCS1, SHA256)
    except (InvalidSignature, ValueError, TypeError, AttributeError):
        return False
    return True


def header_of(token: str) -> dict[str, Any]:
    """The unverified protected header, for choosing the key; nothing in it is trusted."""
    try:
        header = json.loads(_b64decode(token.split(".", 1)[0]))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
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
    claims = verify_signature(token, keys, typ=typ)
    check_claims(claims, issuer=issuer, audience=audience, now=now, allow_expired=allow_expired)
    return claims


def verify_signature(token: str, keys: Iterable[JoseKey], *, typ: str) -> dict[str, Any]:
    """The part of ``verify`` that never changes for a given token and key set: header rules and signature.

    Callers that remember its answer must still call ``check_claims`` at every use.
    """
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
    return _verified_claims(token, key)


def _verified_claims(token: str, key: JoseKey) -> dict[str, Any]:
    head, body, encoded_signature = token.split(".")
    try:
        signature = _b64decode(encoded_signature)
    except (ValueError, binascii.Error) as exc:
        raise InvalidToken("malformed signature") from exc
    if not _signature_holds(key, f"{head}.{body}".encode("ascii"), signature):
        raise InvalidToken("bad signature")
    try:
        claims = json.loads(_b64decode(body))
    except (ValueError, UnicodeDecodeError, binascii.Error) as exc:
        raise InvalidToken("malformed payload") from exc
    if not isinstance(claims, dict):
        raise InvalidToken("the payload is not a JSON object")
    return claims


def check_claims(
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
