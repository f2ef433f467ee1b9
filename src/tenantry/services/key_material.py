"""Making a realm signing key: the key pair (off the event loop), its public JWK, its sealed private half."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from joserfc.jwk import ECKey, RSAKey

from tenantry.core.errors import InvalidInput
from tenantry.core.realm import Realm
from tenantry.core.signing_key import ALGORITHMS, KeyAlgorithm, KeyRecord

from .context import Ports

RSA_BITS = 2048
_PUBLIC_MEMBERS = frozenset({"kty", "crv", "x", "y", "n", "e"})


@dataclass(frozen=True, slots=True)
class KeyMaterial:
    alg: KeyAlgorithm
    private_pem: bytes = field(repr=False)
    """PKCS#8 PEM, unencrypted: it only ever leaves this object sealed."""
    public_jwk: dict[str, Any] = field(default_factory=dict)
    """The public half only (``kty`` and ``crv``/``x``/``y`` or ``n``/``e``), without ``kid``."""


def algorithm(alg: str) -> KeyAlgorithm:
    for known in ALGORITHMS:
        if alg == known:
            return known
    raise InvalidInput(
        "signing keys are ES256 or RS256", code="unsupported_algorithm", details={"alg": alg, "allowed": ALGORITHMS}
    )


def _generate(alg: KeyAlgorithm) -> KeyMaterial:
    key = ECKey.generate_key("P-256", private=True) if alg == "ES256" else RSAKey.generate_key(RSA_BITS, private=True)
    public = {name: value for name, value in key.as_dict(private=False).items() if name in _PUBLIC_MEMBERS}
    return KeyMaterial(alg=alg, private_pem=key.as_pem(private=True), public_jwk=public)


async def generate(alg: KeyAlgorithm) -> KeyMaterial:
    """RSA key generation takes tens of milliseconds of CPU: never on the event loop."""
    return await asyncio.to_thread(_generate, alg)


def new_record(
    ports: Ports, realm: Realm, material: KeyMaterial, *, now: datetime, activates_at: datetime
) -> KeyRecord:
    """A key bound to the realm's current issuer; the private key is sealed before it goes anywhere."""
    kid = ports.new_id("key")
    return KeyRecord(
        kid=kid,
        realm_id=realm.id,
        issuer=realm.issuer(ports.base_url),
        alg=material.alg,
        public_jwk={**material.public_jwk, "kid": kid, "alg": material.alg, "use": "sig"},
        sealed_private_key=ports.secrets.seal(material.private_pem),
        created_at=now,
        activates_at=activates_at,
    )
