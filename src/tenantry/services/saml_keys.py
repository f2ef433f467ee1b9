"""SAML signing certificates derived from the realm's RS256 keys (SPEC I5).

SAML peers pin X.509 certificates, not JWKs, so each RS256 key of the realm gets a self-signed
certificate made from it. It is deterministic (serial from the kid, validity from the key's
creation, RSA PKCS#1 v1.5 signatures), so every node and every restart produce the same bytes for
the same key. Metadata lists the certificates of every published key (``next`` included), so a
rotation's certificate is known before it signs.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tenantry.core.signing_key import SigningKey
from tenantry.protocols.saml.response import Signer

from .keys import KeyService

ALG = "RS256"
VALIDITY = timedelta(days=3650)
"""SAML SPs check signatures against the pinned certificate, not its dates; ten years keeps strict ones quiet."""


@lru_cache(maxsize=1024)
def certificate_pem(kid: str, private_pem: bytes, created_at: datetime) -> bytes:
    key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise TypeError("SAML certificates are made from RSA keys")
    name = x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, kid), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tenantry")]
    )
    serial = int.from_bytes(hashlib.sha256(kid.encode()).digest()[:19], "big") or 1
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(created_at.replace(microsecond=0))
        .not_valid_after(created_at.replace(microsecond=0) + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    return certificate.public_bytes(serialization.Encoding.PEM)


def _certificate(key: SigningKey) -> bytes:
    return certificate_pem(key.kid, key.private_pem, key.created_at)


class SamlKeys:
    def __init__(self, keys: KeyService):
        self.keys = keys

    async def signer(self, realm_id: str) -> Signer:
        """The realm's active RS256 key and its certificate (a ``next`` key never signs before its time)."""
        key = await self.keys.signing_key(realm_id, ALG)
        return Signer(key.private_pem, _certificate(key))

    async def certificates(self, realm_id: str) -> list[bytes]:
        """Every published RS256 key's certificate, the signing one first (I5)."""
        return [_certificate(key) for key in await self.keys.published_with_private(realm_id, ALG)]
